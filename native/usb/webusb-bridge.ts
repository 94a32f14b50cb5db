/// <reference types="w3c-web-usb" />
/**
 * The one place where Lifeboat's UsbDevice becomes the browser's WebUSB `USBDevice`, for
 * @yume-chan/adb-daemon-webusb.
 *
 * Why a cast is needed: that package is typed against the DOM's global WebUSB declarations
 * (@types/w3c-web-usb, which it depends on: its classes take a `USBDevice` and a `USB` manager).
 * Lifeboat compiles without the DOM library, and its UsbDevice leaves out what no protocol uses
 * (isochronous transfers, forget(), reset(), version numbers) and has read-only arrays. So:
 * - the triple-slash reference above brings @types/w3c-web-usb into the program: without it the
 *   package's constructor parameters silently become `any` and nothing would be checked;
 * - UsedByAdbDaemonWebUsb lists every USBDevice member that package touches (read from its
 *   source, version 2.3: device.ts and utils.ts), and the assignment in toWebUsbDevice checks
 *   that a UsbDevice provides exactly those with compatible types; only the rest is cast;
 * - WebUsbManagerShim is the `USB` object the package wants: it listens on it for "disconnect"
 *   events naming its device (and otherwise ignores it), so the shim turns our per-device
 *   onDisconnect into that event.
 */
import {
  AdbDaemonWebUsbDevice,
  AdbDefaultInterfaceFilter,
  findUsbInterface,
} from '@yume-chan/adb-daemon-webusb';
import type { UsbAlternateInterface, UsbConfiguration, UsbDevice, UsbEndpoint } from './usb-device.ts';

/** The USBDevice members @yume-chan/adb-daemon-webusb 2.3 uses. */
type UsedByAdbDaemonWebUsb =
  | 'vendorId'
  | 'productId'
  | 'serialNumber'
  | 'productName'
  | 'opened'
  | 'open'
  | 'close'
  | 'selectConfiguration'
  | 'claimInterface'
  | 'selectAlternateInterface'
  | 'transferIn'
  | 'transferOut';

/** Compile-time checks of the descriptor shapes the package reads (a false here fails `tsc`). */
type Assert<T extends true> = T;
export type DescriptorChecks = [
  Assert<UsbEndpoint extends USBEndpoint ? true : false>,
  Assert<UsbAlternateInterface extends Omit<USBAlternateInterface, 'endpoints' | 'interfaceName'> ? true : false>,
  // and the other way: what a browser or npm `usb` hands out fits Lifeboat's types.
  Assert<USBConfiguration extends UsbConfiguration ? true : false>,
];

/** Hands a UsbDevice (real or virtual) to code written against the browser's WebUSB. */
export function toWebUsbDevice(device: UsbDevice): USBDevice {
  // Compile-time check of the members that matter; a mismatch fails `tsc` here.
  const checked: Pick<USBDevice, UsedByAdbDaemonWebUsb> = device;
  // configuration(s) are read for their numbers, interfaces, alternates and endpoints, whose
  // names and types are WebUSB's (see usb-device.ts); the arrays are read-only on our side.
  return checked as unknown as USBDevice;
}

/**
 * A WebUSB `USB` manager over a fixed set of devices. adb-daemon-webusb subscribes to its
 * "disconnect" events to end a connection whose device went away.
 */
export class WebUsbManagerShim extends EventTarget {
  readonly #devices: readonly UsbDevice[];
  readonly #unsubscribe: (() => void)[];

  constructor(devices: readonly UsbDevice[]) {
    super();
    this.#devices = devices;
    this.#unsubscribe = devices.map((device) =>
      device.onDisconnect(() => {
        const event = Object.assign(new Event('disconnect'), { device: toWebUsbDevice(device) });
        this.dispatchEvent(event);
      }),
    );
  }

  async getDevices(): Promise<USBDevice[]> {
    return this.#devices.map(toWebUsbDevice);
  }

  async requestDevice(): Promise<USBDevice> {
    const first = this.#devices[0];
    if (!first) throw Object.assign(new Error('No device selected.'), { name: 'NotFoundError' });
    return toWebUsbDevice(first);
  }

  /** Stops listening to the devices' disconnects. */
  dispose(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /** The shim typed as the `USB` manager the package expects. */
  asWebUsb(): USB {
    return this as unknown as USB;
  }
}

/**
 * The device wrapped for @yume-chan/adb, if it has an ADB interface (class 0xff, subclass 0x42,
 * protocol 1); undefined otherwise. `connect()` on the result opens the device, claims the
 * interface and gives the packet streams AdbDaemonTransport needs.
 */
export function toAdbDaemonWebUsbDevice(device: UsbDevice): AdbDaemonWebUsbDevice | undefined {
  const raw = toWebUsbDevice(device);
  const found = findUsbInterface(raw, AdbDefaultInterfaceFilter);
  if (!found) return undefined;
  return new AdbDaemonWebUsbDevice(raw, found, shimFor(device).asWebUsb());
}

/** The device as a WebUSB `USBDevice`, with the `USB` object that reports its disconnect. */
export function toWebUsbPair(device: UsbDevice): { device: USBDevice; usb: USB } {
  return { device: toWebUsbDevice(device), usb: shimFor(device).asWebUsb() };
}

/** One shim per device, however often it is wrapped (each shim listens to the device). */
const shims = new WeakMap<UsbDevice, WebUsbManagerShim>();
function shimFor(device: UsbDevice): WebUsbManagerShim {
  let shim = shims.get(device);
  if (!shim) {
    shim = new WebUsbManagerShim([device]);
    shims.set(device, shim);
  }
  return shim;
}
