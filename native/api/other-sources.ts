import * as path from 'node:path';
import type { DeviceSource } from '../adapters/device-source.ts';
import { BadInputError } from '../adapters/errors.ts';
import { findBackups, type FoundBackup } from '../adapters/iphone-backup/find-backups.ts';
import { WrongPasswordError } from '../adapters/iphone-backup/backup-keybag.ts';
import type { IphoneListing } from '../adapters/iphone/iphone-listing.ts';
import { openSource } from '../cli/open-source.ts';
import { CATEGORIES } from '../rescue/categories.ts';
import type { DeviceInfo } from './api.ts';
import { ApiError } from './user-error.ts';

/**
 * Sources the window offers beside the phones on the USB bus: iPhone backup folders on this
 * computer, live iPhones through the system's usbmuxd, and simulated feature phones (AT commands
 * on an in-process serial line). None of them is a device of the USB registry, so each says who
 * it is here and opens its own DeviceSource, always through the CLI's open-source.ts, so the app
 * and `rescue` read every source the same way.
 */
export interface OtherSource {
  id: string;
  /** What the Phones screen shows, before the vault's counts are added. */
  listing: OtherListing;
  /**
   * The source, ready to read. `password` is an encrypted backup's, used here and dropped.
   * Errors are ApiErrors said for a person (wrong password, no password, phone gone).
   */
  open(how: { password?: string; onOwnerStep: (message: string) => void }): Promise<DeviceSource>;
  /** Simulated phones only: the cable is pulled (a rescue reading it ends as a lost phone). */
  pull?(): Promise<void>;
}

export type OtherListing = Pick<DeviceInfo, 'transport' | 'manufacturer' | 'model' | 'serial' | 'battery' | 'connection' | 'state' | 'rescuable' | 'problem' | 'note' | 'backup'>;

export const BACKUP_NOTE = 'contacts, calendar and the camera roll, as they were when the backup was made';
export const IPHONE_NOTE = 'photos and videos over this cable; contacts and calendar come from a backup on a computer (see Connect)';
export const AT_NOTE = 'contacts from the SIM card and the phone’s memory over AT commands; calendar and pictures do not come over this connection yet';
export const AT_OBEX_NOTE = 'contacts from the SIM card and the phone’s memory over AT commands; calendar, pictures and the phone’s own address book over OBEX on the same cable';

const NEEDS_PASSWORD = (): ApiError =>
  new ApiError('needs-password', 'This iPhone backup is encrypted: it opens only with its backup password.', 'Type the backup password (the one set in Finder or iTunes for encrypted backups, not the iPhone’s passcode), then press Rescue.');

/** The backups under the usual places (or LIFEBOAT_BACKUP_ROOTS), and single backup folders named by the person. */
export function backupSources(roots: string[], folders: string[], onProblem: (message: string) => void): OtherSource[] {
  const found = findBackups(roots, onProblem);
  for (const folder of folders) {
    const dir = path.resolve(folder);
    if (found.some((b) => path.resolve(b.dir) === dir)) continue;
    // findBackups looks at the folders inside a root: the backup's own parent is its root.
    const one = findBackups([path.dirname(dir)], onProblem).find((b) => path.resolve(b.dir) === dir);
    if (!one) throw new BadInputError(`--backup ${folder}: not an iPhone backup folder (it has no Manifest.plist).`);
    found.push(one);
  }
  return found.map(backupSource);
}

function backupSource(b: FoundBackup): OtherSource {
  const id = b.identity;
  const deviceName = typeof id.extra?.deviceName === 'string' ? id.extra.deviceName : null;
  const made = typeof id.extra?.backupDate === 'string' ? Date.parse(id.extra.backupDate) : NaN;
  const listing: OtherListing = {
    transport: 'iphone-backup',
    manufacturer: id.manufacturer,
    model: id.model,
    serial: id.serial,
    battery: null,
    connection: b.encrypted ? 'Encrypted backup folder on this computer' : 'Backup folder on this computer',
    state: b.problem ? 'unsupported' : b.encrypted ? 'needs-password' : 'ready',
    rescuable: b.problem ? [] : [...CATEGORIES],
    backup: { folder: b.dir, deviceName, madeMs: Number.isNaN(made) ? null : made, encrypted: b.encrypted },
    ...(b.problem
      ? { problem: { code: 'unsupported', message: `This backup cannot be read: ${b.problem}.`, whatToDo: 'Make a new backup of the iPhone in Finder or iTunes, then start Lifeboat again.' } }
      : { note: BACKUP_NOTE }),
  };
  return {
    id: `backup:${b.dir}`,
    listing,
    async open({ password }) {
      if (b.encrypted && (password === undefined || password === '')) throw NEEDS_PASSWORD();
      try {
        return await openSource({ backup: b.dir, ...(password === undefined ? {} : { backupPassword: async () => password }) });
      } catch (err) {
        if (err instanceof WrongPasswordError) {
          throw new ApiError('wrong-password', 'That password does not open this backup.', 'Type it again: passwords are case-sensitive. It is the backup password set in Finder or iTunes, not the iPhone’s passcode.');
        }
        throw err;
      }
    },
  };
}

/** A simulated feature phone (an image with "transport": "at"), read by the AT adapter over an in-process serial line. */
export async function simulatedAtPhone(image: string, faults: { unplugAfterBytes?: number }): Promise<OtherSource> {
  // Asked once who it is, as a phone is when it is plugged in.
  const first = await openSource({ sim: image });
  let identity;
  // An AT source says whether the phone offers OBEX (AT+CPROT=?): then calendar and pictures come too.
  const offersObex = (first as { offersObex?: boolean }).offersObex === true;
  try {
    identity = await first.identity();
  } finally {
    await first.close();
  }
  const open = new Set<DeviceSource>();
  return {
    id: `sim:${identity.serial}`,
    listing: {
      transport: 'at',
      manufacturer: identity.manufacturer,
      model: identity.model,
      serial: identity.serial,
      battery: identity.battery,
      connection: 'Simulated USB cable, USB modem (AT commands)',
      state: 'ready',
      rescuable: offersObex ? ['contacts', 'calendar', 'photos'] : ['contacts'],
      note: offersObex ? AT_OBEX_NOTE : AT_NOTE,
    },
    async open() {
      const source = await openSource({ sim: image, ...(faults.unplugAfterBytes ? { unplugAfterBytes: faults.unplugAfterBytes } : {}) });
      open.add(source);
      return {
        ...source,
        description: source.description,
        close: async () => {
          open.delete(source);
          await source.close();
        },
      };
    },
    async pull() {
      for (const source of [...open]) await source.close().catch(() => undefined);
      open.clear();
    },
  };
}

/**
 * A live iPhone as the window lists it (iphone-watch.ts tells which are attached; listing never
 * asks a phone to trust this computer). Opened through the system's usbmuxd by its UDID.
 */
export function iphoneSource(l: IphoneListing): OtherSource {
  return {
    id: l.id,
    listing: {
      transport: 'iphone',
      manufacturer: l.manufacturer,
      model: l.model,
      serial: l.serial,
      battery: l.battery,
      connection: 'USB, Apple’s iPhone service (usbmuxd)',
      state: l.state === 'ready' ? 'ready' : l.state === 'needs-trust' ? 'needs-trust' : 'unsupported',
      rescuable: l.rescuable,
      ...(l.state === 'ready' ? { note: IPHONE_NOTE } : {}),
      ...(l.state === 'needs-trust'
        ? { problem: { code: 'needs-trust', message: 'This iPhone does not trust this computer yet.', whatToDo: 'Press Rescue: the iPhone then asks “Trust This Computer?”. Unlock it, tap “Trust” and enter its passcode if it asks.' }, note: IPHONE_NOTE }
        : {}),
      ...(l.state !== 'ready' && l.state !== 'needs-trust' ? { problem: { code: 'unsupported', message: l.hint ?? 'This iPhone does not answer.', whatToDo: 'Unplug the iPhone, unlock it and plug it in again.' } } : {}),
    },
    open: ({ onOwnerStep }) => openSource({ device: l.id, onOwnerStep }),
  };
}
