/**
 * The one USB device shape the rest of Lifeboat uses.
 *
 * It is the subset of the W3C WebUSB `USBDevice` that protocols need, with the same names and
 * the same semantics, for two reasons: the ADB library (@yume-chan/adb-daemon-webusb) is written
 * against WebUSB, and npm `usb` 3.x already speaks WebUSB. A real device (real-usb.ts) and a
 * simulated one (virtual-usb.ts) both implement it, so an adapter never knows which it has.
 *
 * Types are declared here rather than taken from the DOM's global `USBDevice`, because this
 * project compiles without the DOM library; the single cast to the DOM type lives in
 * webusb-bridge.ts.
 *
 * Two additions to WebUSB: the preferredTransferBytes hint, and onDisconnect(). WebUSB reports a pulled cable only on the global
 * `navigator.usb` object; a per-device listener is what a running rescue actually needs.
 */

export type UsbDirection = 'in' | 'out';
export type UsbEndpointType = 'bulk' | 'interrupt' | 'isochronous';
export type UsbTransferStatus = 'ok' | 'stall' | 'babble';
export type UsbRequestType = 'standard' | 'class' | 'vendor';
export type UsbRecipient = 'device' | 'interface' | 'endpoint' | 'other';

export interface UsbEndpoint {
  /** 1-15, without the direction bit (0x81 is endpoint 1, direction "in"). */
  readonly endpointNumber: number;
  readonly direction: UsbDirection;
  readonly type: UsbEndpointType;
  /** wMaxPacketSize: 512 for high-speed bulk, 64 for full speed. A shorter packet ends a transfer. */
  readonly packetSize: number;
}

export interface UsbAlternateInterface {
  readonly alternateSetting: number;
  readonly interfaceClass: number;
  readonly interfaceSubclass: number;
  readonly interfaceProtocol: number;
  /** The interface string (iInterface), e.g. "MTP" or "ADB Interface", when the device has one. */
  readonly interfaceName?: string | null | undefined;
  readonly endpoints: readonly UsbEndpoint[];
}

export interface UsbInterface {
  readonly interfaceNumber: number;
  /** The alternate setting currently selected. */
  readonly alternate: UsbAlternateInterface;
  readonly alternates: readonly UsbAlternateInterface[];
  readonly claimed: boolean;
}

export interface UsbConfiguration {
  readonly configurationValue: number;
  readonly configurationName?: string | null | undefined;
  readonly interfaces: readonly UsbInterface[];
}

export interface UsbControlTransferParameters {
  readonly requestType: UsbRequestType;
  readonly recipient: UsbRecipient;
  readonly request: number;
  readonly value: number;
  readonly index: number;
}

export interface UsbInTransferResult {
  /** Covers its whole `buffer` (byteOffset 0): @yume-chan/adb-daemon-webusb relies on it. */
  readonly data?: DataView | undefined;
  readonly status: UsbTransferStatus;
}

export interface UsbOutTransferResult {
  readonly bytesWritten: number;
  readonly status: UsbTransferStatus;
}

/** Bytes for transferOut / controlTransferOut: WebUSB's BufferSource. */
export type UsbBytes = ArrayBuffer | ArrayBufferView;

export interface UsbDevice {
  readonly vendorId: number;
  readonly productId: number;
  readonly deviceClass: number;
  readonly deviceSubclass: number;
  readonly deviceProtocol: number;
  /** The device's strings; null when it has none (or, on a real device, they cannot be read). */
  readonly manufacturerName: string | null;
  readonly productName: string | null;
  readonly serialNumber: string | null;

  /** The active configuration, null while the device is unconfigured. */
  readonly configuration: UsbConfiguration | null;
  readonly configurations: readonly UsbConfiguration[];

  readonly opened: boolean;
  open(): Promise<void>;
  /** Releases claimed interfaces; pending transfers reject with UsbAbortedError. */
  close(): Promise<void>;

  selectConfiguration(configurationValue: number): Promise<void>;
  claimInterface(interfaceNumber: number): Promise<void>;
  releaseInterface(interfaceNumber: number): Promise<void>;
  selectAlternateInterface(interfaceNumber: number, alternateSetting: number): Promise<void>;

  controlTransferIn(setup: UsbControlTransferParameters, length: number): Promise<UsbInTransferResult>;
  controlTransferOut(setup: UsbControlTransferParameters, data?: UsbBytes): Promise<UsbOutTransferResult>;
  clearHalt(direction: UsbDirection, endpointNumber: number): Promise<void>;

  /**
   * Reads one transfer: at most `length` bytes; it completes early on a short packet (possibly a
   * zero-length packet, then `data` has 0 bytes) and waits as long as the device sends nothing.
   */
  transferIn(endpointNumber: number, length: number): Promise<UsbInTransferResult>;
  transferOut(endpointNumber: number, data: UsbBytes): Promise<UsbOutTransferResult>;

  /**
   * How many bytes one bulk transfer should ask for, when the backend has a view: npm usb 3.x
   * runs one transfer per endpoint at a time (real-usb-device.ts queues them), so each costs a
   * round trip through the kernel and fewer, larger ones move more (measured in the USB lab:
   * MTP pulls of 8 MiB files 1.4× faster than libmtp's with 1 MiB transfers, 0.9× with 512 KiB).
   */
  readonly preferredTransferBytes?: number | undefined;

  /**
   * Calls `listener` once when the device goes away (at once, on a later tick, if it is already
   * gone). Returns a function that removes the listener.
   */
  onDisconnect(listener: (error: Error) => void): () => void;
}

/** A view on `data` as a Uint8Array, without copying. */
export function bytesOf(data: UsbBytes): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** The endpoint `endpointNumber` in `direction` of the claimed interfaces' current alternates. */
export function findClaimedEndpoint(
  configuration: UsbConfiguration | null,
  direction: UsbDirection,
  endpointNumber: number,
): UsbEndpoint | undefined {
  for (const iface of configuration?.interfaces ?? []) {
    if (!iface.claimed) continue;
    const endpoint = iface.alternate.endpoints.find((e) => e.endpointNumber === endpointNumber && e.direction === direction);
    if (endpoint) return endpoint;
  }
  return undefined;
}

/** A short label for messages: "Google Pixel 7 (18d1:4ee7)". */
export function describeUsbDevice(device: Pick<UsbDevice, 'vendorId' | 'productId' | 'manufacturerName' | 'productName'>): string {
  const ids = `${hex4(device.vendorId)}:${hex4(device.productId)}`;
  const name = [device.manufacturerName, device.productName].filter((s) => s && s.trim() !== '').join(' ');
  return name === '' ? `USB device ${ids}` : `${name} (${ids})`;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
