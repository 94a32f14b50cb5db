/**
 * Real USB devices, through npm `usb` 3.x (its WebUSB class, all devices allowed).
 *
 * Made to survive machines without a USB bus (containers, CI, these build machines), where
 * usb@3 misbehaves:
 * - `getDevices()` rejects ("/sys/bus/usb/devices/ not found"): list() returns no devices and
 *   the reason instead;
 * - adding a 'connect' listener to its WebUSB object crashes Node 20: WebUSB.addEventListener
 *   starts native calls it never awaits, so their failures become an unhandled rejection or an
 *   exception thrown from a timer. watch() therefore probes the bus first, and listens through
 *   usb@3's native Emitter (the one WebUSB uses inside) whose every call is awaited here.
 * - loading the native addon itself can fail (an unsupported platform): the backend then reports
 *   that reason and lists nothing.
 * The native watcher keeps Node's event loop alive: stop() it when done.
 */
import { createRequire } from 'node:module';
import { RealUsbDevice, type NativeUsbDevice, type RealUsbDeviceOptions } from './real-usb-device.ts';

/** What list() found: the devices, or why there are none to be had. */
export interface UsbListing<D> {
  readonly devices: readonly D[];
  /** Set when the backend cannot list at all (no USB bus, no permission on /sys, no addon). */
  readonly unavailable?: string;
}

export interface RealUsbWatchHandlers {
  attach(device: RealUsbDevice): void;
  detach(device: RealUsbDevice): void;
}

/** The parts of npm `usb` 3.x used here (its own typings pull in the DOM's WebUSB types). */
interface UsbModule {
  WebUSB: new (options: { allowAllDevices: boolean }) => { getDevices(): Promise<NativeUsbDevice[]> };
}
interface UsbNativeModule {
  Emitter: new () => NativeEmitter;
}
interface NativeEmitter {
  addAttach(callback: (device: NativeUsbDevice) => void): Promise<void>;
  removeAttach(): Promise<void>;
  addDetach(callback: (handle: string) => void): Promise<void>;
  removeDetach(): Promise<void>;
}

/** Loads npm `usb`, or says why it cannot be loaded. Separate so tests can inject a fake. */
export function loadUsbPackage(): { usb: UsbModule; native: UsbNativeModule } | { error: string } {
  try {
    const require = createRequire(import.meta.url);
    // 'usb' (dist/index.js) adds the WebUSB transfer methods to the native device class; the
    // package root index.js is the native addon itself, with the hotplug Emitter.
    const usb = require('usb') as UsbModule;
    const native = require('usb/index.js') as UsbNativeModule;
    return { usb, native };
  } catch (error) {
    return { error: `the USB library could not be loaded: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export class RealUsbBackend {
  readonly #loaded: ReturnType<typeof loadUsbPackage>;
  readonly #webusb: { getDevices(): Promise<NativeUsbDevice[]> } | undefined;
  readonly #deviceOptions: RealUsbDeviceOptions;
  /** One wrapper per plugged-in device, so the same phone is the same object across lists. */
  readonly #known = new Map<string, RealUsbDevice>();
  #emitter: NativeEmitter | undefined;

  constructor(options: { deviceOptions?: RealUsbDeviceOptions; load?: typeof loadUsbPackage } = {}) {
    this.#loaded = (options.load ?? loadUsbPackage)();
    this.#deviceOptions = options.deviceOptions ?? {};
    if ('usb' in this.#loaded) this.#webusb = new this.#loaded.usb.WebUSB({ allowAllDevices: true });
  }

  /** Every device on the machine's USB buses; never rejects. */
  async list(): Promise<UsbListing<RealUsbDevice>> {
    const webusb = this.#webusb;
    if (!webusb) return { devices: [], unavailable: (this.#loaded as { error: string }).error };
    let natives: NativeUsbDevice[];
    try {
      natives = await webusb.getDevices();
    } catch (error) {
      return { devices: [], unavailable: describeListingFailure(error) };
    }
    const seen = new Set<string>();
    const devices = natives.map((native) => {
      const device = this.#wrap(native);
      seen.add(device.handle);
      return device;
    });
    // A device missing from a fresh list has gone, even if no hotplug event said so.
    for (const [handle, device] of this.#known) {
      if (!seen.has(handle)) {
        this.#known.delete(handle);
        device.markDisconnected();
      }
    }
    return { devices };
  }

  /**
   * Reports devices plugged in and pulled out from now on. Resolves with whether it watches;
   * when it cannot (no USB bus), it says why and registers nothing, so it cannot crash.
   */
  async watch(handlers: RealUsbWatchHandlers): Promise<{ watching: boolean; reason?: string }> {
    if (this.#emitter) return { watching: false, reason: 'already watching' };
    const probe = await this.list();
    if (probe.unavailable !== undefined) return { watching: false, reason: probe.unavailable };
    if (!('native' in this.#loaded)) return { watching: false, reason: 'the USB library has no hotplug support' };
    const emitter = new this.#loaded.native.Emitter();
    try {
      await emitter.addAttach((native) => {
        const fresh = !this.#known.has(keyOf(native));
        const device = this.#wrap(native);
        if (fresh) handlers.attach(device);
      });
      await emitter.addDetach((handle) => {
        const device = this.#known.get(handle);
        if (!device) return;
        this.#known.delete(handle);
        device.markDisconnected();
        handlers.detach(device);
      });
    } catch (error) {
      await stopEmitter(emitter);
      return { watching: false, reason: `USB hotplug is not available here: ${error instanceof Error ? error.message : String(error)}` };
    }
    this.#emitter = emitter;
    return { watching: true };
  }

  /** Stops watching, so the process can exit. */
  async stop(): Promise<void> {
    const emitter = this.#emitter;
    this.#emitter = undefined;
    if (emitter) await stopEmitter(emitter);
  }

  #wrap(native: NativeUsbDevice): RealUsbDevice {
    const key = keyOf(native);
    let device = this.#known.get(key);
    if (!device) {
      device = new RealUsbDevice(native, this.#deviceOptions);
      this.#known.set(key, device);
    }
    return device;
  }
}

function keyOf(native: NativeUsbDevice): string {
  return native.handle ?? `${native.bus ?? '?'}:${native.address ?? '?'}`;
}

async function stopEmitter(emitter: NativeEmitter): Promise<void> {
  await emitter.removeAttach().catch(() => undefined);
  await emitter.removeDetach().catch(() => undefined);
}

/** A reason a person can read, for the common cases. */
export function describeListingFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/\/sys\/bus\/usb\/devices\/? not found/i.test(message)) return `no USB bus on this machine (${message})`;
  if (/permission denied/i.test(message)) return `this user may not list USB devices (${message})`;
  return `USB devices cannot be listed: ${message}`;
}
