import * as fs from 'node:fs';
import * as path from 'node:path';
import { connectAdbTcp, connectAdbUsbDevice, WAITING_FOR_OWNER_MESSAGE } from '../adapters/adb/adb-connect.ts';
import { openAdbSource } from '../adapters/adb/adb-source.ts';
import type { DeviceSource } from '../adapters/device-source.ts';
import { BadInputError } from '../adapters/errors.ts';
import { parseDeviceJson } from '../adapters/image/device-json.ts';
import { openDeviceImage } from '../adapters/image/image-source.ts';
import { isAtImage, openAtDevice, openAtImageSource } from './open-at-source.ts';
import { openIphoneBackup } from '../adapters/iphone-backup/backup-source.ts';
import { startAdbSimulator } from '../sim/adb/adb-simulator.ts';
import { adbPhoneDescriptor, adbUsbFunction } from '../sim/adb/adb-usb-function.ts';
import type { DeviceIdentity } from '../model/device.ts';
import { UsbRegistry } from '../usb/usb-registry.ts';
import { VirtualUsbDevice } from '../usb/virtual-usb.ts';
import { openMtpSource } from '../adapters/mtp/mtp-source.ts';
import { findMtpInterface } from '../protocols/mtp/mtp-detect.ts';
import { plugInMtpPhone } from '../sim/mtp/mtp-simulator.ts';
import type { UsbDevice } from '../usb/usb-device.ts';
import { openIphoneSource } from '../adapters/iphone/iphone-source.ts';

export interface SourceChoice {
  image?: string;
  sim?: string;
  device?: string;
  linkRateMBps?: number;
  unplugAfterBytes?: number;
  /** Told to the person: "Allow USB debugging?" is showing on the phone. */
  onWaitingForOwner?: () => void;
  /** An iPhone backup folder (iTunes/Finder); its password is asked for only when it is encrypted. */
  backup?: string;
  backupPassword?: () => Promise<string>;
  /** Told before deriving the backup key (seconds), and about Manifest.db rows left out. */
  onBackupNote?: (message: string) => void;
  /** Told to the person: an MTP/PTP phone shows no storage yet (an iPhone before "Trust"); what to do. */
  onOwnerStep?: (message: string) => void;
}

/** Where a rescue reads from: a device image, a simulated phone behind a virtual USB device, or a phone. */
export async function openSource(choice: SourceChoice): Promise<DeviceSource> {
  const given = [choice.image, choice.sim, choice.device, choice.backup].filter((v) => v !== undefined);
  if (given.length !== 1) {
    throw new BadInputError('rescue: name exactly one source: --image DIR, --sim IMAGE, --device ID or --backup DIR.');
  }
  if ((choice.linkRateMBps !== undefined || choice.unplugAfterBytes !== undefined) && choice.sim === undefined) {
    throw new BadInputError('rescue: --link-rate and --unplug-after go with --sim (a simulated phone).');
  }
  if (choice.image !== undefined) return isAtImage(choice.image) ? openAtImageSource(choice.image, 'image') : openDeviceImage(choice.image);
  if (choice.backup !== undefined) return openBackupFolder(choice.backup, choice);
  if (choice.sim !== undefined && isAtImage(choice.sim)) return openAtImageSource(choice.sim, 'sim', { unplugAfterBytes: choice.unplugAfterBytes });
  if (choice.sim !== undefined) return openSimulatedPhone(choice.sim, choice);
  return openDevice(choice.device!, choice);
}

/** A simulated phone plugged in: its virtual USB device, and a way to unplug and stop it. */
export interface SimulatedPhone {
  identity: DeviceIdentity;
  device: VirtualUsbDevice;
  close(): Promise<void>;
}

/**
 * The image served by its transport's simulator behind an in-process virtual USB device: to the
 * rest of Lifeboat it is a phone on the bus like any other.
 */
export async function plugInSimulatedPhone(
  imageDir: string,
  faults: { linkRateMBps?: number; unplugAfterBytes?: number; stallAfterBytes?: number },
): Promise<SimulatedPhone> {
  const deviceJson = path.join(imageDir, 'device.json');
  if (!fs.existsSync(deviceJson)) throw new BadInputError(`--sim: ${imageDir} is not a device image (it has no device.json).`);
  const identity = parseDeviceJson(fs.readFileSync(deviceJson, 'utf8'), deviceJson);
  if (identity.transport === 'mtp') {
    // The MTP simulator; the cable's rate and pull are the virtual device's own.
    const mtp = plugInMtpPhone({ imageDir, linkRateMBps: faults.linkRateMBps, unplugAfterBytes: faults.unplugAfterBytes });
    return { identity, device: mtp.device, close: () => mtp.device.close().catch(() => undefined) };
  }
  if (identity.transport !== 'adb') {
    throw new BadInputError(
      `--sim: the image's transport is "${identity.transport}"; only the ADB simulator exists so far. Use --image ${imageDir} to rescue it from the folder.`,
    );
  }
  const simulator = startAdbSimulator({
    imageDir,
    auth: 'trust-all',
    log: () => undefined,
    linkRateMBps: faults.linkRateMBps,
    unplugAfterBytes: faults.unplugAfterBytes,
    stallAfterBytes: faults.stallAfterBytes,
  });
  const device = new VirtualUsbDevice(adbPhoneDescriptor(identity), adbUsbFunction(simulator));
  return {
    identity,
    device,
    async close() {
      await device.close().catch(() => undefined);
      await simulator.close();
    },
  };
}

/** The simulated phone, reached through the same adapter a real phone is: the whole way of a byte. */
async function openSimulatedPhone(imageDir: string, choice: SourceChoice): Promise<DeviceSource> {
  const phone = await plugInSimulatedPhone(imageDir, choice);
  let source: DeviceSource;
  if (phone.identity.transport === 'mtp') {
    try {
      source = await openMtpSource(phone.device, {
        label: `simulated ${phone.identity.manufacturer} ${phone.identity.model} (MTP over a virtual USB device, image ${imageDir})`,
        onWaitingForOwner: choice.onOwnerStep,
      });
    } catch (err) {
      await phone.close();
      throw err;
    }
    return withCleanup(source, phone.close);
  }
  try {
    const adb = await connectAdbUsbDevice(phone.device, { onWaitingForOwner: choice.onWaitingForOwner });
    source = openAdbSource(adb, {
      label: `simulated ${phone.identity.manufacturer} ${phone.identity.model} (ADB over a virtual USB device, image ${imageDir})`,
      usb: { vendorId: phone.identity.vendorId, productId: phone.identity.productId },
    });
  } catch (err) {
    await phone.close();
    throw err;
  }
  return withCleanup(source, phone.close);
}

function withCleanup(source: DeviceSource, cleanup: () => Promise<void>): DeviceSource {
  return {
    description: source.description,
    identity: () => source.identity(),
    contacts: (onSkip) => source.contacts(onSkip),
    calendarEvents: (onSkip) => source.calendarEvents(onSkip),
    media: () => source.media(),
    openMedia: (entry, from) => source.openMedia(entry, from),
    async close() {
      await source.close().catch(() => undefined);
      await cleanup();
    },
  };
}

/** A phone by the id `devices` printed; for now a phone in `adb tcpip` mode: adb-tcp:HOST:PORT. */
/** An iPhone backup folder; `devices` lists the ones in the usual places as backup:DIR. */
function openBackupFolder(dir: string, choice: SourceChoice): Promise<DeviceSource> {
  return openIphoneBackup(dir, {
    password: choice.backupPassword,
    onUnlocking: () => choice.onBackupNote?.('Unlocking the encrypted backup with its password (this takes a few seconds)...'),
    onProblem: (message) => choice.onBackupNote?.(`backup: ${message}`),
  });
}

async function openDevice(id: string, choice: SourceChoice): Promise<DeviceSource> {
  if (id.startsWith('backup:')) return openBackupFolder(id.slice('backup:'.length), choice);
  // A live iPhone through the system's usbmuxd (USBMUXD_SOCKET_ADDRESS honoured), by its UDID.
  if (id.startsWith('iphone:')) return openIphoneSource({ udid: id.slice('iphone:'.length), onWaitingForOwner: choice.onOwnerStep });
  if (id.startsWith('at:')) return openAtDevice(id.slice('at:'.length));
  const tcp = /^adb-tcp:(.+)$/.exec(id);
  if (tcp) {
    const adb = await connectAdbTcp(tcp[1]!, { onWaitingForOwner: choice.onWaitingForOwner });
    return openAdbSource(adb, { label: `ADB over TCP ${tcp[1]}` });
  }
  if (id.startsWith('usb:')) {
    const registry = new UsbRegistry();
    const entry = await registry.find(id);
    if (entry && isMtpOnly(entry.device)) {
      try {
        return withCleanup(await openMtpSource(entry.device, { onWaitingForOwner: choice.onOwnerStep }), () => registry.close());
      } catch (err) {
        await registry.close();
        throw err;
      }
    }
    if (entry) {
      const adb = await connectAdbUsbDevice(entry.device, { onWaitingForOwner: choice.onWaitingForOwner });
      return withCleanup(
        openAdbSource(adb, { usb: { vendorId: entry.device.vendorId, productId: entry.device.productId } }),
        () => registry.close(),
      );
    }
    await registry.close();
  }
  throw new BadInputError(
    `--device ${id}: no such phone. Run "lifeboat devices" to list attached phones, or use adb-tcp:HOST:PORT for a phone in "adb tcpip" mode.`,
  );
}

/** A device with an MTP/PTP interface and no ADB interface: read over MTP (ADB wins where both are on). */
function isMtpOnly(device: UsbDevice): boolean {
  const adb = device.configurations.some((c) => c.interfaces.some((i) => i.alternates.some((a) => a.interfaceClass === 0xff && a.interfaceSubclass === 0x42 && a.interfaceProtocol === 0x01)));
  return !adb && findMtpInterface(device) !== undefined;
}

export { WAITING_FOR_OWNER_MESSAGE };
