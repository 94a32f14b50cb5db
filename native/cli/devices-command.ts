import { connectAdbUsbDevice } from '../adapters/adb/adb-connect.ts';
import { openAdbSource } from '../adapters/adb/adb-source.ts';
import type { DeviceIdentity } from '../model/device.ts';
import { CATEGORIES, type Category } from '../rescue/categories.ts';
import { probeMtpDevice } from '../adapters/mtp/mtp-source.ts';
import { findMtpInterface } from '../protocols/mtp/mtp-detect.ts';
import type { UsbDevice } from '../usb/usb-device.ts';
import { UsbRegistry, type UsbDeviceEntry } from '../usb/usb-registry.ts';
import { EXIT } from './exit-codes.ts';
import { plugInSimulatedPhone } from './open-source.ts';
import { backupListings } from './backup-listing.ts';
import { listIphones } from '../adapters/iphone/iphone-listing.ts';
import { parseOptions } from './parse-options.ts';
import { atListings, describeCdcAcm } from './at-listing.ts';
import { isAtImage } from './open-at-source.ts';

/** One line of `devices --json`: a phone, and what can be rescued through it now. */
export interface DeviceListing {
  id: string;
  transport: DeviceIdentity['transport'];
  manufacturer: string;
  model: string;
  serial: string;
  battery: number | null;
  /** ready | needs-allow | busy | unsupported | needs-password (an encrypted iPhone backup) */
  state: string;
  rescuable: Category[];
  /** What the person should do, when the phone is not ready. */
  hint?: string;
}

/**
 * `devices [--json] [--sim IMAGE ...]`: the phones attached over USB (each `--sim` plugs in one
 * simulated phone behind a virtual USB device). ADB phones are asked for their identity and
 * battery; a phone that shows "Allow USB debugging?" is listed as waiting for that.
 */
export async function devicesCommand(args: string[]): Promise<number> {
  const { values } = parseOptions('devices', args, {
    json: { type: 'boolean', default: false },
    sim: { type: 'string', multiple: true },
    device: { type: 'string', multiple: true },
  });
  const registry = new UsbRegistry();
  const closers: (() => Promise<void>)[] = [];
  try {
    for (const image of (values.sim ?? []).filter((dir) => !isAtImage(dir))) {
      const plugged = await plugInSimulatedPhone(image, {});
      registry.addVirtual(plugged.device, plugged.identity.serial);
      closers.push(plugged.close);
    }
    const listing = await registry.list();
    const phones: DeviceListing[] = [];
    for (const entry of listing.devices) {
      const phone = await describe(entry);
      if (phone) phones.push(phone);
    }
    // iPhone backups on this computer (iTunes/Finder folders) are sources too.
    const backupProblems: string[] = [];
    phones.push(...backupListings((message) => backupProblems.push(message)));
    // Live iPhones through the system's usbmuxd (when its socket exists; USBMUXD_SOCKET_ADDRESS honoured).
    phones.push(...(await listIphones((message) => backupProblems.push(message))));
    // Feature phones: simulated ones (--sim of an "at" image) and serial ports named with --device at:PATH.
    phones.push(...(await atListings(values.sim ?? [], values.device ?? [], (message) => process.stderr.write(`devices: ${message}\n`))));
    if (values.json) process.stdout.write(`${JSON.stringify(phones)}\n`);
    else if (phones.length === 0) process.stdout.write('No phone found.\n');
    else for (const p of phones) process.stdout.write(`${formatLine(p)}\n`);
    for (const problem of [...listing.problems, ...backupProblems]) process.stderr.write(`devices: ${problem}\n`);
    return EXIT.ok;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

/** One attached USB device as a phone listing (the desktop app's engine uses it too), or undefined when it is no phone. */
export async function describe(entry: UsbDeviceEntry): Promise<DeviceListing | undefined> {
  const device = entry.device;
  const fromUsb = {
    id: entry.id,
    manufacturer: device.manufacturerName ?? 'unknown',
    model: device.productName ?? 'unknown',
    serial: device.serialNumber ?? '',
    battery: null,
  };
  if (hasInterface(device, (a) => a.interfaceClass === 0xff && a.interfaceSubclass === 0x42 && a.interfaceProtocol === 0x01)) {
    let waiting = false;
    try {
      const adb = await connectAdbUsbDevice(device, {
        onWaitingForOwner: () => (waiting = true),
        allowTimeoutMs: 5_000,
        handshakeTimeoutMs: 5_000,
      });
      const source = openAdbSource(adb, { usb: { vendorId: device.vendorId, productId: device.productId } });
      try {
        const id = await source.identity();
        return { ...fromUsb, transport: 'adb', manufacturer: id.manufacturer, model: id.model, serial: id.serial, battery: id.battery, state: 'ready', rescuable: [...CATEGORIES] };
      } finally {
        await source.close();
      }
    } catch (err) {
      const busy = /kill-server|another program/i.test((err as Error).message);
      return {
        ...fromUsb,
        transport: 'adb',
        state: busy ? 'busy' : waiting ? 'needs-allow' : 'unsupported',
        rescuable: [],
        hint: (err as Error).message,
      };
    }
  }
  if (findMtpInterface(device)) {
    try {
      const probe = await probeMtpDevice(device, { stallTimeoutMs: 10_000 });
      const id = probe.identity;
      return { ...fromUsb, transport: 'mtp', manufacturer: id.manufacturer, model: id.model, serial: id.serial, battery: id.battery, state: probe.state, rescuable: probe.rescuable, ...(probe.hint ? { hint: probe.hint } : {}) };
    } catch (err) {
      const busy = /busy|another program|access denied/i.test((err as Error).message);
      return { ...fromUsb, transport: 'mtp', state: busy ? 'busy' : 'unsupported', rescuable: [], hint: (err as Error).message };
    }
  }
  return describeCdcAcm(entry, fromUsb); // a modem (AT) port, or not a phone Lifeboat can talk to
}

function hasInterface(
  device: UsbDevice,
  test: (alternate: { interfaceClass: number; interfaceSubclass: number; interfaceProtocol: number; interfaceName?: string | null }) => boolean,
): boolean {
  return device.configurations.some((c) => c.interfaces.some((i) => i.alternates.some(test)));
}

function formatLine(p: DeviceListing): string {
  const battery = p.battery === null ? 'battery unknown' : `battery ${p.battery}%`;
  const what = p.rescuable.length ? `can rescue ${p.rescuable.join(', ')}${p.hint ? ` (${p.hint})` : ''}` : p.hint ?? p.state;
  return `${p.id}  ${p.manufacturer} ${p.model} (serial ${p.serial}), ${p.transport}, ${battery}: ${what}`;
}
