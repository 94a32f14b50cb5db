import type { UsbAlternateInterface, UsbDevice, UsbEndpoint } from '../../usb/usb-device.ts';

/**
 * Which interface of a USB device speaks MTP or PTP, found as libmtp finds it:
 * - a still-image interface, class 6 / subclass 1 / protocol 1 (PTP cameras, iPhones, Android in
 *   PTP mode, QEMU's usb-mtp, and most MTP phones, which declare themselves PTP-compatible);
 * - or a vendor-specific interface (class 0xff) with a bulk IN, a bulk OUT and an interrupt IN
 *   endpoint whose interface string says "MTP" (Android's MTP before it used class 6, Windows
 *   Phone, many feature phones). Android's ADB interface (0xff/0x42/1) never counts.
 * The Microsoft OS descriptor probe (string 0xEE) is not made: it is a control request that
 * some phones answer badly, and the two rules above find the phones it would.
 */
export interface MtpInterfaceChoice {
  readonly configurationValue: number;
  readonly interfaceNumber: number;
  readonly alternateSetting: number;
  readonly inEndpoint: number;
  readonly outEndpoint: number;
  readonly interruptEndpoint: number | undefined;
  /** wMaxPacketSize of the bulk IN endpoint: a data phase that fills whole packets ends with a ZLP. */
  readonly packetSize: number;
  /** "ptp": class 6 still image; "mtp-vendor": vendor class with an "MTP" interface string. */
  readonly kind: 'ptp' | 'mtp-vendor';
}

export function findMtpInterface(device: Pick<UsbDevice, 'configurations' | 'configuration'>): MtpInterfaceChoice | undefined {
  // The active configuration first: switching configuration disturbs other interfaces.
  const configurations = [...device.configurations].sort((a, b) =>
    a === device.configuration ? -1 : b === device.configuration ? 1 : 0,
  );
  for (const configuration of configurations) {
    for (const iface of configuration.interfaces) {
      for (const alternate of iface.alternates) {
        const kind = kindOf(alternate);
        if (!kind) continue;
        const bulkIn = alternate.endpoints.find((e) => e.type === 'bulk' && e.direction === 'in');
        const bulkOut = alternate.endpoints.find((e) => e.type === 'bulk' && e.direction === 'out');
        if (!bulkIn || !bulkOut) continue;
        const interrupt = alternate.endpoints.find((e) => e.type === 'interrupt' && e.direction === 'in');
        return {
          configurationValue: configuration.configurationValue,
          interfaceNumber: iface.interfaceNumber,
          alternateSetting: alternate.alternateSetting,
          inEndpoint: bulkIn.endpointNumber,
          outEndpoint: bulkOut.endpointNumber,
          interruptEndpoint: interrupt?.endpointNumber,
          packetSize: bulkIn.packetSize,
          kind,
        };
      }
    }
  }
  return undefined;
}

function kindOf(a: UsbAlternateInterface): MtpInterfaceChoice['kind'] | undefined {
  if (a.interfaceClass === 6 && a.interfaceSubclass === 1 && a.interfaceProtocol === 1) return 'ptp';
  if (a.interfaceClass === 0xff && !(a.interfaceSubclass === 0x42 && a.interfaceProtocol === 0x01)) {
    const three = a.endpoints.length === 3 && hasEndpoints(a.endpoints);
    if (three && /\bMTP\b/i.test(a.interfaceName ?? '')) return 'mtp-vendor';
  }
  return undefined;
}

function hasEndpoints(endpoints: readonly UsbEndpoint[]): boolean {
  const has = (type: UsbEndpoint['type'], direction: UsbEndpoint['direction']) => endpoints.some((e) => e.type === type && e.direction === direction);
  return has('bulk', 'in') && has('bulk', 'out') && has('interrupt', 'in');
}
