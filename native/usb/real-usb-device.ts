/**
 * A real device from npm `usb` 3.x, seen through Lifeboat's UsbDevice.
 *
 * npm `usb` 3.x already speaks WebUSB, so this wrapper adds only what that API lacks for a rescue:
 * - errors a person can act on (usb-error-translation.ts) instead of "transferIn error: ...";
 * - WebUSB's "stall" / "babble" statuses instead of rejections, as a browser reports them;
 * - no hidden 1-second timeout: usb@3 gives every transfer a default of 1000 ms (an extra third
 *   argument), which would cut a bulk read that waits for the person to tap "Allow" on the
 *   phone, and nusb drops a cancelled transfer's bytes. Bulk transfers here wait as WebUSB's do
 *   (timeouts belong to the protocol layer, which knows what it waits for); control transfers
 *   keep a bound because a phone must answer those at once;
 * - a per-device disconnect notification, fed by the backend's hotplug events and by any
 *   transfer that finds the device gone;
 * - result DataViews that cover their whole buffer (adb-daemon-webusb reads `data.buffer`).
 */
import {
  bytesOf,
  describeUsbDevice,
  type UsbBytes,
  type UsbConfiguration,
  type UsbControlTransferParameters,
  type UsbDevice,
  type UsbDirection,
  type UsbInTransferResult,
  type UsbOutTransferResult,
} from './usb-device.ts';
import { classifyUsbError, translateUsbError } from './usb-error-translation.ts';
import { kernelDriverHint, kernelDriverOf } from './kernel-driver.ts';
import { UsbAbortedError, UsbBusyError, UsbDisconnectedError, UsbError, UsbStateError } from './usb-errors.ts';

/** The part of npm `usb` 3.x's device (its WebUSB device plus the timeout argument) used here. */
export interface NativeUsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceClass: number;
  readonly deviceSubclass: number;
  readonly deviceProtocol: number;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configuration: UsbConfiguration | null | undefined;
  readonly configurations: readonly UsbConfiguration[];
  readonly opened: boolean;
  /** npm usb 3.x: bus name, address and port path, e.g. "1", 5, [1, 4]. */
  readonly bus?: string;
  readonly address?: number;
  readonly ports?: readonly number[];
  /** npm usb 3.x: a stable key for the device while it stays plugged in. */
  readonly handle?: string;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void>;
  controlTransferIn(setup: UsbControlTransferParameters, length: number, timeout?: number): Promise<UsbInTransferResult>;
  controlTransferOut(setup: UsbControlTransferParameters, data?: UsbBytes, timeout?: number): Promise<UsbOutTransferResult>;
  transferIn(endpointNumber: number, length: number, timeout?: number): Promise<UsbInTransferResult>;
  transferOut(endpointNumber: number, data: UsbBytes, timeout?: number): Promise<UsbOutTransferResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;
  /** A port reset; npm usb 3.x has it (and it is the only way there to end a pending transfer). */
  reset?(): Promise<void>;
}

export interface RealUsbDeviceOptions {
  /** Bulk/interrupt timeout in ms; default: the longest usb@3 accepts (about 49 days: no timeout). */
  readonly bulkTimeoutMs?: number;
  /** Control transfer timeout in ms; default 5000. */
  readonly controlTimeoutMs?: number;
  readonly platform?: NodeJS.Platform;
}

/** usb@3 takes the timeout as a u32 of milliseconds. */
const LONGEST_TIMEOUT_MS = 0xffff_ffff;

export class RealUsbDevice implements UsbDevice {
  /** Transfers run one at a time per endpoint here (see #endpointQueues), so larger ones pay off. */
  readonly preferredTransferBytes = 1024 * 1024;
  readonly #native: NativeUsbDevice;
  readonly #bulkTimeout: number;
  readonly #controlTimeout: number;
  readonly #platform: NodeJS.Platform | undefined;
  readonly #listeners = new Set<(error: Error) => void>();
  #gone: UsbDisconnectedError | undefined;
  #closing = false;
  #endingTransfers = false;
  readonly #pending = new Set<Promise<unknown>>();

  constructor(native: NativeUsbDevice, options: RealUsbDeviceOptions = {}) {
    this.#native = native;
    this.#bulkTimeout = options.bulkTimeoutMs ?? LONGEST_TIMEOUT_MS;
    this.#controlTimeout = options.controlTimeoutMs ?? 5000;
    this.#platform = options.platform;
    // Read once now, while no transfer can be pending (see #read).
    for (const getter of [
      () => this.vendorId, () => this.productId, () => this.deviceClass, () => this.deviceSubclass, () => this.deviceProtocol,
      () => this.location, () => this.manufacturerName, () => this.productName, () => this.serialNumber,
      () => this.configuration, () => this.configurations,
    ]) {
      try {
        getter();
      } catch {
        // read again on first use
      }
    }
  }

  /** Where the device sits: "usb:1-1.4" (bus and port path), or its address when ports are unknown. */
  get location(): string {
    const { bus, address, ports } = this.#read('where', () => ({ bus: this.#native.bus, address: this.#native.address, ports: this.#native.ports }));
    if (ports && ports.length > 0) return `usb:${bus ?? '?'}-${ports.join('.')}`;
    return `usb:${bus ?? '?'}:${address ?? '?'}`;
  }

  /** The backend's key for this device while plugged in (hotplug "disconnect" names it). */
  get handle(): string {
    return this.#native.handle ?? this.location;
  }

  get vendorId(): number { return this.#read('vendorId', () => this.#native.vendorId); }
  get productId(): number { return this.#read('productId', () => this.#native.productId); }
  get deviceClass(): number { return this.#read('deviceClass', () => this.#native.deviceClass); }
  get deviceSubclass(): number { return this.#read('deviceSubclass', () => this.#native.deviceSubclass); }
  get deviceProtocol(): number { return this.#read('deviceProtocol', () => this.#native.deviceProtocol); }
  get manufacturerName(): string | null { return this.#read('manufacturerName', () => this.#native.manufacturerName); }
  get productName(): string | null { return this.#read('productName', () => this.#native.productName); }
  get serialNumber(): string | null { return this.#read('serialNumber', () => this.#native.serialNumber); }
  get configuration(): UsbConfiguration | null { return this.#read('configuration', () => this.#native.configuration ?? null); }
  get configurations(): readonly UsbConfiguration[] { return this.#read('configurations', () => this.#native.configurations); }

  /**
   * usb@3.1 (napi-rs) throws "The same native value cannot be borrowed mutably while another
   * borrow is active" from every property of its device (even vendorId) while any transfer on
   * the device is pending (they borrow it mutably, a transfer holds it shared), and ADB always
   * has a bulk IN read pending. So each getter keeps the last value it read, and answers with it
   * while the device is busy. (Seen on a real bus in the USB lab, e2e/usb-lab/.)
   */
  readonly #lastRead = new Map<string, unknown>();
  #read<T>(name: string, get: () => T): T {
    try {
      const value = get();
      this.#lastRead.set(name, value);
      return value;
    } catch (error) {
      if (this.#lastRead.has(name) && isBorrowConflict(error)) {
        return this.#lastRead.get(name) as T;
      }
      throw error;
    }
  }
  get opened(): boolean { return this.#gone === undefined && this.#native.opened; }
  get connected(): boolean { return this.#gone === undefined; }

  open(): Promise<void> {
    this.#closing = false;
    return this.#call('Opening the phone', () => this.#native.open());
  }

  async close(): Promise<void> {
    // Quiet on a device already gone: callers close in `finally`.
    if (this.#gone) return;
    this.#closing = true;
    try {
      await this.#native.close();
    } catch (error) {
      if (isBorrowConflict(error) && this.#pending.size > 0 && this.#native.reset) return this.#closeEndingTransfers();
      const e = this.#translate(error, 'Closing the phone');
      if (!(e instanceof UsbDisconnectedError)) throw e;
    }
  }

  /**
   * usb@3.1 cannot cancel a transfer and refuses close() while one is pending; a bulk IN read
   * (ADB always keeps one waiting for the phone) would then wait forever and keep Node from
   * exiting. A port reset ends every pending transfer (the device stays at its address), then
   * close() goes through. The transfers it ends reject as aborted, not as a lost phone.
   */
  async #closeEndingTransfers(): Promise<void> {
    this.#endingTransfers = true;
    try {
      await this.#native.reset!();
      await Promise.race([Promise.allSettled([...this.#pending]), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await this.#native.close();
    } catch (error) {
      const e = this.#translate(error, 'Closing the phone');
      if (!(e instanceof UsbDisconnectedError)) throw e;
    } finally {
      this.#endingTransfers = false;
    }
  }

  selectConfiguration(value: number): Promise<void> {
    return this.#call(`Selecting USB configuration ${value}`, () => this.#native.selectConfiguration(value));
  }

  claimInterface(n: number): Promise<void> {
    // WebUSB resolves at once for an interface already claimed; the OS would call that "busy".
    if (!this.#gone && this.configuration?.interfaces.find((i) => i.interfaceNumber === n)?.claimed) return Promise.resolve();
    const what = `Claiming USB interface ${n} of ${describeUsbDevice(this)}`;
    return this.#call(what, () => this.#native.claimInterface(n)).catch((error: unknown) => {
      if (!(error instanceof UsbBusyError) || (this.#platform ?? process.platform) !== 'linux') throw error;
      const held = kernelDriverOf({ bus: this.#native.bus, ports: this.#native.ports, configuration: this.configuration?.configurationValue ?? 1, interfaceNumber: n });
      throw held ? new UsbBusyError(what, { cause: error.cause }, kernelDriverHint(held)) : error;
    });
  }

  releaseInterface(n: number): Promise<void> {
    return this.#call(`Releasing USB interface ${n}`, () => this.#native.releaseInterface(n));
  }

  selectAlternateInterface(n: number, alternate: number): Promise<void> {
    return this.#call(`Selecting alternate setting ${alternate} of USB interface ${n}`, () => this.#native.selectAlternateInterface(n, alternate));
  }

  controlTransferIn(setup: UsbControlTransferParameters, length: number): Promise<UsbInTransferResult> {
    return this.#transferIn('A control request to the phone', () => this.#native.controlTransferIn(setup, length, this.#controlTimeout));
  }

  controlTransferOut(setup: UsbControlTransferParameters, data?: UsbBytes): Promise<UsbOutTransferResult> {
    // usb@3 cannot take `undefined` data (it reads data.buffer): send an empty data stage.
    const bytes = data === undefined ? new Uint8Array(0) : data;
    return this.#transferOut('A control request to the phone', () => this.#native.controlTransferOut(setup, bytes, this.#controlTimeout));
  }

  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    return this.#call(`Clearing a stall on endpoint ${endpointNumber} (${direction})`, () => this.#native.clearHalt(direction, endpointNumber));
  }

  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    return this.#inTurn(`in${endpointNumber}`, () =>
      this.#transferIn(`Reading from the phone (endpoint ${endpointNumber})`, () => this.#native.transferIn(endpointNumber, length, this.#bulkTimeout)),
    );
  }

  transferOut(endpointNumber: number, data: UsbBytes): Promise<UsbOutTransferResult> {
    return this.#inTurn(`out${endpointNumber}`, () =>
      this.#transferOut(`Writing to the phone (endpoint ${endpointNumber})`, () => this.#native.transferOut(endpointNumber, bytesOf(data), this.#bulkTimeout)),
    );
  }

  /**
   * One transfer at a time per endpoint: usb@3.1 opens the endpoint exclusively for each transfer
   * and fails a second one meanwhile with "endpoint not found". Queued here, transfers that a
   * caller keeps "in flight" (MTP streaming) run one after the other, in the order asked, as
   * WebUSB completes them. (Seen on a real bus in the USB lab, e2e/usb-lab/.)
   */
  readonly #endpointQueues = new Map<string, Promise<unknown>>();
  #inTurn<T>(endpoint: string, transfer: () => Promise<T>): Promise<T> {
    const previous = this.#endpointQueues.get(endpoint) ?? Promise.resolve();
    const mine = previous.then(transfer, transfer);
    const settled = mine.then(() => undefined, () => undefined);
    this.#endpointQueues.set(endpoint, settled);
    void settled.then(() => {
      if (this.#endpointQueues.get(endpoint) === settled) this.#endpointQueues.delete(endpoint);
    });
    return mine;
  }

  onDisconnect(listener: (error: Error) => void): () => void {
    const gone = this.#gone;
    if (gone) {
      queueMicrotask(() => listener(gone));
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The backend saw the device leave the bus (hotplug), or a call found it gone. Idempotent. */
  markDisconnected(error: UsbDisconnectedError = new UsbDisconnectedError()): void {
    if (this.#gone) return;
    this.#gone = error;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    queueMicrotask(() => {
      for (const listener of listeners) listener(error);
    });
  }

  async #call(what: string, run: () => Promise<void>): Promise<void> {
    if (this.#gone) throw this.#gone;
    try {
      await run();
    } catch (error) {
      throw this.#translate(error, what);
    }
  }

  async #transferIn(what: string, run: () => Promise<UsbInTransferResult>): Promise<UsbInTransferResult> {
    if (this.#gone) throw this.#gone;
    try {
      const result = await this.#track(run());
      return { data: result.data === undefined ? undefined : exactDataView(result.data), status: result.status };
    } catch (error) {
      const kind = classifyUsbError(error);
      if (kind === 'stall' || kind === 'babble') return { data: new DataView(new ArrayBuffer(0)), status: kind };
      throw await this.#translateTransferError(error, what);
    }
  }

  async #transferOut(what: string, run: () => Promise<UsbOutTransferResult>): Promise<UsbOutTransferResult> {
    if (this.#gone) throw this.#gone;
    try {
      return await this.#track(run());
    } catch (error) {
      if (classifyUsbError(error) === 'stall') return { bytesWritten: 0, status: 'stall' };
      throw await this.#translateTransferError(error, what);
    }
  }

  /**
   * usb@3 opens the endpoint afresh for each transfer; once the phone has left the bus that
   * fails with "endpoint not found" (a state error), not "Disconnected", depending on how far
   * the kernel got with the removal. Seen in the lab (QMP device_del mid-rescue): every
   * following object then failed alone and the run ended "done" with the rest skipped. So a
   * state error on a bulk endpoint asks the phone a standard GET_STATUS on endpoint 0, which
   * exists for as long as the device does; if that fails too, the phone is gone.
   */
  async #translateTransferError(error: unknown, what: string): Promise<UsbError> {
    const e = this.#translate(error, what);
    if (!(e instanceof UsbStateError) || this.#closing || this.#endingTransfers || this.#gone) return this.#gone ?? e;
    if (await this.#stillOnTheBus()) return e;
    const gone = new UsbDisconnectedError(undefined, { cause: error });
    this.markDisconnected(gone);
    return gone;
  }

  async #stillOnTheBus(): Promise<boolean> {
    try {
      // GET_STATUS (device): bmRequestType 0x80 is standard/device; WebUSB spells it like this.
      const answer = await this.#native.controlTransferIn({ requestType: 'standard', recipient: 'device', request: 0x00, value: 0, index: 0 }, 2, this.#controlTimeout);
      return answer.status === 'ok' || answer.status === 'stall';
    } catch (probeError) {
      const kind = classifyUsbError(probeError);
      return !(kind === 'disconnected' || kind === 'state' || kind === 'other');
    }
  }

  /** Transfers in flight, so close() knows whether it must end them (see #closeEndingTransfers). */
  #track<T>(transfer: Promise<T>): Promise<T> {
    this.#pending.add(transfer);
    const untrack = () => this.#pending.delete(transfer);
    transfer.then(untrack, untrack);
    return transfer;
  }

  #translate(error: unknown, what: string): UsbError {
    // A transfer ended by close()'s reset: usb@3 says "Disconnected", but the phone is still there.
    if (this.#endingTransfers) return new UsbAbortedError(undefined, { cause: error });
    const e = translateUsbError(error, { what, vendorId: this.vendorId, closing: this.#closing, platform: this.#platform });
    if (e instanceof UsbDisconnectedError) this.markDisconnected(e);
    return e;
  }
}

/** usb@3 builds `new DataView(res.buffer)`; copy only when a view does not cover its buffer. */
function exactDataView(view: DataView): DataView {
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) return view;
  const copy = new Uint8Array(view.byteLength);
  copy.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return new DataView(copy.buffer);
}

/** usb@3.1's complaint when a device is used while one of its transfers is pending. */
function isBorrowConflict(error: unknown): boolean {
  return /cannot be borrowed/i.test(error instanceof Error ? error.message : String(error));
}
