import { LockdownClient } from '../../protocols/lockdown/lockdown-client.ts';
import { optionalString, asDict } from '../../protocols/usbmux/plist-xml.ts';
import { usbmuxAddress, usbmuxMayBeThere, type UsbmuxAddress } from '../../protocols/usbmux/usbmux-address.ts';
import { UsbmuxClient, type UsbmuxDevice } from '../../protocols/usbmux/usbmux-client.ts';
import type { Category } from '../../rescue/categories.ts';
import { connectIphone } from './iphone-connect.ts';
import { IPHONE_RECORDS_HINT } from './iphone-source.ts';
import { PairRecordStore } from './pair-record-store.ts';

/** One iPhone as `devices` lists it (the same shape as the other phones' listings). */
export interface IphoneListing {
  id: string;
  transport: 'iphone';
  manufacturer: string;
  model: string;
  serial: string;
  battery: number | null;
  /** ready | needs-trust | unsupported */
  state: string;
  rescuable: Category[];
  hint?: string;
}

/**
 * The iPhones the system's usbmuxd sees. Listing never asks a phone to trust this computer (that
 * is the rescue's step, with the owner watching): a phone Lifeboat has paired with is asked who
 * it is and its battery in a session; another one tells only its public name and type.
 */
export async function listIphones(onProblem: (message: string) => void, options: { address?: UsbmuxAddress; dataDir?: string } = {}): Promise<IphoneListing[]> {
  const address = options.address ?? usbmuxAddress();
  if (!usbmuxMayBeThere(address)) return []; // no Apple stack on this computer: nothing to say
  const usbmux = new UsbmuxClient(address);
  let devices;
  try {
    devices = await usbmux.listDevices();
  } catch (error) {
    if (address.kind === 'tcp' && process.env.USBMUXD_SOCKET_ADDRESS === undefined) return []; // Windows without Apple Devices
    onProblem(`iPhones: ${(error as Error).message}`);
    return [];
  }
  const store = new PairRecordStore(options.dataDir);
  const listings: IphoneListing[] = [];
  const seen = new Set<string>();
  for (const device of devices) {
    if (seen.has(device.udid)) continue; // on USB and Wi-Fi at once
    seen.add(device.udid);
    listings.push(await describeIphone(usbmux, device, { store, dataDir: options.dataDir }));
  }
  return listings;
}

/**
 * One iPhone usbmuxd reports, said as a listing. Never asks the phone to trust this computer:
 * with Lifeboat's pair record it is asked who it is in a session, else only its public values.
 */
export async function describeIphone(usbmux: UsbmuxClient, device: UsbmuxDevice, options: { store?: PairRecordStore; dataDir?: string } = {}): Promise<IphoneListing> {
  const store = options.store ?? new PairRecordStore(options.dataDir);
  const base = { id: `iphone:${device.udid}`, transport: 'iphone' as const, manufacturer: 'Apple', model: 'iPhone', serial: device.udid, battery: null };
  if (store.load(device.udid)) {
    try {
      const connection = await connectIphone({ udid: device.udid, usbmux, dataDir: options.dataDir, mayPair: false });
      connection.close();
      const v = connection.values;
      return {
        ...base,
        model: optionalString(v, 'ProductType') ?? 'iPhone',
        serial: optionalString(v, 'SerialNumber') ?? device.udid,
        battery: connection.battery,
        state: 'ready',
        rescuable: ['photos'],
        hint: IPHONE_RECORDS_HINT,
      };
    } catch (error) {
      return { ...base, state: 'needs-trust', rescuable: [], hint: `${(error as Error).message}` };
    }
  }
  let lockdown: LockdownClient | undefined;
  try {
    lockdown = await LockdownClient.connect(usbmux, device.deviceId);
    const values = asDict((await lockdown.getValue()) ?? {}, 'lockdown values');
    return {
      ...base,
      model: optionalString(values, 'ProductType') ?? 'iPhone',
      state: 'needs-trust',
      rescuable: ['photos'],
      hint: `rescue --device iphone:${device.udid} asks the phone to trust this computer: tap "Trust" on it; ${IPHONE_RECORDS_HINT}`,
    };
  } catch (error) {
    return { ...base, state: 'unsupported', rescuable: [], hint: (error as Error).message };
  } finally {
    lockdown?.close();
  }
}
