/**
 * Small builders for virtual device descriptors, so a simulator states what its interface is
 * (class codes, endpoints) without repeating the nesting of configurations and alternates.
 */
import type { UsbAlternateInterface, UsbEndpoint } from './usb-device.ts';
import type { VirtualInterfaceDescriptor } from './virtual-usb.ts';

/** High-speed bulk endpoints carry 512-byte packets (USB 2.0, 5.8.3). */
export const HIGH_SPEED_BULK_PACKET = 512;

export interface BulkInterfaceOptions {
  readonly interfaceNumber?: number;
  readonly interfaceClass: number;
  readonly interfaceSubclass: number;
  readonly interfaceProtocol: number;
  /** The interface string, e.g. "ADB Interface" or "MTP". */
  readonly interfaceName?: string | null;
  /** Endpoint numbers without the direction bit; defaults: IN 1 (0x81), OUT 2 (0x02). */
  readonly inEndpoint?: number;
  readonly outEndpoint?: number;
  /** An interrupt IN endpoint for events (MTP has one), off by default. */
  readonly interruptEndpoint?: number;
  readonly packetSize?: number;
}

/** One interface with a bulk IN and a bulk OUT endpoint (and an optional interrupt IN). */
export function bulkInterface(options: BulkInterfaceOptions): VirtualInterfaceDescriptor {
  const packetSize = options.packetSize ?? HIGH_SPEED_BULK_PACKET;
  const endpoints: UsbEndpoint[] = [
    { endpointNumber: options.inEndpoint ?? 1, direction: 'in', type: 'bulk', packetSize },
    { endpointNumber: options.outEndpoint ?? 2, direction: 'out', type: 'bulk', packetSize },
  ];
  if (options.interruptEndpoint !== undefined)
    endpoints.push({ endpointNumber: options.interruptEndpoint, direction: 'in', type: 'interrupt', packetSize: 64 });
  const alternate: UsbAlternateInterface = {
    alternateSetting: 0,
    interfaceClass: options.interfaceClass,
    interfaceSubclass: options.interfaceSubclass,
    interfaceProtocol: options.interfaceProtocol,
    interfaceName: options.interfaceName ?? null,
    endpoints,
  };
  return { interfaceNumber: options.interfaceNumber ?? 0, alternates: [alternate] };
}

/** Android's ADB interface: vendor class 0xff, subclass 0x42, protocol 1 (see adb's usb.h). */
export function adbInterface(options: Partial<BulkInterfaceOptions> = {}): VirtualInterfaceDescriptor {
  return bulkInterface({ interfaceName: 'ADB Interface', ...options, interfaceClass: 0xff, interfaceSubclass: 0x42, interfaceProtocol: 0x01 });
}
