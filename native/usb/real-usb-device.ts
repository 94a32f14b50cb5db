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
import { UsbDisconnectedError, UsbError } from './usb-errors.ts';

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
  readonly #native: NativeUsbDevice;
  readonly #bulkTimeout: number;
  readonly #controlTimeout: number;
  readonly #platform: NodeJS.Platform | undefined;
  readonly #listeners = new Set<(error: Error) => void>();
  #gone: UsbDisconnectedError | undefined;
  #closing = false;

  constructor(native: NativeUsbDevice, options: RealUsbDeviceOptions = {}) {
    this.#native = native;
    this.#bulkTimeout = options.bulkTimeoutMs ?? LONGEST_TIMEOUT_MS;
    this.#controlTimeout = options.controlTimeoutMs ?? 5000;
    this.#platform = options.platform;
  }

  /** Where the device sits: "usb:1-1.4" (bus and port path), or its address when ports are unknown. */
  get location(): string {
    const n = this.#native;
    if (n.ports && n.ports.length > 0) return `usb:${n.bus ?? '?'}-${n.ports.join('.')}`;
    return `usb:${n.bus ?? '?'}:${n.address ?? '?'}`;
  }

  /** The backend's key for this device while plugged in (hotplug "disconnect" names it). */
  get handle(): string {
    return this.#native.handle ?? this.location;
  }

  get vendorId(): number { return this.#native.vendorId; }
  get productId(): number { return this.#native.productId; }
  get deviceClass(): number { return this.#native.deviceClass; }
  get deviceSubclass(): number { return this.#native.deviceSubclass; }
  get deviceProtocol(): number { return this.#native.deviceProtocol; }
  get manufacturerName(): string | null { return this.#native.manufacturerName; }
  get productName(): string | null { return this.#native.productName; }
  get serialNumber(): string | null { return this.#native.serialNumber; }
  get configuration(): UsbConfiguration | null { return this.#native.configuration ?? null; }
  get configurations(): readonly UsbConfiguration[] { return this.#native.configurations; }
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
      const e = this.#translate(error, 'Closing the phone');
      if (!(e instanceof UsbDisconnectedError)) throw e;
    }
  }

  selectConfiguration(value: number): Promise<void> {
    return this.#call(`Selecting USB configuration ${value}`, () => this.#native.selectConfiguration(value));
  }

  claimInterface(n: number): Promise<void> {
    // WebUSB resolves at once for an interface already claimed; the OS would call that "busy".
    if (!this.#gone && this.configuration?.interfaces.find((i) => i.interfaceNumber === n)?.claimed) return Promise.resolve();
    return this.#call(`Claiming USB interface ${n} of ${describeUsbDevice(this)}`, () => this.#native.claimInterface(n));
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
    return this.#transferIn(`Reading from the phone (endpoint ${endpointNumber})`, () =>
      this.#native.transferIn(endpointNumber, length, this.#bulkTimeout),
    );
  }

  transferOut(endpointNumber: number, data: UsbBytes): Promise<UsbOutTransferResult> {
    return this.#transferOut(`Writing to the phone (endpoint ${endpointNumber})`, () =>
      this.#native.transferOut(endpointNumber, bytesOf(data), this.#bulkTimeout),
    );
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
      const result = await run();
      return { data: result.data === undefined ? undefined : exactDataView(result.data), status: result.status };
    } catch (error) {
      const kind = classifyUsbError(error);
      if (kind === 'stall' || kind === 'babble') return { data: new DataView(new ArrayBuffer(0)), status: kind };
      throw this.#translate(error, what);
    }
  }

  async #transferOut(what: string, run: () => Promise<UsbOutTransferResult>): Promise<UsbOutTransferResult> {
    if (this.#gone) throw this.#gone;
    try {
      return await run();
    } catch (error) {
      if (classifyUsbError(error) === 'stall') return { bytesWritten: 0, status: 'stall' };
      throw this.#translate(error, what);
    }
  }

  #translate(error: unknown, what: string): UsbError {
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
