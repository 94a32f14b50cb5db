/**
 * An in-process virtual USB device: the same UsbDevice a real phone gives, driven by a simulator.
 *
 * The simulator supplies a descriptor (ids, strings, configurations with interfaces and
 * endpoints) and a VirtualUsbFunction, the device-side half: it receives the host's bulk OUT
 * transfers and control transfers, and produces bulk IN data through the VirtualUsbPort it is
 * given. Between the two halves the device keeps WebUSB's rules, so code tested against it
 * behaves the same on a real phone:
 * - transfers before open() or on an endpoint of an unclaimed interface reject (UsbStateError);
 * - transferIn returns at most `length` bytes, ends early on a short packet or a zero-length
 *   packet, and waits while the device has nothing to send (see virtual-in-pipe.ts);
 * - transfers complete in order per endpoint, and both directions have backpressure;
 * - disconnect() is a pulled cable: every pending and later transfer rejects with
 *   UsbDisconnectedError, the simulator's port.signal aborts, and onDisconnect listeners fire;
 * - close() aborts pending transfers with UsbAbortedError.
 * Options add what the CLI's `--link-rate` and `--unplug-after` need: a paced link and a cable
 * that is pulled after a number of bulk IN bytes.
 */
import {
  bytesOf,
  findClaimedEndpoint,
  type UsbAlternateInterface,
  type UsbBytes,
  type UsbConfiguration,
  type UsbControlTransferParameters,
  type UsbDevice,
  type UsbDirection,
  type UsbInTransferResult,
  type UsbInterface,
  type UsbOutTransferResult,
} from './usb-device.ts';
import { UsbAbortedError, UsbBusyError, UsbDisconnectedError, UsbStateError } from './usb-errors.ts';
import { UsbLink } from './usb-link.ts';
import { VirtualInPipe } from './virtual-in-pipe.ts';

export interface VirtualInterfaceDescriptor {
  readonly interfaceNumber: number;
  /** Alternate settings; the first is selected when the interface is claimed. */
  readonly alternates: readonly UsbAlternateInterface[];
}

export interface VirtualConfigurationDescriptor {
  readonly configurationValue: number;
  readonly configurationName?: string | null;
  readonly interfaces: readonly VirtualInterfaceDescriptor[];
}

export interface VirtualUsbDescriptor {
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceClass?: number;
  readonly deviceSubclass?: number;
  readonly deviceProtocol?: number;
  readonly manufacturerName?: string | null;
  readonly productName?: string | null;
  readonly serialNumber?: string | null;
  /** The first one is active from the start, as after enumeration by the OS. */
  readonly configurations: readonly VirtualConfigurationDescriptor[];
}

/** A control transfer's answer: data (IN), "ok" (OUT), or a stall (request not supported). */
export type ControlInReply = Uint8Array | 'stall';
export type ControlOutReply = 'ok' | 'stall' | void;
type MaybePromise<T> = T | Promise<T>;

/** The device side of the cable, handed to the function once by attach(). */
export interface VirtualUsbPort {
  /**
   * Sends one message on a bulk or interrupt IN endpoint (a zero-length message is a ZLP).
   * Resolves once the host has read all of it; rejects with UsbDisconnectedError when the
   * cable is pulled first. Messages on one endpoint reach the host in call order.
   */
  send(endpointNumber: number, data: Uint8Array): Promise<void>;
  /** Stalls an endpoint (the host sees status "stall" until it calls clearHalt). */
  stall(direction: UsbDirection, endpointNumber: number): void;
  /** Aborted when the device goes away (cable pulled), with the UsbDisconnectedError as reason. */
  readonly signal: AbortSignal;
  /** The device drops off the bus by itself (a phone rebooting): same as a pulled cable. */
  disconnect(): void;
}

/** The device-side half a simulator provides. */
export interface VirtualUsbFunction {
  /** Called once, from the VirtualUsbDevice constructor. */
  attach(port: VirtualUsbPort): void;
  /**
   * One bulk or interrupt OUT transfer from the host, in order per endpoint; a zero-length
   * transfer (a ZLP the host sends after a message that fills whole packets) arrives as 0 bytes.
   * `data` is the function's own copy. The host's transferOut completes when this settles
   * (backpressure); "stall" stalls the endpoint. A throw is a simulator bug: the host's
   * transferOut rejects with it, loudly, instead of hiding it behind a stall.
   */
  receive(endpointNumber: number, data: Uint8Array): MaybePromise<void | 'stall'>;
  /** Control transfer, device to host. Missing: every request stalls. Longer data is cut to `length`. */
  controlIn?(setup: UsbControlTransferParameters, length: number): MaybePromise<ControlInReply>;
  /** Control transfer, host to device. Missing: every request stalls. */
  controlOut?(setup: UsbControlTransferParameters, data: Uint8Array): MaybePromise<ControlOutReply>;
  /** Host-side events a simulator may care about (e.g. reset its state when the host closes). */
  hostEvent?(event: VirtualHostEvent): void;
}

export type VirtualHostEvent =
  | { readonly type: 'open' | 'close' }
  | { readonly type: 'claim' | 'release'; readonly interfaceNumber: number }
  | { readonly type: 'select-configuration'; readonly configurationValue: number }
  | { readonly type: 'select-alternate'; readonly interfaceNumber: number; readonly alternateSetting: number };

export interface VirtualUsbOptions {
  /** Bulk bytes paced to this rate in 10^6 bytes/s (`--link-rate`). */
  readonly linkRateMBps?: number | undefined;
  /**
   * Pull the cable once the host has received this many bulk IN bytes (`--unplug-after`): the
   * transfer that would cross the mark rejects (its bytes were in flight), one that ends exactly
   * on it completes and the cable is pulled right after.
   */
  readonly unplugAfterInBytes?: number | undefined;
  /** Interfaces another program already holds: claiming them fails with UsbBusyError. */
  readonly busyInterfaces?: readonly number[] | undefined;
}

export class VirtualUsbDevice implements UsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceClass: number;
  readonly deviceSubclass: number;
  readonly deviceProtocol: number;
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;
  readonly configurations: readonly UsbConfiguration[];
  /** Bytes counter and pacing of the wire (link.bytesIn / link.bytesOut). */
  readonly link: UsbLink;

  readonly #function: VirtualUsbFunction;
  readonly #options: VirtualUsbOptions;
  readonly #abort = new AbortController();
  readonly #inPipes = new Map<number, VirtualInPipe>();
  readonly #outHalted = new Set<number>();
  readonly #outQueues = new Map<number, Promise<unknown>>();
  readonly #claimed = new Set<number>();
  readonly #alternates = new Map<number, number>();
  readonly #pending = new Set<(error: Error) => void>();
  readonly #disconnectListeners = new Set<(error: Error) => void>();
  #configurationValue: number | null;
  #opened = false;
  #gone: UsbDisconnectedError | undefined;

  constructor(descriptor: VirtualUsbDescriptor, fn: VirtualUsbFunction, options: VirtualUsbOptions = {}) {
    this.vendorId = descriptor.vendorId;
    this.productId = descriptor.productId;
    this.deviceClass = descriptor.deviceClass ?? 0;
    this.deviceSubclass = descriptor.deviceSubclass ?? 0;
    this.deviceProtocol = descriptor.deviceProtocol ?? 0;
    this.manufacturerName = descriptor.manufacturerName ?? null;
    this.productName = descriptor.productName ?? null;
    this.serialNumber = descriptor.serialNumber ?? null;
    this.configurations = descriptor.configurations.map((c) => this.#liveConfiguration(c));
    this.#configurationValue = descriptor.configurations[0]?.configurationValue ?? null;
    this.#function = fn;
    this.#options = options;
    this.link = new UsbLink({ rateMBps: options.linkRateMBps });

    // One pipe per IN endpoint number: the device side may queue data before the host claims.
    for (const c of descriptor.configurations)
      for (const i of c.interfaces)
        for (const a of i.alternates)
          for (const e of a.endpoints)
            if (e.direction === 'in' && e.type !== 'isochronous' && !this.#inPipes.has(e.endpointNumber))
              this.#inPipes.set(e.endpointNumber, new VirtualInPipe(e.packetSize));

    fn.attach(this.#port());
  }

  get opened(): boolean {
    return this.#opened;
  }

  get connected(): boolean {
    return this.#gone === undefined;
  }

  get configuration(): UsbConfiguration | null {
    return this.configurations.find((c) => c.configurationValue === this.#configurationValue) ?? null;
  }

  async open(): Promise<void> {
    this.#assertConnected();
    if (this.#opened) return;
    this.#opened = true;
    this.#function.hostEvent?.({ type: 'open' });
  }

  /** Idempotent, and quiet on a device already gone: callers close in `finally`. */
  async close(): Promise<void> {
    if (!this.#opened) return;
    this.#opened = false;
    this.#claimed.clear();
    this.#abortHostTransfers(new UsbAbortedError());
    this.#function.hostEvent?.({ type: 'close' });
  }

  async selectConfiguration(configurationValue: number): Promise<void> {
    this.#assertOpened();
    if (!this.configurations.some((c) => c.configurationValue === configurationValue))
      throw new UsbStateError(`The device has no configuration ${configurationValue}.`);
    if (this.#configurationValue === configurationValue) return;
    this.#claimed.clear();
    this.#alternates.clear();
    this.#abortHostTransfers(new UsbAbortedError('The USB transfer was aborted because the configuration changed.'));
    this.#configurationValue = configurationValue;
    this.#function.hostEvent?.({ type: 'select-configuration', configurationValue });
  }

  async claimInterface(interfaceNumber: number): Promise<void> {
    this.#assertOpened();
    this.#interfaceDescriptor(interfaceNumber);
    if (this.#claimed.has(interfaceNumber)) return;
    if (this.#options.busyInterfaces?.includes(interfaceNumber))
      throw new UsbBusyError(`Claiming USB interface ${interfaceNumber}`);
    this.#claimed.add(interfaceNumber);
    this.#function.hostEvent?.({ type: 'claim', interfaceNumber });
  }

  async releaseInterface(interfaceNumber: number): Promise<void> {
    this.#assertOpened();
    const iface = this.#interfaceDescriptor(interfaceNumber);
    if (!this.#claimed.delete(interfaceNumber)) return;
    const aborted = new UsbAbortedError('The USB transfer was aborted because its interface was released.');
    for (const e of iface.alternate.endpoints) if (e.direction === 'in') this.#inPipes.get(e.endpointNumber)?.failReads(aborted);
    this.#function.hostEvent?.({ type: 'release', interfaceNumber });
  }

  async selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void> {
    this.#assertOpened();
    const iface = this.#interfaceDescriptor(interfaceNumber);
    if (!this.#claimed.has(interfaceNumber)) throw new UsbStateError(`Interface ${interfaceNumber} is not claimed.`);
    if (!iface.alternates.some((a) => a.alternateSetting === alternateSetting))
      throw new UsbStateError(`Interface ${interfaceNumber} has no alternate setting ${alternateSetting}.`);
    this.#alternates.set(interfaceNumber, alternateSetting);
    this.#function.hostEvent?.({ type: 'select-alternate', interfaceNumber, alternateSetting });
  }

  async controlTransferIn(setup: UsbControlTransferParameters, length: number): Promise<UsbInTransferResult> {
    this.#assertControlAllowed(setup);
    const handler = this.#function.controlIn;
    const reply = handler ? await this.#guard(Promise.resolve(handler.call(this.#function, setup, length))) : 'stall';
    if (reply === 'stall') return { status: 'stall' };
    return { data: exactDataView(reply.length > length ? reply.slice(0, length) : reply.slice()), status: 'ok' };
  }

  async controlTransferOut(setup: UsbControlTransferParameters, data?: UsbBytes): Promise<UsbOutTransferResult> {
    this.#assertControlAllowed(setup);
    const bytes = data === undefined ? new Uint8Array(0) : bytesOf(data).slice();
    const handler = this.#function.controlOut;
    const reply = handler ? await this.#guard(Promise.resolve(handler.call(this.#function, setup, bytes))) : 'stall';
    if (reply === 'stall') return { bytesWritten: 0, status: 'stall' };
    return { bytesWritten: bytes.length, status: 'ok' };
  }

  async clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void> {
    this.#assertOpened();
    this.#endpoint(direction, endpointNumber);
    if (direction === 'in') this.#inPipes.get(endpointNumber)?.clearHalt();
    else this.#outHalted.delete(endpointNumber);
  }

  async transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult> {
    this.#assertOpened();
    this.#endpoint('in', endpointNumber);
    const pipe = this.#inPipes.get(endpointNumber);
    if (!pipe) throw new UsbStateError(`Endpoint ${endpointNumber} (in) cannot do bulk or interrupt transfers.`);
    // The pipe itself rejects pending reads on close or disconnect, so none is left to eat data.
    const { data, status } = await pipe.read(length);
    await this.#guard(this.link.pace(data.length));

    const limit = this.#options.unplugAfterInBytes;
    if (limit !== undefined && this.link.bytesIn + data.length > limit) {
      this.disconnect();
      throw this.#gone!;
    }
    this.link.bytesIn += data.length;
    if (limit !== undefined && this.link.bytesIn === limit) queueMicrotask(() => this.disconnect());
    return { data: exactDataView(data), status };
  }

  async transferOut(endpointNumber: number, data: UsbBytes): Promise<UsbOutTransferResult> {
    this.#assertOpened();
    this.#endpoint('out', endpointNumber);
    if (this.#outHalted.has(endpointNumber)) return { bytesWritten: 0, status: 'stall' };
    const bytes = bytesOf(data).slice();
    await this.#guard(this.link.pace(bytes.length));

    // One transfer at a time per endpoint reaches the function, in the order the host sent them.
    const previous = this.#outQueues.get(endpointNumber) ?? Promise.resolve();
    const delivery = previous.then(() => {
      this.#assertConnected();
      return this.#function.receive(endpointNumber, bytes);
    });
    this.#outQueues.set(endpointNumber, delivery.catch(() => undefined));
    const reply = await this.#guard(delivery);
    if (reply === 'stall') {
      this.#outHalted.add(endpointNumber);
      return { bytesWritten: 0, status: 'stall' };
    }
    this.link.bytesOut += bytes.length;
    return { bytesWritten: bytes.length, status: 'ok' };
  }

  onDisconnect(listener: (error: Error) => void): () => void {
    const gone = this.#gone;
    if (gone) {
      queueMicrotask(() => listener(gone));
      return () => undefined;
    }
    this.#disconnectListeners.add(listener);
    return () => this.#disconnectListeners.delete(listener);
  }

  /** Pulls the cable. Idempotent. */
  disconnect(): void {
    if (this.#gone) return;
    const error = new UsbDisconnectedError();
    this.#gone = error;
    this.#opened = false;
    this.#claimed.clear();
    this.#abortHostTransfers(error);
    for (const pipe of this.#inPipes.values()) pipe.failWrites(error);
    this.#abort.abort(error);
    const listeners = [...this.#disconnectListeners];
    this.#disconnectListeners.clear();
    // Listeners run after the rejections above have been delivered, as with a real hotplug event.
    queueMicrotask(() => {
      for (const listener of listeners) listener(error);
    });
  }

  #port(): VirtualUsbPort {
    return {
      send: (endpointNumber, data) => {
        if (this.#gone) return Promise.reject(this.#gone);
        const pipe = this.#inPipes.get(endpointNumber);
        if (!pipe) return Promise.reject(new UsbStateError(`The device has no bulk or interrupt IN endpoint ${endpointNumber}.`));
        return pipe.write(data);
      },
      stall: (direction, endpointNumber) => {
        if (direction === 'in') this.#inPipes.get(endpointNumber)?.halt();
        else this.#outHalted.add(endpointNumber);
      },
      signal: this.#abort.signal,
      disconnect: () => this.disconnect(),
    };
  }

  /** Rejects host-side waits: reads queued in pipes, pacing, OUT deliveries, control replies. */
  #abortHostTransfers(error: Error): void {
    for (const pipe of this.#inPipes.values()) pipe.failReads(error);
    for (const reject of [...this.#pending]) reject(error);
    this.#pending.clear();
  }

  /** Settles with `promise`, or rejects early when the device is closed or disconnected. */
  #guard<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abort = (error: Error): void => reject(error);
      this.#pending.add(abort);
      promise.then(
        (value) => {
          this.#pending.delete(abort);
          if (this.#gone) reject(this.#gone);
          else resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(abort);
          reject(error);
        },
      );
    });
  }

  #assertConnected(): void {
    if (this.#gone) throw this.#gone;
  }

  #assertOpened(): void {
    this.#assertConnected();
    if (!this.#opened) throw new UsbStateError('The USB device is not open (call open() first).');
  }

  #assertControlAllowed(setup: UsbControlTransferParameters): void {
    this.#assertOpened();
    // WebUSB: a request to an interface or endpoint needs that interface claimed.
    if (setup.recipient === 'interface') {
      const n = setup.index & 0xff;
      if (!this.#claimed.has(n)) throw new UsbStateError(`Control transfer to interface ${n}, which is not claimed.`);
    } else if (setup.recipient === 'endpoint') {
      const direction: UsbDirection = setup.index & 0x80 ? 'in' : 'out';
      this.#endpoint(direction, setup.index & 0x0f);
    }
  }

  #endpoint(direction: UsbDirection, endpointNumber: number): void {
    if (!findClaimedEndpoint(this.configuration, direction, endpointNumber))
      throw new UsbStateError(`Endpoint ${endpointNumber} (${direction}) is not part of a claimed interface.`);
  }

  #interfaceDescriptor(interfaceNumber: number): UsbInterface {
    const iface = this.configuration?.interfaces.find((i) => i.interfaceNumber === interfaceNumber);
    if (!iface) throw new UsbStateError(`The device has no interface ${interfaceNumber} in its active configuration.`);
    return iface;
  }

  /** Descriptor objects whose `claimed` and `alternate` follow the device's state, as in WebUSB. */
  #liveConfiguration(c: VirtualConfigurationDescriptor): UsbConfiguration {
    const device = this;
    const interfaces = c.interfaces.map((i): UsbInterface => {
      if (i.alternates.length === 0) throw new RangeError(`interface ${i.interfaceNumber} has no alternate setting`);
      const alternates = i.alternates.map((a) => ({ ...a, interfaceName: a.interfaceName ?? null, endpoints: a.endpoints.map((e) => ({ ...e })) }));
      return {
        interfaceNumber: i.interfaceNumber,
        alternates,
        get claimed() {
          return device.#configurationValue === c.configurationValue && device.#claimed.has(i.interfaceNumber);
        },
        get alternate() {
          const setting = device.#alternates.get(i.interfaceNumber);
          return alternates.find((a) => a.alternateSetting === setting) ?? alternates[0]!;
        },
      };
    });
    return { configurationValue: c.configurationValue, configurationName: c.configurationName ?? null, interfaces };
  }
}

/** A DataView covering its whole buffer (byteOffset 0), as WebUSB hands out. */
function exactDataView(data: Uint8Array): DataView {
  const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice();
  return new DataView(owned.buffer, 0, owned.byteLength);
}
