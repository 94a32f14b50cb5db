/**
 * The device side of MTP 1.1 / PTP (ISO 15740) over USB bulk pipes, as a phone's responder acts:
 *
 * - The host's bulk OUT bytes are gathered into containers (a command may come in pieces); each
 *   command is answered in turn: an optional data phase (type 2) and a response (type 3), both
 *   with the command's transaction id.
 * - A data phase is sent as USB messages of whole packets, the last one short; when the data
 *   container fills whole packets a zero-length packet ends it (Still Image 7.2).
 * - Operations outside a session answer SessionNotOpen (GetDeviceInfo and OpenSession excepted);
 *   GetObjectHandles follows MTP 1.1: parent 0xFFFFFFFF is the root, 0 is every object of the
 *   storage, a format code filters.
 * - Class requests: Cancel (0x64) stops the data phase in progress (it ends with a short or
 *   zero-length packet and no response), Get Device Status (0x67) answers OK.
 * - The responder only reads: every operation that would change the storage answers
 *   OperationNotSupported (after taking the host's data phase, if it sends one).
 *
 * It is transport-agnostic: `link.send(bytes)` is one USB message on the bulk IN endpoint (a
 * zero-length send is a ZLP), so the same responder runs behind the in-process virtual USB device
 * and behind FunctionFS in the QEMU lab.
 */
import type { DeviceIdentity } from '../../model/device.ts';
import {
  APPLE_PLACEHOLDER_STORAGE_ID,
  ASSOCIATION_GENERIC_FOLDER,
  CANCEL_CODE,
  ClassRequest,
  ContainerType,
  DataType,
  DeviceProp,
  EventCode,
  Format,
  HEADER_BYTES,
  MTP_VENDOR_EXTENSION_ID,
  ObjectProp,
  Op,
  Response,
} from '../../protocols/mtp/mtp-codes.ts';
import { DataWriter, encodeDeviceContainer, encodeParams } from '../../protocols/mtp/mtp-container.ts';
import { encodeDeviceInfo, encodeObjectInfo, encodeStorageInfo, formatPtpDateTime, type DeviceInfo } from '../../protocols/mtp/mtp-datasets.ts';
import { emptyPlan, type HostilePlan } from './mtp-hostile.ts';
import { IphoneTrustClock, iphoneDeviceInfo, IPHONE_OPERATIONS, type IphonePtpOptions } from './iphone-ptp.ts';
import { STORAGE_ID, type MtpObjectStore, type SimObject } from './mtp-object-store.ts';

export interface MtpDeviceLink {
  /** One message on the bulk IN endpoint; resolves when the host has taken it. */
  send(data: Uint8Array): Promise<void>;
  /** The device drops off the bus (the vanish mode). */
  disconnect(): void;
  /** One event container on the interrupt endpoint (a phone without one: leave it out). */
  event?(data: Uint8Array): Promise<void>;
}

/**
 * "android": Android's MtpServer (GetPartialObject64, android.com extension); "feature-phone":
 * plain MTP 1.0; "iphone": iOS's PTP responder with its trust placeholder (iphone-ptp.ts).
 */
export type ResponderStyle = 'android' | 'feature-phone' | 'iphone';

export interface MtpResponderOptions {
  readonly identity: Pick<DeviceIdentity, 'manufacturer' | 'model' | 'serial' | 'battery'>;
  readonly store: MtpObjectStore;
  readonly style?: ResponderStyle;
  /** wMaxPacketSize of the bulk IN endpoint (512 high speed, 1024 super speed). */
  readonly packetSize?: number;
  readonly hostile?: HostilePlan;
  /** The iPhone flavour's trust state (style "iphone"). */
  readonly iphone?: IphonePtpOptions;
  /** Bytes per bulk IN message of a data phase (rounded down to whole packets). */
  readonly messageBytes?: number;
  readonly log?: (line: string) => void;
}

const CONTACT_AND_CALENDAR_FORMATS = [Format.vCard2, Format.vCard3, Format.vCalendar1, Format.vCalendar2];
const OBJECT_PROPS = [
  ObjectProp.StorageID,
  ObjectProp.ObjectFormat,
  ObjectProp.ObjectSize,
  ObjectProp.ObjectFileName,
  ObjectProp.DateCreated,
  ObjectProp.DateModified,
  ObjectProp.ParentObject,
  ObjectProp.PersistentUID,
];
/** Operations that would change the phone, and take a data phase from the host. */
const HOST_DATA_OPERATIONS = new Set([0x100c, 0x100d, 0x1016, 0x9804, 0x9806, 0x9808, 0x95c2]);

export interface MtpResponder {
  /** A bulk OUT transfer from the host (a zero-length one is ignored). */
  receive(data: Uint8Array): void;
  /** Class control requests: Cancel (OUT) and Get Device Status (IN); anything else stalls. */
  controlOut(request: number, data: Uint8Array): 'ok' | 'stall';
  controlIn(request: number, length: number): Uint8Array | 'stall';
  /** The host closed the device or released the interface: the session ends. */
  reset(): void;
  attach(link: MtpDeviceLink): void;
  readonly deviceInfo: DeviceInfo;
}

export function createMtpResponder(options: MtpResponderOptions): MtpResponder {
  const store = options.store;
  const plan = options.hostile ?? emptyPlan();
  const packet = options.packetSize ?? 512;
  const messageBytes = Math.max(packet, Math.floor((options.messageBytes ?? 64 * 1024) / packet) * packet);
  const style = options.style ?? 'feature-phone';
  const log = options.log ?? (() => undefined);
  let link: MtpDeviceLink | undefined;
  let pending: Uint8Array = new Uint8Array(0);
  let work: Promise<void> = Promise.resolve();
  let sessionId = 0;
  let cancelled: number | undefined;
  let generation = 0;
  let awaitingHostData: { transactionId: number } | undefined;

  const hasPimObjects = [...store.all()].some((o) => CONTACT_AND_CALENDAR_FORMATS.includes(o.format as (typeof CONTACT_AND_CALENDAR_FORMATS)[number]));
  const trust = style === 'iphone' ? new IphoneTrustClock(options.iphone ?? {}) : undefined;
  const operations = style === 'iphone' ? IPHONE_OPERATIONS : [
    Op.GetDeviceInfo, Op.OpenSession, Op.CloseSession, Op.GetStorageIDs, Op.GetStorageInfo, Op.GetNumObjects,
    Op.GetObjectHandles, Op.GetObjectInfo, Op.GetObject, Op.GetThumb, Op.GetPartialObject, Op.GetDevicePropDesc,
    Op.GetDevicePropValue, Op.GetObjectPropsSupported, Op.GetObjectPropDesc, Op.GetObjectPropValue,
    ...(style === 'android' ? [Op.GetPartialObject64] : []),
  ];
  const playbackFormats = [
    Format.Undefined, Format.Association, Format.Text, Format.MP3, Format.WAV, Format.AVI, Format.MPEG, Format.EXIF_JPEG,
    Format.BMP, Format.GIF, Format.PNG, Format.TIFF, Format.DNG, Format.HEIF, Format.QuickTime, Format.MP4Container, Format.ThreeGPContainer,
    ...(hasPimObjects ? CONTACT_AND_CALENDAR_FORMATS : []),
  ];
  const deviceInfo: DeviceInfo = style === 'iphone' ? iphoneDeviceInfo(options.identity, options.iphone ?? {}) : {
    standardVersion: 100,
    vendorExtensionId: MTP_VENDOR_EXTENSION_ID,
    vendorExtensionVersion: 100,
    vendorExtensionDesc: style === 'android' ? 'microsoft.com: 1.0; android.com: 1.0;' : 'microsoft.com: 1.0;',
    functionalMode: 0,
    operations,
    events: [0x4002, 0x4003, 0x4004, 0x4005, 0x400c],
    deviceProperties: options.identity.battery === null ? [] : [DeviceProp.BatteryLevel],
    captureFormats: [],
    playbackFormats,
    manufacturer: options.identity.manufacturer,
    model: options.identity.model,
    deviceVersion: '1.0',
    serialNumber: options.identity.serial,
  };

  const send = (bytes: Uint8Array): Promise<void> => {
    if (!link) return Promise.reject(new Error('the MTP responder is not attached to a link'));
    return link.send(bytes);
  };

  const respond = (code: number, transactionId: number, params: number[] = []) =>
    send(encodeDeviceContainer(ContainerType.response, code, transactionId, encodeParams(params)));

  /**
   * One data phase: header and payload as messages of whole packets, the last one short, or a
   * ZLP after it. Returns false when the host cancelled it (no response is sent then).
   */
  const sendData = async (
    code: number,
    transactionId: number,
    length: number,
    read: (offset: number, n: number) => Promise<Uint8Array>,
    twist: { stopAfter?: number; then?: 'stall' | 'vanish' | 'short' } = {},
  ): Promise<boolean> => {
    const total = HEADER_BYTES + length;
    const header = encodeDeviceContainer(ContainerType.data, code, transactionId, new Uint8Array(0), total > 0xffff_ffff ? 0xffff_ffff : total);
    let sent = 0; // payload bytes sent
    let first = true;
    const mine = generation;
    while (first || sent < length) {
      if (cancelled === transactionId || mine !== generation) {
        cancelled = undefined;
        await send(new Uint8Array(0)); // ends the host's transfer at a packet boundary
        return false;
      }
      const room = first ? messageBytes - HEADER_BYTES : messageBytes;
      let n = Math.min(room, length - sent);
      if (twist.stopAfter !== undefined && sent + n >= twist.stopAfter) {
        n = Math.max(0, twist.stopAfter - sent);
        // whole packets only before the twist, as a phone that froze mid-transfer
        n -= (n + (first ? HEADER_BYTES : 0)) % packet;
        if (n < 0) n = 0;
      }
      const body = n > 0 ? await read(sent, n) : new Uint8Array(0);
      if (body.length !== n) throw new Error(`object data ended early (${body.length} of ${n} bytes)`);
      const message = first ? concat(header, body) : body;
      first = false;
      if (message.length > 0) await send(message);
      sent += n;
      if (twist.stopAfter !== undefined && sent >= twist.stopAfter - packet) {
        if (twist.then === 'stall') {
          log('hostile: stalling mid-object');
          await new Promise(() => undefined); // never answers again
        }
        if (twist.then === 'vanish') {
          log('hostile: dropping off the bus mid-object');
          link?.disconnect();
          return false;
        }
        if (twist.then === 'short') {
          // End the message here although the header announced more (a truncated container).
          if ((sent + HEADER_BYTES) % packet === 0) await send(new Uint8Array(0));
          return true;
        }
      }
    }
    if (total % packet === 0) await send(new Uint8Array(0));
    return true;
  };

  const sendDataset = (code: number, transactionId: number, bytes: Uint8Array) =>
    sendData(code, transactionId, bytes.length, async (offset, n) => bytes.subarray(offset, offset + n));

  /** What GetStorageIDs lists now: an iPhone that does not trust this computer hides its storage. */
  const storageIds = (): number[] => trust?.storageIds(STORAGE_ID) ?? [STORAGE_ID];
  const storageVisible = () => storageIds().includes(STORAGE_ID);
  const objectOf = (handle: number): SimObject | undefined => (storageVisible() ? store.get(handle) : undefined);
  const listedSize = (o: SimObject) => plan.listedSize.get(o.handle) ?? o.size;

  const objectInfoBytes = (o: SimObject): Uint8Array => {
    const size = listedSize(o);
    const date = formatPtpDateTime(o.mtimeMs);
    const info = encodeObjectInfo({
      storageId: STORAGE_ID,
      format: o.format,
      protectionStatus: 0,
      compressedSize: size >= 0xffff_ffff ? 0xffff_ffff : size,
      thumbFormat: 0,
      thumbCompressedSize: 0,
      thumbPixWidth: 0,
      thumbPixHeight: 0,
      imagePixWidth: 0,
      imagePixHeight: 0,
      imageBitDepth: 0,
      parent: o.parent,
      associationType: o.isFolder ? ASSOCIATION_GENERIC_FOLDER : 0,
      associationDesc: 0,
      sequenceNumber: 0,
      filename: o.name,
      captureDate: date,
      modificationDate: date,
      keywords: '',
    });
    if (plan.badNameLength.has(o.handle)) {
      // The name's length byte claims 200 UTF-16 units; the dataset ends long before.
      const nameAt = 52;
      return concat(info.subarray(0, nameAt), Uint8Array.from([200, 0x41, 0x00, 0x42, 0x00]));
    }
    return info;
  };

  const propValue = (o: SimObject, prop: number): Uint8Array | undefined => {
    const w = new DataWriter();
    switch (prop) {
      case ObjectProp.StorageID: return w.u32(STORAGE_ID).bytes();
      case ObjectProp.ObjectFormat: return w.u16(o.format).bytes();
      case ObjectProp.ObjectSize: return w.u64(listedSize(o)).bytes();
      case ObjectProp.ObjectFileName: return w.string(o.name).bytes();
      case ObjectProp.DateCreated:
      case ObjectProp.DateModified: return w.string(formatPtpDateTime(o.mtimeMs)).bytes();
      case ObjectProp.ParentObject: return w.u32(o.parent).bytes();
      case ObjectProp.PersistentUID: return w.u64(o.handle).u64(0).bytes();
      default: return undefined;
    }
  };

  const propDesc = (prop: number): Uint8Array | undefined => {
    const w = new DataWriter().u16(prop);
    switch (prop) {
      case ObjectProp.StorageID: return w.u16(DataType.UINT32).u8(0).u32(0).u32(0).u8(0).bytes();
      case ObjectProp.ObjectFormat: return w.u16(DataType.UINT16).u8(0).u16(0).u32(0).u8(0).bytes();
      case ObjectProp.ObjectSize: return w.u16(DataType.UINT64).u8(0).u64(0).u32(0).u8(0).bytes();
      case ObjectProp.ObjectFileName:
      case ObjectProp.DateCreated:
      case ObjectProp.DateModified: return w.u16(DataType.STR).u8(0).u8(0).u32(0).u8(0).bytes();
      case ObjectProp.ParentObject: return w.u16(DataType.UINT32).u8(0).u32(0).u32(0).u8(0).bytes();
      case ObjectProp.PersistentUID: return w.u16(DataType.UINT128).u8(0).u64(0).u64(0).u32(0).u8(0).bytes();
      default: return undefined;
    }
  };

  const handles = (storage: number, format: number, parent: number): number[] | number => {
    if (storage !== 0xffff_ffff && !storageIds().includes(storage)) return Response.InvalidStorageID;
    // The placeholder storage of an untrusted iPhone, or no storage at all: nothing to list.
    if (!storageVisible()) return [];
    let list: readonly number[];
    if (parent === 0) list = [...store.all()].map((o) => o.handle);
    else if (parent === 0xffff_ffff) list = store.children(0);
    else {
      const folder = objectOf(parent);
      if (!folder) return Response.InvalidObjectHandle;
      if (!folder.isFolder) return Response.InvalidParentObject;
      list = store.children(parent);
    }
    if (format !== 0) list = list.filter((h) => objectOf(h)?.format === format);
    return [...list];
  };

  /**
   * StorageInfo as an iPhone gives it: built-in memory, a DCIM camera layout, read-only with
   * object deletion; the placeholder storage has no room and no name.
   */
  const sendIphoneStorageInfo = async (transactionId: number, storageId: number): Promise<void> => {
    let used = 0n;
    for (const o of store.all()) used += BigInt(o.size);
    const capacity = storageId === APPLE_PLACEHOLDER_STORAGE_ID ? 0n : 128n * 1024n ** 3n;
    await sendDataset(
      Op.GetStorageInfo,
      transactionId,
      encodeStorageInfo({
        storageType: 0x0003, // fixed RAM
        filesystemType: 0x0003, // DCF (a camera's DCIM layout)
        accessCapability: 0x0002, // read-only with object deletion
        maxCapacity: capacity,
        freeSpaceInBytes: capacity > used ? capacity - used : 0n,
        freeSpaceInImages: 0xffff_ffff,
        description: '',
        volumeLabel: '',
      }),
    );
    await respond(Response.OK, transactionId);
  };

  async function handle(code: number, transactionId: number, params: number[]): Promise<void> {
    log(`command 0x${code.toString(16)} tid ${transactionId} [${params.join(', ')}]`);
    if (cancelled !== undefined && cancelled !== transactionId) cancelled = undefined; // a cancel that came too late
    if (HOST_DATA_OPERATIONS.has(code)) {
      awaitingHostData = { transactionId };
      return; // answered once the host's data phase is in (see receive)
    }
    if (code === Op.GetDeviceInfo) {
      await sendDataset(code, transactionId, encodeDeviceInfo(deviceInfo));
      return respond(Response.OK, transactionId);
    }
    if (code === Op.OpenSession) {
      const id = params[0] ?? 0;
      if (id === 0) return respond(Response.InvalidParameter, transactionId);
      if (sessionId !== 0) return respond(Response.SessionAlreadyOpen, transactionId, [sessionId]);
      sessionId = id;
      // An iPhone asks its owner "Trust This Computer?" now; when the answer is yes, it says so
      // on the interrupt endpoint (nobody may be reading it: never awaited).
      trust?.sessionOpened(() => {
        const event = (code: number, storage: number) =>
          void link?.event?.(encodeDeviceContainer(ContainerType.event, code, 0, encodeParams([storage])))?.catch(() => undefined);
        event(EventCode.StoreRemoved, APPLE_PLACEHOLDER_STORAGE_ID);
        event(EventCode.StoreAdded, STORAGE_ID);
        log('iphone: the owner tapped Trust; the real storage is listed from now on');
      });
      return respond(Response.OK, transactionId);
    }
    if (!operations.includes(code as (typeof operations)[number])) return respond(Response.OperationNotSupported, transactionId);
    if (sessionId === 0) return respond(Response.SessionNotOpen, transactionId);
    switch (code) {
      case Op.CloseSession:
        sessionId = 0;
        return respond(Response.OK, transactionId);
      case Op.GetStorageIDs:
        await sendDataset(code, transactionId, new DataWriter().array(4, storageIds()).bytes());
        return respond(Response.OK, transactionId);
      case Op.GetStorageInfo: {
        if (!storageIds().includes(params[0] ?? 0)) return respond(Response.InvalidStorageID, transactionId);
        if (style === 'iphone') return sendIphoneStorageInfo(transactionId, params[0]!);
        let used = 0n;
        for (const o of store.all()) used += BigInt(o.size);
        const capacity = 64n * 1024n ** 3n;
        await sendDataset(
          code,
          transactionId,
          encodeStorageInfo({
            storageType: 0x0003, // fixed RAM
            filesystemType: 0x0002, // generic hierarchical
            accessCapability: 0x0001, // read-only without object deletion: what this simulator allows
            maxCapacity: capacity,
            freeSpaceInBytes: capacity > used ? capacity - used : 0n,
            freeSpaceInImages: 0xffff_ffff,
            description: 'Internal shared storage',
            volumeLabel: '',
          }),
        );
        return respond(Response.OK, transactionId);
      }
      case Op.GetNumObjects:
      case Op.GetObjectHandles: {
        const list = handles(params[0] ?? 0, params[1] ?? 0, params[2] ?? 0);
        if (typeof list === 'number') return respond(list, transactionId);
        if (code === Op.GetNumObjects) return respond(Response.OK, transactionId, [list.length]);
        await sendDataset(code, transactionId, new DataWriter().array(4, list).bytes());
        return respond(Response.OK, transactionId);
      }
      case Op.GetObjectInfo: {
        const o = objectOf(params[0] ?? 0);
        if (!o) return respond(Response.InvalidObjectHandle, transactionId);
        if (plan.malformedInfo.has(o.handle)) {
          // Eight bytes where a container needs twelve.
          const broken = new Uint8Array(8);
          new DataView(broken.buffer).setUint32(0, 8, true);
          new DataView(broken.buffer).setUint16(4, ContainerType.response, true);
          new DataView(broken.buffer).setUint16(6, Response.OK, true);
          return send(broken);
        }
        await sendDataset(code, transactionId, objectInfoBytes(o));
        if (plan.wrongTransactionId.has(o.handle)) return respond(Response.OK, (transactionId + 5) >>> 0);
        return respond(Response.OK, transactionId);
      }
      case Op.GetObject: {
        const o = objectOf(params[0] ?? 0);
        if (!o || o.isFolder) return respond(Response.InvalidObjectHandle, transactionId);
        const half = Math.floor(o.size / 2);
        const twist = plan.stall.has(o.handle)
          ? { stopAfter: half, then: 'stall' as const }
          : plan.vanish.has(o.handle)
            ? { stopAfter: half, then: 'vanish' as const }
            : plan.truncated.has(o.handle)
              ? { stopAfter: half, then: 'short' as const }
              : {};
        if (await sendData(code, transactionId, o.size, o.read, twist)) await respond(Response.OK, transactionId);
        return;
      }
      case Op.GetPartialObject:
      case Op.GetPartialObject64: {
        const o = objectOf(params[0] ?? 0);
        if (!o || o.isFolder) return respond(Response.InvalidObjectHandle, transactionId);
        const offset = code === Op.GetPartialObject64 ? (params[1] ?? 0) + (params[2] ?? 0) * 2 ** 32 : (params[1] ?? 0);
        const max = code === Op.GetPartialObject64 ? (params[3] ?? 0) : (params[2] ?? 0);
        if (offset > o.size) return respond(Response.InvalidParameter, transactionId);
        const n = Math.min(max, o.size - offset);
        if (await sendData(code, transactionId, n, (at, k) => o.read(offset + at, k))) await respond(Response.OK, transactionId, [n]);
        return;
      }
      case Op.GetThumb:
        return respond(objectOf(params[0] ?? 0) ? 0x2010 /* NoThumbnailPresent */ : Response.InvalidObjectHandle, transactionId);
      case Op.GetDevicePropDesc: {
        if (params[0] !== DeviceProp.BatteryLevel || options.identity.battery === null) return respond(Response.DevicePropNotSupported, transactionId);
        const level = options.identity.battery;
        // UINT8, get only, default = current, a range 0-100 step 1.
        await sendDataset(code, transactionId, new DataWriter().u16(DeviceProp.BatteryLevel).u16(DataType.UINT8).u8(0).u8(level).u8(level).u8(1).u8(0).u8(100).u8(1).bytes());
        return respond(Response.OK, transactionId);
      }
      case Op.GetDevicePropValue: {
        if (params[0] !== DeviceProp.BatteryLevel || options.identity.battery === null) return respond(Response.DevicePropNotSupported, transactionId);
        await sendDataset(code, transactionId, Uint8Array.of(options.identity.battery));
        return respond(Response.OK, transactionId);
      }
      case Op.GetObjectPropsSupported:
        await sendDataset(code, transactionId, new DataWriter().array(2, OBJECT_PROPS).bytes());
        return respond(Response.OK, transactionId);
      case Op.GetObjectPropDesc: {
        const desc = propDesc(params[0] ?? 0);
        if (!desc) return respond(Response.InvalidObjectPropCode, transactionId);
        await sendDataset(code, transactionId, desc);
        return respond(Response.OK, transactionId);
      }
      case Op.GetObjectPropValue: {
        const o = objectOf(params[0] ?? 0);
        if (!o) return respond(Response.InvalidObjectHandle, transactionId);
        const value = propValue(o, params[1] ?? 0);
        if (!value) return respond(Response.InvalidObjectPropCode, transactionId);
        await sendDataset(code, transactionId, value);
        return respond(Response.OK, transactionId);
      }
      default:
        return respond(Response.OperationNotSupported, transactionId);
    }
  }

  const enqueue = (job: () => Promise<void>) => {
    work = work.then(job).catch((error: unknown) => {
      // The link went away mid-answer (the host closed or the cable was pulled): nothing to do.
      log(`answer not finished: ${(error as Error).message}`);
    });
  };

  return {
    deviceInfo,
    attach(l) {
      link = l;
    },
    receive(data) {
      if (data.length === 0) return;
      pending = pending.length === 0 ? data.slice() : concat(pending, data);
      while (pending.length >= HEADER_BYTES) {
        const view = new DataView(pending.buffer, pending.byteOffset, pending.byteLength);
        const length = view.getUint32(0, true);
        const type = view.getUint16(4, true);
        const code = view.getUint16(6, true);
        const transactionId = view.getUint32(8, true);
        if (length < HEADER_BYTES) {
          log(`dropping ${pending.length} bytes that are not a container`);
          pending = new Uint8Array(0);
          return;
        }
        if (pending.length < length) return;
        const body = pending.subarray(HEADER_BYTES, length);
        pending = pending.subarray(length);
        if (type === ContainerType.command) {
          const params = Array.from({ length: Math.min(5, Math.floor(body.length / 4)) }, (_, i) => new DataView(body.buffer, body.byteOffset).getUint32(4 * i, true));
          enqueue(() => handle(code, transactionId, params));
        } else if (type === ContainerType.data && awaitingHostData?.transactionId === transactionId) {
          awaitingHostData = undefined;
          enqueue(() => respond(Response.OperationNotSupported, transactionId));
        }
      }
    },
    controlOut(request, data) {
      if (request === ClassRequest.Cancel && data.length >= 6) {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        if (view.getUint16(0, true) !== CANCEL_CODE) return 'stall';
        cancelled = view.getUint32(2, true);
        log(`cancel of transaction ${cancelled}`);
        return 'ok';
      }
      return 'stall';
    },
    controlIn(request) {
      if (request === ClassRequest.GetDeviceStatus) return new DataWriter().u16(4).u16(Response.OK).bytes();
      return 'stall';
    },
    reset() {
      sessionId = 0;
      pending = new Uint8Array(0);
      generation++;
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
