/**
 * One MTP/PTP session on a USB device: transactions (command → optional data phase from the
 * phone → response), one at a time, read-only (see mtp-allowlist.ts).
 *
 * How the bulk IN pipe is read, and why:
 * - Transfers are the unit of USB: a transfer ends at `length` bytes or at a short packet, and a
 *   phone ends each container with one (a zero-length packet when it fills whole packets). The
 *   input layer keeps a queue of transfers in flight and hands their bytes on in order, with a
 *   note whether each ended short; the container parser above it never assumes one container per
 *   transfer. A transfer asked for and not needed is not lost: the next transaction reads it.
 * - Object data streams with several transfers in flight (a phone is faster when the host keeps
 *   asking), through a Node Readable that reads no further than its consumer wants.
 * - A phone that stops sending while a transfer waits is caught by a stall watchdog; a pending
 *   transfer cannot be taken back, so the session is then closed and reported dead (unplug and
 *   replug). A phone that breaks the protocol but keeps its packet boundaries is brought back in
 *   step (read to the end of its message, skip answers to older transactions), so one bad object
 *   costs that object only.
 */
import { Readable } from 'node:stream';
import type { UsbDevice } from '../../usb/usb-device.ts';
import { UsbAbortedError, UsbDisconnectedError } from '../../usb/usb-errors.ts';
import { assertAllowedClassRequest } from './mtp-allowlist.ts';
import { CANCEL_CODE, ClassRequest, ContainerType, DeviceProp, HEADER_BYTES, ObjectProp, Op, Response, UNKNOWN_LENGTH } from './mtp-codes.ts';
import { decodeHeader, decodeParams, encodeCommand, MtpFormatError, type ContainerHeader } from './mtp-container.ts';
import {
  decodeDeviceInfo,
  decodeObjectInfo,
  decodeStorageInfo,
  decodeU16Array,
  decodeU32Array,
  type DeviceInfo,
  type ObjectInfo,
  type StorageInfo,
} from './mtp-datasets.ts';
import { findMtpInterface, type MtpInterfaceChoice } from './mtp-detect.ts';
import { MtpProtocolError, MtpResponseError, MtpSessionDeadError } from './mtp-errors.ts';

export interface MtpSessionOptions {
  /**
   * How long the phone may stay silent while Lifeboat waits for it, before the session counts as
   * dead. Long by default: a phone lists a folder of 20,000 photos, or wakes its storage, slowly.
   */
  readonly stallTimeoutMs?: number;
  /** Bytes per bulk IN transfer while streaming an object (a multiple of the packet size). */
  readonly transferBytes?: number;
  /** Transfers kept in flight while streaming an object. */
  readonly transfersInFlight?: number;
  /** Largest dataset (not object) accepted from the phone: a bound on memory against lies. */
  readonly maxDatasetBytes?: number;
  /** Bytes per GetPartialObject(64) request when resuming. */
  readonly partialChunkBytes?: number;
}

const DEFAULTS = {
  stallTimeoutMs: 60_000,
  // A device may ask for larger transfers (UsbDevice.preferredTransferBytes: a real bus).
  transferBytes: 256 * 1024,
  transfersInFlight: 4,
  maxDatasetBytes: 64 * 1024 * 1024,
  partialChunkBytes: 16 * 1024 * 1024,
};
/** After a cancelled data phase, at most this much is read and dropped to find its end. */
const DRAIN_BUDGET_BYTES = 64 * 1024 * 1024;
/** Answers to older transactions skipped in a row before the phone counts as out of step. */
const MAX_STALE_CONTAINERS = 16;
const SESSION_ID = 1;

interface InTransfer {
  readonly length: number;
  readonly result: Promise<{ bytes: Uint8Array; short: boolean }>;
}

interface Chunk {
  bytes: Uint8Array;
  /** The transfer these bytes came from ended with a short packet: the phone's message ended. */
  short: boolean;
}

export class MtpSession {
  readonly device: UsbDevice;
  readonly choice: MtpInterfaceChoice;
  readonly #options: typeof DEFAULTS;
  #deviceInfo: DeviceInfo | undefined;
  #transactionId = 0;
  #inflight: InTransfer[] = [];
  /** Bytes taken from a transfer but not yet used, and whether that transfer ended short. */
  #leftover: Chunk | undefined;
  #lock: Promise<void> = Promise.resolve();
  #dead: Error | undefined;
  #closed = false;
  #openedDevice = false;
  readonly #stopWatchingDisconnect: () => void;

  private constructor(device: UsbDevice, choice: MtpInterfaceChoice, options: MtpSessionOptions) {
    this.device = device;
    this.choice = choice;
    const transferBytes = device.preferredTransferBytes ?? DEFAULTS.transferBytes;
    this.#options = { ...DEFAULTS, transferBytes, ...definedOnly(options) };
    this.#stopWatchingDisconnect = device.onDisconnect((error) => {
      this.#dead ??= error;
    });
  }

  /**
   * Opens `device` (if it is not open yet), claims its MTP/PTP interface, reads DeviceInfo and
   * opens a session. Errors of the USB layer (busy, access denied, disconnected) pass through.
   */
  static async open(device: UsbDevice, options: MtpSessionOptions = {}): Promise<MtpSession> {
    const choice = findMtpInterface(device);
    if (!choice) throw new MtpProtocolError('this USB device has no MTP or PTP interface');
    const session = new MtpSession(device, choice, options);
    try {
      if (!device.opened) {
        await device.open();
        session.#openedDevice = true;
      }
      if (device.configuration?.configurationValue !== choice.configurationValue) await device.selectConfiguration(choice.configurationValue);
      await device.claimInterface(choice.interfaceNumber);
      if (choice.alternateSetting !== 0) await device.selectAlternateInterface(choice.interfaceNumber, choice.alternateSetting);
      // PTP: GetDeviceInfo works outside a session; OpenSession's transaction id is 0.
      const info = await session.#transaction('GetDeviceInfo', Op.GetDeviceInfo, [], { outsideSession: true });
      session.#deviceInfo = decodeDeviceInfo(info.data ?? new Uint8Array(0));
      await session.#transaction('OpenSession', Op.OpenSession, [SESSION_ID], { outsideSession: true, allow: [Response.SessionAlreadyOpen] });
      return session;
    } catch (error) {
      await session.close().catch(() => undefined);
      throw error;
    }
  }

  get deviceInfo(): DeviceInfo {
    if (!this.#deviceInfo) throw new Error('the MTP session is not open');
    return this.#deviceInfo;
  }

  /** Whether the phone says it implements an operation (DeviceInfo.OperationsSupported). */
  supports(operation: number): boolean {
    return this.deviceInfo.operations.includes(operation);
  }

  /** Set when the session can no longer be used: why (a disconnect, a stall). */
  get deadReason(): Error | undefined {
    return this.#dead;
  }

  async storageIds(): Promise<number[]> {
    const r = await this.#transaction('GetStorageIDs', Op.GetStorageIDs, []);
    return decodeU32Array(r.data ?? new Uint8Array(0), 'StorageIDs');
  }

  async storageInfo(storageId: number): Promise<StorageInfo> {
    const r = await this.#transaction('GetStorageInfo', Op.GetStorageInfo, [storageId]);
    return decodeStorageInfo(r.data ?? new Uint8Array(0));
  }

  /** GetObjectHandles(storage, format, parent): parent 0xFFFFFFFF is the storage's root. */
  async objectHandles(storageId: number, format: number, parent: number): Promise<number[]> {
    const r = await this.#transaction('GetObjectHandles', Op.GetObjectHandles, [storageId, format, parent]);
    return decodeU32Array(r.data ?? new Uint8Array(0), 'ObjectHandles');
  }

  async objectInfo(handle: number): Promise<ObjectInfo> {
    const r = await this.#transaction('GetObjectInfo', Op.GetObjectInfo, [handle]);
    return decodeObjectInfo(r.data ?? new Uint8Array(0));
  }

  async objectPropsSupported(format: number): Promise<number[]> {
    const r = await this.#transaction('GetObjectPropsSupported', Op.GetObjectPropsSupported, [format]);
    return decodeU16Array(r.data ?? new Uint8Array(0), 'ObjectPropsSupported');
  }

  /** The raw value of an object property (its type is the property's; ObjectSize is a u64). */
  async objectPropValue(handle: number, property: number): Promise<Uint8Array> {
    const r = await this.#transaction('GetObjectPropValue', Op.GetObjectPropValue, [handle, property]);
    return r.data ?? new Uint8Array(0);
  }

  /**
   * The object's size in bytes: ObjectInfo's 32-bit size, or, when that says 0xFFFFFFFF (4 GiB or
   * more), the 64-bit ObjectSize property. Undefined when the phone cannot say.
   */
  async objectSize(handle: number, info: Pick<ObjectInfo, 'compressedSize'>): Promise<number | undefined> {
    if (info.compressedSize !== 0xffff_ffff) return info.compressedSize;
    if (!this.supports(Op.GetObjectPropValue)) return undefined;
    const bytes = await this.objectPropValue(handle, ObjectProp.ObjectSize);
    if (bytes.length < 8) throw new MtpProtocolError(`ObjectSize of object ${handle} came as ${bytes.length} bytes, not 8`);
    const size = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new MtpProtocolError(`object ${handle} claims an impossible size (${size} bytes)`);
    return Number(size);
  }

  /** The raw value of a device property. */
  async devicePropValue(property: number): Promise<Uint8Array> {
    const r = await this.#transaction('GetDevicePropValue', Op.GetDevicePropValue, [property]);
    return r.data ?? new Uint8Array(0);
  }

  /** Battery level 0-100 when the phone advertises property 0x5001 and answers sensibly; else null. */
  async batteryLevel(): Promise<number | null> {
    if (!this.deviceInfo.deviceProperties.includes(DeviceProp.BatteryLevel) || !this.supports(Op.GetDevicePropValue)) return null;
    try {
      const bytes = await this.devicePropValue(DeviceProp.BatteryLevel);
      if (bytes.length < 1) return null;
      // PTP declares it UINT8; a few phones send a wider integer.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const level = bytes.length >= 4 ? view.getUint32(0, true) : bytes.length >= 2 ? view.getUint16(0, true) : bytes[0]!;
      return level <= 100 ? level : null;
    } catch (error) {
      if (error instanceof MtpResponseError || error instanceof MtpProtocolError || error instanceof MtpFormatError) return null;
      throw error;
    }
  }

  /**
   * An object's bytes from `fromOffset`, as a stream that reads from the phone only as fast as it
   * is consumed; never the whole object in memory. `size` is what the listing said: a data phase
   * of another length is refused (MtpProtocolError) before any byte is passed on.
   *
   * From 0: GetObject. From an offset: GetPartialObject64 where the phone offers it, else
   * GetPartialObject (32-bit offsets), else GetObject with the first bytes dropped. Partial reads
   * are sized so that their data phase never ends on a whole packet: some phones (Samsung) then
   * never send the zero-length packet and the read hangs.
   */
  readObject(handle: number, size: number, fromOffset = 0): Readable {
    if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) throw new RangeError(`fromOffset must be a whole number >= 0, got ${fromOffset}`);
    if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a whole number >= 0, got ${size}`);
    let gen: AsyncGenerator<Uint8Array>;
    if (fromOffset === 0) gen = this.#getObject(handle, size, 0);
    else if (fromOffset >= size) gen = (async function* () {})();
    else if (this.supports(Op.GetPartialObject64)) gen = this.#partialReads(handle, size, fromOffset, true);
    else if (this.supports(Op.GetPartialObject) && size <= 0xffff_ffff) gen = this.#partialReads(handle, size, fromOffset, false);
    else gen = this.#getObject(handle, size, fromOffset);
    return Readable.from(gen, { objectMode: false, highWaterMark: this.#options.transferBytes });
  }

  /** Ends the session politely when the phone is still there; never throws. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatchingDisconnect();
    if (!this.#dead && this.#deviceInfo) {
      await this.#transaction('CloseSession', Op.CloseSession, [], { timeoutMs: 3000, closing: true }).catch(() => undefined);
    }
    this.#dead ??= new MtpSessionDeadError('the MTP session is closed');
    if (this.device.opened) {
      // Closing aborts the transfers still in flight, so none is left to take a later program's data.
      await this.device.releaseInterface(this.choice.interfaceNumber).catch(() => undefined);
      if (this.#openedDevice) await this.device.close().catch(() => undefined);
    }
    this.#inflight = [];
  }

  // ---- transactions ----------------------------------------------------------------------------

  async #transaction(
    name: string,
    code: number,
    params: readonly number[],
    options: { outsideSession?: boolean; allow?: readonly number[]; timeoutMs?: number; closing?: boolean } = {},
  ): Promise<{ code: number; params: number[]; data: Uint8Array | undefined }> {
    const release = await this.#acquire(options.closing);
    try {
      const id = this.#nextTransactionId(options.outsideSession);
      await this.#sendCommand(code, id, params);
      let data: Uint8Array | undefined;
      for (;;) {
        const header = await this.#nextContainer(id, name, options.timeoutMs);
        if (header.type === ContainerType.data) {
          if (data !== undefined) {
            await this.#skipBody(header, name);
            throw new MtpProtocolError(`the phone sent two data phases for ${name}`);
          }
          data = await this.#readSmallBody(header, name);
          continue;
        }
        const payload = await this.#readSmallBody(header, name);
        const responseParams = decodeParams(payload);
        if (header.code !== Response.OK && !(options.allow ?? []).includes(header.code)) throw new MtpResponseError(name, header.code);
        return { code: header.code, params: responseParams, data };
      }
    } finally {
      release();
    }
  }

  /** A transaction id: 0 outside a session, then 1, 2 ... skipping 0 and 0xFFFFFFFF (PTP 9.3.1). */
  #nextTransactionId(outsideSession = false): number {
    if (outsideSession) return 0;
    this.#transactionId = this.#transactionId >= 0xffff_fffe ? 1 : this.#transactionId + 1;
    return this.#transactionId;
  }

  async #sendCommand(code: number, transactionId: number, params: readonly number[]): Promise<void> {
    const command = encodeCommand(code, transactionId, params);
    const result = await this.#watch(this.device.transferOut(this.choice.outEndpoint, command), 'sending a command', this.#options.stallTimeoutMs);
    if (result.status !== 'ok' || result.bytesWritten !== command.length) {
      if (result.status === 'stall') await this.device.clearHalt('out', this.choice.outEndpoint).catch(() => undefined);
      throw new MtpProtocolError(`the phone refused a command (bulk OUT ${result.status})`);
    }
  }

  /**
   * The next container header of transaction `id`. Zero-length transfers between containers are
   * the ZLPs that end data phases; answers to older transactions (a cancelled read's response,
   * or a previous program's) are read and dropped.
   */
  async #nextContainer(id: number, name: string, timeoutMs?: number): Promise<ContainerHeader> {
    for (let stale = 0; ; stale++) {
      const headerBytes = await this.#takeHeader(name, timeoutMs);
      let header: ContainerHeader;
      try {
        header = decodeHeader(headerBytes.bytes);
      } catch (error) {
        await this.#resync(headerBytes.short);
        throw new MtpProtocolError(`${name}: ${(error as Error).message}`);
      }
      const lastWasShort = headerBytes.short;
      if (header.transactionId === id && (header.type === ContainerType.data || header.type === ContainerType.response)) return header;
      // Not ours: read past it, keeping the framing.
      await this.#skipBody(header, name, lastWasShort);
      if (header.type === ContainerType.event) continue; // events belong on the interrupt pipe, but are harmless
      const older = id !== 0 && ((id - header.transactionId) >>> 0) < 0x8000_0000 && header.transactionId !== id;
      if (!older || stale >= MAX_STALE_CONTAINERS) {
        throw new MtpProtocolError(`${name}: the phone answered transaction ${id} with the id ${header.transactionId}`);
      }
    }
  }

  /** Twelve header bytes (skipping zero-length transfers), with whether their transfer ended short. */
  async #takeHeader(name: string, timeoutMs?: number): Promise<Chunk> {
    const parts: Uint8Array[] = [];
    let have = 0;
    let short = false;
    while (have < HEADER_BYTES) {
      const chunk = await this.#take(HEADER_BYTES - have, name, timeoutMs);
      if (chunk.bytes.length === 0 && have === 0) continue; // a ZLP ending the previous data phase
      parts.push(chunk.bytes);
      have += chunk.bytes.length;
      short = chunk.short;
      if (short && have < HEADER_BYTES) break;
    }
    return { bytes: concat(parts, have), short };
  }

  /** A data or response body of at most maxDatasetBytes, whole. */
  async #readSmallBody(header: ContainerHeader, name: string): Promise<Uint8Array> {
    if (header.length === UNKNOWN_LENGTH || header.length - HEADER_BYTES > this.#options.maxDatasetBytes) {
      await this.#skipBody(header, name);
      throw new MtpProtocolError(`${name}: the phone announced ${header.length === UNKNOWN_LENGTH ? 'an unbounded' : `a ${header.length}-byte`} answer; refused`);
    }
    const want = header.length - HEADER_BYTES;
    const parts: Uint8Array[] = [];
    let have = 0;
    while (have < want) {
      const chunk = await this.#take(want - have, name);
      parts.push(chunk.bytes);
      have += chunk.bytes.length;
      if (chunk.short && have < want) {
        throw new MtpProtocolError(`${name}: the phone's container ended after ${have} of ${want} bytes (truncated)`);
      }
    }
    return concat(parts, have);
  }

  /** Reads past a container body we do not want, to keep the framing (bounded by the drain budget). */
  async #skipBody(header: ContainerHeader, name: string, alreadyShort = false): Promise<void> {
    let left = header.length === UNKNOWN_LENGTH ? Number.POSITIVE_INFINITY : header.length - HEADER_BYTES;
    if (alreadyShort && !this.#leftover) return;
    let budget = DRAIN_BUDGET_BYTES;
    while (left > 0) {
      const chunk = await this.#take(Math.min(left, this.#options.transferBytes), name);
      left -= chunk.bytes.length;
      budget -= chunk.bytes.length;
      if (chunk.short) return;
      if (budget <= 0) await this.#die(new MtpSessionDeadError(`${name}: the phone keeps sending data nobody asked for`));
    }
  }

  /**
   * After bytes that make no sense: drop what is left of the phone's current message (up to its
   * short packet), so the next container starts clean.
   */
  async #resync(lastWasShort: boolean): Promise<void> {
    if (this.#leftover) {
      const short = this.#leftover.short;
      this.#leftover = undefined;
      if (short) return;
    } else if (lastWasShort) return;
    let budget = DRAIN_BUDGET_BYTES;
    for (;;) {
      const chunk = await this.#take(this.#options.transferBytes, 'finding the end of a broken answer');
      budget -= chunk.bytes.length;
      if (chunk.short) return;
      if (budget <= 0) await this.#die(new MtpSessionDeadError('the phone sends data that makes no sense and does not stop'));
    }
  }

  // ---- objects -----------------------------------------------------------------------------------

  async *#getObject(handle: number, size: number, skip: number): AsyncGenerator<Uint8Array> {
    const name = `GetObject of object ${handle}`;
    const release = await this.#acquire();
    let finished = false;
    let phaseEnded = true;
    let id = 0;
    try {
      id = this.#nextTransactionId();
      await this.#sendCommand(Op.GetObject, id, [handle]);
      const header = await this.#nextContainer(id, name);
      if (header.type === ContainerType.response) {
        await this.#readSmallBody(header, name);
        if (header.code !== Response.OK) throw new MtpResponseError(name, header.code);
        if (size !== 0) throw new MtpProtocolError(`${name}: the phone sent no data for an object of ${size} bytes`);
        finished = true;
        return;
      }
      phaseEnded = false;
      const announced = header.length === UNKNOWN_LENGTH ? undefined : header.length - HEADER_BYTES;
      if (announced !== undefined && announced !== size) {
        throw new MtpProtocolError(`the phone listed object ${handle} as ${size} bytes but sends ${announced}; it is left out (its size lies)`);
      }
      if (announced === undefined && size < UNKNOWN_LENGTH - HEADER_BYTES) {
        throw new MtpProtocolError(`the phone listed object ${handle} as ${size} bytes but sends it as 4 GiB or more; it is left out (its size lies)`);
      }
      let got = 0;
      for (;;) {
        if (got === size) {
          // A data phase that fills whole packets is ended by a ZLP the container parser skips.
          phaseEnded = true;
          break;
        }
        const chunk = await this.#takeStreaming(size - got, name);
        if (chunk.bytes.length > size - got) {
          throw new MtpProtocolError(`the phone sent more than the ${size} bytes of object ${handle}; it is left out (its size lies)`);
        }
        got += chunk.bytes.length;
        if (chunk.short && got < size) {
          phaseEnded = true;
          throw new MtpProtocolError(`the phone ended object ${handle} after ${got} of ${size} bytes (truncated)`);
        }
        if (chunk.short) phaseEnded = true;
        if (skip >= chunk.bytes.length) skip -= chunk.bytes.length;
        else {
          yield skip > 0 ? chunk.bytes.subarray(skip) : chunk.bytes;
          skip = 0;
        }
      }
      await this.#expectOkResponse(id, name);
      finished = true;
    } finally {
      try {
        if (!finished && !this.#dead) await this.#abandon(id, phaseEnded, name);
      } finally {
        release();
      }
    }
  }

  /** After a streamed data phase: the response must follow, and say OK. */
  async #expectOkResponse(id: number, name: string): Promise<void> {
    const response = await this.#nextContainer(id, name);
    if (response.type !== ContainerType.response) {
      await this.#skipBody(response, name);
      throw new MtpProtocolError(`${name}: a second data phase instead of the response`);
    }
    await this.#readSmallBody(response, name);
    if (response.code !== Response.OK) throw new MtpResponseError(name, response.code);
  }

  async *#partialReads(handle: number, size: number, fromOffset: number, wide: boolean): AsyncGenerator<Uint8Array> {
    const packet = this.choice.packetSize;
    let offset = fromOffset;
    while (offset < size) {
      let length = Math.min(this.#options.partialChunkBytes, size - offset);
      // Never a data phase of whole packets (the Samsung hang): one byte less, fetched next time.
      if ((length + HEADER_BYTES) % packet === 0 && length > 1) length -= 1;
      const params = wide ? [handle, offset % 2 ** 32, Math.floor(offset / 2 ** 32), length] : [handle, offset, length];
      const op = wide ? Op.GetPartialObject64 : Op.GetPartialObject;
      for await (const chunk of this.#partial(op, handle, params, length)) {
        offset += chunk.length;
        yield chunk;
      }
    }
  }

  /** One GetPartialObject(64): exactly `length` bytes are expected (the caller never asks past the end). */
  async *#partial(op: number, handle: number, params: number[], length: number): AsyncGenerator<Uint8Array> {
    const name = `${op === Op.GetPartialObject64 ? 'GetPartialObject64' : 'GetPartialObject'} of object ${handle}`;
    const release = await this.#acquire();
    let finished = false;
    let phaseEnded = true;
    let id = 0;
    try {
      id = this.#nextTransactionId();
      await this.#sendCommand(op, id, params);
      const header = await this.#nextContainer(id, name);
      if (header.type === ContainerType.response) {
        await this.#readSmallBody(header, name);
        throw header.code !== Response.OK ? new MtpResponseError(name, header.code) : new MtpProtocolError(`${name}: no data`);
      }
      phaseEnded = false;
      const announced = header.length - HEADER_BYTES;
      if (header.length === UNKNOWN_LENGTH || announced !== length) {
        throw new MtpProtocolError(`${name}: asked for ${length} bytes, the phone sends ${header.length === UNKNOWN_LENGTH ? 'an unbounded amount' : announced}`);
      }
      let got = 0;
      while (got < length) {
        const chunk = await this.#takeStreaming(length - got, name);
        if (chunk.bytes.length > length - got) throw new MtpProtocolError(`${name}: more bytes than asked for`);
        got += chunk.bytes.length;
        if (chunk.short) phaseEnded = true;
        if (chunk.short && got < length) throw new MtpProtocolError(`${name}: the phone ended after ${got} of ${length} bytes (truncated)`);
        yield chunk.bytes;
      }
      phaseEnded = true;
      await this.#expectOkResponse(id, name);
      finished = true;
    } finally {
      try {
        if (!finished && !this.#dead) await this.#abandon(id, phaseEnded, name);
      } finally {
        release();
      }
    }
  }

  /**
   * A read stopped before its end (the consumer stopped, or the phone's data was refused). If the
   * data phase is still running, ask the phone to cancel it (class request Cancel) and read to
   * the end of its message; the response (if the phone sends one) is dropped by the next
   * transaction as an answer to an older one. The session stays usable unless the phone keeps
   * sending past the drain budget or goes silent.
   */
  async #abandon(id: number, phaseEnded: boolean, name: string): Promise<void> {
    if (phaseEnded) {
      this.#leftover = undefined;
      return;
    }
    const cancel = new Uint8Array(6);
    new DataView(cancel.buffer).setUint16(0, CANCEL_CODE, true);
    new DataView(cancel.buffer).setUint32(2, id, true);
    assertAllowedClassRequest(ClassRequest.Cancel);
    await this.#watch(
      this.device.controlTransferOut(
        { requestType: 'class', recipient: 'interface', request: ClassRequest.Cancel, value: 0, index: this.choice.interfaceNumber },
        cancel,
      ),
      `cancelling ${name}`,
      10_000,
    ).catch(() => undefined);
    await this.#resync(false).catch(async (error: unknown) => {
      await this.#die(error instanceof MtpSessionDeadError ? error : new MtpSessionDeadError(`could not end ${name} cleanly: ${(error as Error).message}`));
    });
  }

  // ---- the IN pipe ----------------------------------------------------------------------------------

  /** Up to `max` bytes: the leftover of an earlier transfer first, else the next transfer. */
  async #take(max: number, name: string, timeoutMs?: number): Promise<Chunk> {
    if (this.#leftover) return this.#fromLeftover(max);
    const chunk = await this.#pull(roundUp(Math.max(max, 1), this.choice.packetSize), name, timeoutMs);
    this.#leftover = chunk;
    return this.#fromLeftover(max);
  }

  /** As #take, keeping several transfers in flight while `remaining` bytes of a data phase are due. */
  async #takeStreaming(remaining: number, name: string): Promise<Chunk> {
    if (this.#leftover) return this.#fromLeftover(remaining);
    const size = this.#options.transferBytes;
    // Only transfers the data phase surely fills: one that ran past it would take the response.
    let due = remaining - this.#inflight.reduce((sum, t) => sum + t.length, 0);
    while (this.#inflight.length < this.#options.transfersInFlight && due >= size) {
      this.#issue(size);
      due -= size;
    }
    const chunk = await this.#pull(roundUp(Math.min(remaining, size), this.choice.packetSize), name);
    this.#leftover = chunk;
    return this.#fromLeftover(remaining);
  }

  #fromLeftover(max: number): Chunk {
    const left = this.#leftover!;
    if (left.bytes.length <= max) {
      this.#leftover = undefined;
      return left;
    }
    this.#leftover = { bytes: left.bytes.subarray(max), short: left.short };
    return { bytes: left.bytes.subarray(0, max), short: false };
  }

  #issue(length: number): InTransfer {
    const device = this.device;
    const endpoint = this.choice.inEndpoint;
    const result = device.transferIn(endpoint, length).then(async (r) => {
      if (r.status === 'stall') {
        await device.clearHalt('in', endpoint).catch(() => undefined);
        throw new MtpProtocolError('the phone stalled its bulk IN endpoint');
      }
      if (r.status === 'babble') throw new MtpProtocolError('the phone sent more than a USB packet holds (babble)');
      const bytes = r.data ? new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength) : new Uint8Array(0);
      return { bytes, short: bytes.length < length };
    });
    result.catch(() => undefined); // awaited in order by #pull; a session closed first never reads it
    const transfer = { length, result };
    this.#inflight.push(transfer);
    return transfer;
  }

  /** The oldest transfer in flight (or a new one of `length`), under the stall watchdog. */
  async #pull(length: number, name: string, timeoutMs?: number): Promise<Chunk> {
    if (this.#dead) throw this.#deadError();
    const transfer = this.#inflight[0] ?? this.#issue(length);
    try {
      return await this.#watch(transfer.result, name, timeoutMs ?? this.#options.stallTimeoutMs);
    } finally {
      if (this.#inflight[0] === transfer) this.#inflight.shift();
    }
  }

  /** `promise`, unless the phone goes away or stays silent for `limitMs` first. */
  async #watch<T>(promise: Promise<T>, what: string, limitMs: number): Promise<T> {
    if (this.#dead) throw this.#deadError();
    let timer: NodeJS.Timeout | undefined;
    let stopGone: (() => void) | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new MtpSessionDeadError(`the phone stopped answering while ${what} (nothing for ${Math.round(limitMs / 1000)} s)`));
      }, limitMs);
    });
    const gone = new Promise<never>((_, reject) => {
      stopGone = this.device.onDisconnect((error) => reject(error));
    });
    try {
      return await Promise.race([promise, stalled, gone]);
    } catch (error) {
      if (error instanceof MtpSessionDeadError) await this.#die(error);
      if (error instanceof UsbDisconnectedError) this.#dead ??= error;
      if (error instanceof UsbAbortedError && this.#dead) throw this.#deadError();
      throw error;
    } finally {
      clearTimeout(timer);
      stopGone?.();
    }
  }

  /** The session cannot go on: close the device so no transfer stays pending, and throw why. */
  async #die(error: Error): Promise<never> {
    this.#dead ??= error;
    this.#inflight = [];
    this.#leftover = undefined;
    if (this.device.opened) await this.device.close().catch(() => undefined);
    throw this.#dead;
  }

  #deadError(): Error {
    return this.#dead ?? new MtpSessionDeadError('the MTP session is closed');
  }

  /** One transaction at a time: the bulk pipes carry one conversation. */
  async #acquire(closing = false): Promise<() => void> {
    if (this.#closed && !closing) throw new MtpSessionDeadError('the MTP session is closed');
    let release!: () => void;
    const previous = this.#lock;
    this.#lock = new Promise<void>((resolve) => (release = resolve));
    await previous;
    if (this.#dead) {
      release();
      throw this.#deadError();
    }
    return release;
  }
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

