/**
 * One list of attached USB devices, whatever their backend: real ones from npm `usb` and
 * virtual ones that simulators plug in. `devices`, `rescue --device ID` and the desktop app look
 * here only, so a simulated phone is found exactly like a real one.
 *
 * Ids are stable while a device stays attached: "usb:1-1.4" (bus and port path) for a real
 * device, "sim:NAME" for a virtual one.
 */
import { RealUsbBackend } from './real-usb.ts';
import type { UsbDevice } from './usb-device.ts';

export interface UsbDeviceEntry {
  readonly id: string;
  readonly backend: 'real' | 'virtual';
  readonly device: UsbDevice;
}

export interface UsbRegistryListing {
  readonly devices: readonly UsbDeviceEntry[];
  /** Why a backend lists nothing, e.g. "no USB bus on this machine (...)". Empty when all is well. */
  readonly problems: readonly string[];
}

type Listener = (entry: UsbDeviceEntry) => void;

export class UsbRegistry {
  readonly #real: RealUsbBackend | null;
  readonly #virtual = new Map<string, UsbDeviceEntry>();
  readonly #realEntries = new Map<UsbDevice, UsbDeviceEntry>();
  readonly #listeners = { attach: new Set<Listener>(), detach: new Set<Listener>() };
  #nextSim = 1;

  /** `real: null` leaves real USB out (tests, `--sim` runs); by default npm `usb` is used. */
  constructor(options: { real?: RealUsbBackend | null } = {}) {
    this.#real = options.real === undefined ? new RealUsbBackend() : options.real;
  }

  /** Plugs a virtual device in. It leaves the registry by itself when its cable is pulled. */
  addVirtual(device: UsbDevice, name?: string): UsbDeviceEntry {
    const id = `sim:${name ?? this.#nextSim++}`;
    if (this.#virtual.has(id)) throw new Error(`a virtual USB device named ${id} is already attached`);
    const entry: UsbDeviceEntry = { id, backend: 'virtual', device };
    this.#virtual.set(id, entry);
    device.onDisconnect(() => this.#removeVirtual(id));
    this.#emit('attach', entry);
    return entry;
  }

  /** Unplugs a virtual device from the list (without pulling its cable). */
  removeVirtual(id: string): boolean {
    return this.#removeVirtual(id);
  }

  /** Everything attached now. Never rejects: a backend that cannot list says why in `problems`. */
  async list(): Promise<UsbRegistryListing> {
    const problems: string[] = [];
    const real: UsbDeviceEntry[] = [];
    if (this.#real) {
      const listing = await this.#real.list();
      if (listing.unavailable !== undefined) problems.push(listing.unavailable);
      const present = new Set<UsbDevice>();
      for (const device of listing.devices) {
        present.add(device);
        real.push(this.#realEntry(device));
      }
      for (const device of this.#realEntries.keys()) if (!present.has(device)) this.#realEntries.delete(device);
    }
    return { devices: [...real, ...this.#virtual.values()], problems };
  }

  /** The device with this id, if attached. */
  async find(id: string): Promise<UsbDeviceEntry | undefined> {
    const virtual = this.#virtual.get(id);
    if (virtual) return virtual;
    return (await this.list()).devices.find((entry) => entry.id === id);
  }

  /** Listens to devices attached or detached; returns a function that stops listening. */
  on(event: 'attach' | 'detach', listener: Listener): () => void {
    this.#listeners[event].add(listener);
    return () => this.#listeners[event].delete(listener);
  }

  /** Starts real USB hotplug events (virtual ones always fire). Never throws; says why not. */
  async watch(): Promise<{ watching: boolean; reason?: string }> {
    if (!this.#real) return { watching: false, reason: 'real USB is not used' };
    return this.#real.watch({
      attach: (device) => this.#emit('attach', this.#realEntry(device)),
      detach: (device) => {
        const entry = this.#realEntries.get(device);
        if (!entry) return;
        this.#realEntries.delete(device);
        this.#emit('detach', entry);
      },
    });
  }

  /** Stops hotplug watching so the process can exit. Attached devices stay as they are. */
  async close(): Promise<void> {
    await this.#real?.stop();
  }

  #realEntry(device: UsbDevice & { readonly location?: string }): UsbDeviceEntry {
    let entry = this.#realEntries.get(device);
    if (!entry) {
      entry = { id: device.location ?? `usb:${this.#realEntries.size + 1}`, backend: 'real', device };
      this.#realEntries.set(device, entry);
    }
    return entry;
  }

  #removeVirtual(id: string): boolean {
    const entry = this.#virtual.get(id);
    if (!entry) return false;
    this.#virtual.delete(id);
    this.#emit('detach', entry);
    return true;
  }

  #emit(event: 'attach' | 'detach', entry: UsbDeviceEntry): void {
    for (const listener of [...this.#listeners[event]]) listener(entry);
  }
}
