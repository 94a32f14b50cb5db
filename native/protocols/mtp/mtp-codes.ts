/**
 * Numbers of PTP (PIMA 15740 / ISO 15740) and MTP 1.1 used by Lifeboat's client and simulator.
 * Only what is read or served is named here; the allowlist (mtp-allowlist.ts) decides what may
 * ever be sent.
 */

/** Container types of the USB bulk transport (Still Image Capture Device Definition, 7.1). */
export const ContainerType = {
  command: 1,
  data: 2,
  response: 3,
  event: 4,
} as const;

export const HEADER_BYTES = 12;
/** A command carries at most five 32-bit parameters. */
export const MAX_PARAMS = 5;
/** A data container of 4 GiB or more says 0xFFFFFFFF and ends with a short packet. */
export const UNKNOWN_LENGTH = 0xffff_ffff;

export const Op = {
  GetDeviceInfo: 0x1001,
  OpenSession: 0x1002,
  CloseSession: 0x1003,
  GetStorageIDs: 0x1004,
  GetStorageInfo: 0x1005,
  GetNumObjects: 0x1006,
  GetObjectHandles: 0x1007,
  GetObjectInfo: 0x1008,
  GetObject: 0x1009,
  GetThumb: 0x100a,
  DeleteObject: 0x100b,
  SendObjectInfo: 0x100c,
  SendObject: 0x100d,
  FormatStore: 0x100f,
  ResetDevice: 0x1010,
  SetDevicePropValue: 0x1016,
  GetDevicePropDesc: 0x1014,
  GetDevicePropValue: 0x1015,
  MoveObject: 0x1019,
  CopyObject: 0x101a,
  GetPartialObject: 0x101b,
  GetObjectPropsSupported: 0x9801,
  GetObjectPropDesc: 0x9802,
  GetObjectPropValue: 0x9803,
  SetObjectPropValue: 0x9804,
  GetObjectPropList: 0x9805,
  /** Android's extension (libmtp ptp.h): handle, offset low, offset high, max bytes. */
  GetPartialObject64: 0x95c1,
  SendPartialObject: 0x95c2,
  TruncateObject: 0x95c3,
  BeginEditObject: 0x95c4,
  EndEditObject: 0x95c5,
} as const;

export const Response = {
  OK: 0x2001,
  GeneralError: 0x2002,
  SessionNotOpen: 0x2003,
  InvalidTransactionID: 0x2004,
  OperationNotSupported: 0x2005,
  ParameterNotSupported: 0x2006,
  IncompleteTransfer: 0x2007,
  InvalidStorageID: 0x2008,
  InvalidObjectHandle: 0x2009,
  DevicePropNotSupported: 0x200a,
  InvalidObjectFormatCode: 0x200b,
  AccessDenied: 0x200f,
  DeviceBusy: 0x2019,
  InvalidParentObject: 0x201a,
  InvalidParameter: 0x201d,
  SessionAlreadyOpen: 0x201e,
  TransactionCancelled: 0x201f,
  InvalidObjectPropCode: 0xa801,
} as const;

const RESPONSE_NAMES = new Map<number, string>(Object.entries(Response).map(([name, code]) => [code, name]));

/** "InvalidObjectHandle (0x2009)", or the bare code when it is not one we name. */
export function responseName(code: number): string {
  const name = RESPONSE_NAMES.get(code);
  const hex = `0x${code.toString(16).padStart(4, '0')}`;
  return name ? `${name} (${hex})` : hex;
}

/** Object format codes (PTP 15740 table 18, MTP 1.1 appendix A). */
export const Format = {
  Undefined: 0x3000,
  Association: 0x3001,
  Script: 0x3002,
  Executable: 0x3003,
  Text: 0x3004,
  HTML: 0x3005,
  DPOF: 0x3006,
  AIFF: 0x3007,
  WAV: 0x3008,
  MP3: 0x3009,
  AVI: 0x300a,
  MPEG: 0x300b,
  ASF: 0x300c,
  QuickTime: 0x300d,
  UndefinedImage: 0x3800,
  EXIF_JPEG: 0x3801,
  TIFF_EP: 0x3802,
  FlashPix: 0x3803,
  BMP: 0x3804,
  CIFF: 0x3805,
  GIF: 0x3807,
  JFIF: 0x3808,
  PCD: 0x3809,
  PICT: 0x380a,
  PNG: 0x380b,
  TIFF: 0x380d,
  TIFF_IT: 0x380e,
  JP2: 0x380f,
  JPX: 0x3810,
  DNG: 0x3811,
  HEIF: 0x3812,
  WMV: 0xb981,
  MP4Container: 0xb982,
  ThreeGPContainer: 0xb984,
  AbstractContact: 0xbb81,
  vCard2: 0xbb82,
  vCard3: 0xbb83,
  AbstractCalendarItem: 0xbe01,
  vCalendar1: 0xbe02,
  vCalendar2: 0xbe03,
} as const;

/** AssociationType of a folder (PTP: Generic Folder). */
export const ASSOCIATION_GENERIC_FOLDER = 0x0001;

/** Object property codes (MTP 1.1 appendix B). */
export const ObjectProp = {
  StorageID: 0xdc01,
  ObjectFormat: 0xdc02,
  ObjectSize: 0xdc04,
  ObjectFileName: 0xdc07,
  DateCreated: 0xdc08,
  DateModified: 0xdc09,
  ParentObject: 0xdc0b,
  PersistentUID: 0xdc41,
} as const;

/** Device property codes (PTP 15740 table 23). */
export const DeviceProp = {
  BatteryLevel: 0x5001,
} as const;

/** Data type codes of property values (PTP 15740 table 3). */
export const DataType = {
  INT8: 0x0001,
  UINT8: 0x0002,
  INT16: 0x0003,
  UINT16: 0x0004,
  INT32: 0x0005,
  UINT32: 0x0006,
  INT64: 0x0007,
  UINT64: 0x0008,
  UINT128: 0x000a,
  STR: 0xffff,
} as const;

/** GetObjectHandles parameters (libmtp PTP_GOH_*): every storage, every format, the root. */
export const ALL_STORAGES = 0xffff_ffff;
export const ALL_FORMATS = 0;
export const ROOT_PARENT = 0xffff_ffff;

/** Class requests of the Still Image Capture Device Definition (5.2). */
export const ClassRequest = {
  Cancel: 0x64,
  GetExtendedEventData: 0x65,
  DeviceReset: 0x66,
  GetDeviceStatus: 0x67,
} as const;

/** Cancel request's data: this code, then the transaction id (Still Image 5.2.1). */
export const CANCEL_CODE = 0x4001;

/** The MTP vendor extension id (Microsoft) in DeviceInfo. */
export const MTP_VENDOR_EXTENSION_ID = 0x0000_0006;

/** Event codes (PTP 15740 table 24) the simulators send on the interrupt endpoint. */
export const EventCode = {
  ObjectAdded: 0x4002,
  ObjectRemoved: 0x4003,
  StoreAdded: 0x4004,
  StoreRemoved: 0x4005,
  DeviceInfoChanged: 0x4008,
} as const;

/** Apple's USB vendor id: iPhones and iPads give their photos as plain PTP cameras. */
export const APPLE_VENDOR_ID = 0x05ac;

/**
 * The one storage an iPhone lists while it does not trust the computer (or is locked): no objects
 * in it. Once the owner unlocks it and taps Trust, it sends StoreRemoved(0xFEEDFACE) and
 * StoreAdded(the real storage) (libgphoto2 camlibs/ptp2/library.c, "Apple iOS 10.2 hack").
 */
export const APPLE_PLACEHOLDER_STORAGE_ID = 0xfeed_face;
