import fs from 'node:fs';
import path from 'node:path';
import type { AtDeviceSource } from '../adapters/at/at-source.ts';
import type { UsbDeviceEntry } from '../usb/usb-registry.ts';
import type { DeviceListing } from './devices-command.ts';
import { isAtImage, openAtDevice, openAtImageSource } from './open-at-source.ts';

/**
 * Feature phones for `devices`: serial ports named with `--device at:PATH` (or a bare /dev path)
 * and simulated ones from `--sim IMAGE` with "transport": "at". Each is asked who it is.
 */
export async function atListings(sims: readonly string[], ports: readonly string[], onProblem: (message: string) => void): Promise<DeviceListing[]> {
  const listings: DeviceListing[] = [];
  for (const image of sims.filter(isAtImage)) {
    listings.push(await listing(`sim-at:${image}`, () => openAtImageSource(image, 'sim'), onProblem));
  }
  for (const port of ports) {
    const portPath = port.replace(/^at:/, '');
    listings.push(await listing(`at:${portPath}`, () => openAtDevice(portPath), onProblem));
  }
  return listings;
}

/**
 * A USB device with a CDC ACM interface (class 2, subclass 2: a phone's modem port) is a feature
 * phone reached through the system's cdc_acm driver, which holds the interface and offers it as
 * /dev/ttyACMn; the tty is found in sysfs under the device's BUS-PORT.
 */
export async function describeCdcAcm(entry: UsbDeviceEntry, fromUsb: Omit<DeviceListing, 'transport' | 'state' | 'rescuable'>): Promise<DeviceListing | undefined> {
  const isAcm = entry.device.configurations.some((c) => c.interfaces.some((i) => i.alternates.some((a) => a.interfaceClass === 0x02 && a.interfaceSubclass === 0x02)));
  if (!isAcm) return undefined;
  const tty = ttyOfUsb(entry.id);
  if (!tty) {
    return { ...fromUsb, transport: 'at', state: 'unsupported', rescuable: [], hint: 'this phone has a modem (AT) port, but no /dev/ttyACM device for it: is the cdc_acm driver loaded?' };
  }
  const found = await listing(`at:${tty}`, () => openAtDevice(tty), () => undefined);
  return { ...found, manufacturer: found.manufacturer === 'unknown' ? fromUsb.manufacturer : found.manufacturer };
}

/**
 * /dev/ttyACMn of a USB device "usb:BUS-PORT" (Linux sysfs), if the driver made one. npm usb
 * names the bus with leading zeros ("usb:001-1"), sysfs without ("1-1:1.0"): as seen in the lab.
 */
export function ttyOfUsb(id: string, sysfsDevices = '/sys/bus/usb/devices'): string | undefined {
  const match = /^usb:(\d+)-([\d.]+)$/.exec(id);
  if (!match) return undefined;
  const busPort = `${Number(match[1])}-${match[2]}`;
  try {
    for (const name of fs.readdirSync(sysfsDevices).sort()) {
      if (!name.startsWith(`${busPort}:`)) continue;
      const ttyDir = path.join(sysfsDevices, name, 'tty');
      const ttys = fs.existsSync(ttyDir) ? fs.readdirSync(ttyDir) : [];
      if (ttys[0]) return `/dev/${ttys[0]}`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

async function listing(id: string, open: () => Promise<AtDeviceSource>, onProblem: (message: string) => void): Promise<DeviceListing> {
  let source: AtDeviceSource | undefined;
  try {
    source = await open();
    const who = await source.identity();
    return { id, transport: 'at', manufacturer: who.manufacturer, model: who.model, serial: who.serial, battery: who.battery, state: 'ready', rescuable: source.offersObex ? ['contacts', 'calendar', 'photos'] : ['contacts'] };
  } catch (error) {
    onProblem(`${id}: ${(error as Error).message}`);
    return { id, transport: 'at', manufacturer: 'unknown', model: 'unknown', serial: '', battery: null, state: 'unsupported', rescuable: [], hint: (error as Error).message };
  } finally {
    await source?.close().catch(() => undefined);
  }
}
