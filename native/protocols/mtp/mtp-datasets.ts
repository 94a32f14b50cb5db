/**
 * The datasets Lifeboat reads (PTP 15740, 5.5): DeviceInfo, StorageInfo and ObjectInfo, decoded
 * from a data phase and encoded for the simulator, plus PTP's DateTime strings.
 */
import { DataReader, DataWriter, MtpFormatError } from './mtp-container.ts';

export interface DeviceInfo {
  standardVersion: number;
  vendorExtensionId: number;
  vendorExtensionVersion: number;
  vendorExtensionDesc: string;
  functionalMode: number;
  operations: number[];
  events: number[];
  deviceProperties: number[];
  captureFormats: number[];
  playbackFormats: number[];
  manufacturer: string;
  model: string;
  deviceVersion: string;
  serialNumber: string;
}

export function decodeDeviceInfo(bytes: Uint8Array): DeviceInfo {
  const r = new DataReader(bytes, 'DeviceInfo');
  return {
    standardVersion: r.u16('StandardVersion'),
    vendorExtensionId: r.u32('VendorExtensionID'),
    vendorExtensionVersion: r.u16('VendorExtensionVersion'),
    vendorExtensionDesc: r.string('VendorExtensionDesc'),
    functionalMode: r.u16('FunctionalMode'),
    operations: r.array(2, 'OperationsSupported'),
    events: r.array(2, 'EventsSupported'),
    deviceProperties: r.array(2, 'DevicePropertiesSupported'),
    captureFormats: r.array(2, 'CaptureFormats'),
    playbackFormats: r.array(2, 'ImageFormats'),
    manufacturer: r.string('Manufacturer'),
    model: r.string('Model'),
    deviceVersion: r.string('DeviceVersion'),
    serialNumber: r.string('SerialNumber'),
  };
}

export function encodeDeviceInfo(info: DeviceInfo): Uint8Array {
  return new DataWriter()
    .u16(info.standardVersion)
    .u32(info.vendorExtensionId)
    .u16(info.vendorExtensionVersion)
    .string(info.vendorExtensionDesc)
    .u16(info.functionalMode)
    .array(2, info.operations)
    .array(2, info.events)
    .array(2, info.deviceProperties)
    .array(2, info.captureFormats)
    .array(2, info.playbackFormats)
    .string(info.manufacturer)
    .string(info.model)
    .string(info.deviceVersion)
    .string(info.serialNumber)
    .bytes();
}

export interface StorageInfo {
  storageType: number;
  filesystemType: number;
  accessCapability: number;
  maxCapacity: bigint;
  freeSpaceInBytes: bigint;
  freeSpaceInImages: number;
  description: string;
  volumeLabel: string;
}

export function decodeStorageInfo(bytes: Uint8Array): StorageInfo {
  const r = new DataReader(bytes, 'StorageInfo');
  return {
    storageType: r.u16('StorageType'),
    filesystemType: r.u16('FilesystemType'),
    accessCapability: r.u16('AccessCapability'),
    maxCapacity: r.u64('MaxCapacity'),
    freeSpaceInBytes: r.u64('FreeSpaceInBytes'),
    freeSpaceInImages: r.u32('FreeSpaceInImages'),
    description: r.string('StorageDescription'),
    volumeLabel: r.string('VolumeLabel'),
  };
}

export function encodeStorageInfo(info: StorageInfo): Uint8Array {
  return new DataWriter()
    .u16(info.storageType)
    .u16(info.filesystemType)
    .u16(info.accessCapability)
    .u64(info.maxCapacity)
    .u64(info.freeSpaceInBytes)
    .u32(info.freeSpaceInImages)
    .string(info.description)
    .string(info.volumeLabel)
    .bytes();
}

export interface ObjectInfo {
  storageId: number;
  format: number;
  protectionStatus: number;
  /** 32 bits; 0xFFFFFFFF means "4 GiB or more: ask the ObjectSize property". */
  compressedSize: number;
  thumbFormat: number;
  thumbCompressedSize: number;
  thumbPixWidth: number;
  thumbPixHeight: number;
  imagePixWidth: number;
  imagePixHeight: number;
  imageBitDepth: number;
  parent: number;
  associationType: number;
  associationDesc: number;
  sequenceNumber: number;
  filename: string;
  /** PTP DateTime strings as the phone sent them ("" when it has none). */
  captureDate: string;
  modificationDate: string;
  keywords: string;
}

export function decodeObjectInfo(bytes: Uint8Array): ObjectInfo {
  const r = new DataReader(bytes, 'ObjectInfo');
  const info: ObjectInfo = {
    storageId: r.u32('StorageID'),
    format: r.u16('ObjectFormat'),
    protectionStatus: r.u16('ProtectionStatus'),
    compressedSize: r.u32('ObjectCompressedSize'),
    thumbFormat: r.u16('ThumbFormat'),
    thumbCompressedSize: r.u32('ThumbCompressedSize'),
    thumbPixWidth: r.u32('ThumbPixWidth'),
    thumbPixHeight: r.u32('ThumbPixHeight'),
    imagePixWidth: r.u32('ImagePixWidth'),
    imagePixHeight: r.u32('ImagePixHeight'),
    imageBitDepth: r.u32('ImageBitDepth'),
    parent: r.u32('ParentObject'),
    associationType: r.u16('AssociationType'),
    associationDesc: r.u32('AssociationDesc'),
    sequenceNumber: r.u32('SequenceNumber'),
    filename: r.string('Filename'),
    captureDate: '',
    modificationDate: '',
    keywords: '',
  };
  // Some responders end the dataset after the name; the dates are then unknown, not an error.
  if (r.remaining > 0) info.captureDate = r.string('CaptureDate');
  if (r.remaining > 0) info.modificationDate = r.string('ModificationDate');
  if (r.remaining > 0) info.keywords = r.string('Keywords');
  return info;
}

export function encodeObjectInfo(info: ObjectInfo): Uint8Array {
  return new DataWriter()
    .u32(info.storageId)
    .u16(info.format)
    .u16(info.protectionStatus)
    .u32(info.compressedSize)
    .u16(info.thumbFormat)
    .u32(info.thumbCompressedSize)
    .u32(info.thumbPixWidth)
    .u32(info.thumbPixHeight)
    .u32(info.imagePixWidth)
    .u32(info.imagePixHeight)
    .u32(info.imageBitDepth)
    .u32(info.parent)
    .u16(info.associationType)
    .u32(info.associationDesc)
    .u32(info.sequenceNumber)
    .string(info.filename)
    .string(info.captureDate)
    .string(info.modificationDate)
    .string(info.keywords)
    .bytes();
}

/** A u32 array dataset (GetStorageIDs, GetObjectHandles, GetObjectPropsSupported uses u16). */
export function decodeU32Array(bytes: Uint8Array, what: string): number[] {
  return new DataReader(bytes, what).array(4, what);
}

export function decodeU16Array(bytes: Uint8Array, what: string): number[] {
  return new DataReader(bytes, what).array(2, what);
}

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3})\d*)?(Z|[+-]\d{4})?$/;

/**
 * A PTP DateTime "YYYYMMDDThhmmss[.s][Z|±hhmm]" as UTC milliseconds, or undefined when it is
 * missing or not a date. Without a zone the phone meant its own wall clock, whose zone it does
 * not say; it is read as UTC (as Lifeboat reads EXIF times without an offset), so the same
 * string always gives the same instant.
 */
export function parsePtpDateTime(text: string): number | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const fraction = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  let utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), fraction);
  const check = new Date(utc);
  if (check.getUTCDate() !== day) return undefined; // 31 February and the like
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
    utc -= offsetMinutes * 60_000;
  }
  return utc;
}

/** UTC milliseconds as a PTP DateTime, whole seconds, no zone (as Android's responder writes it). */
export function formatPtpDateTime(utcMillis: number): string {
  const d = new Date(utcMillis);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export { MtpFormatError };
