import { backupRoots, findBackups } from '../adapters/iphone-backup/find-backups.ts';
import { CATEGORIES } from '../rescue/categories.ts';
import type { DeviceListing } from './devices-command.ts';

/**
 * iPhone backups (iTunes/Finder) in the usual places, as `devices` lines: id backup:DIR, which
 * `rescue --device` accepts as well as `rescue --backup DIR`. Listing reads only the small plists;
 * an encrypted backup is listed as needing its password, which is asked for at rescue time.
 */
export function backupListings(onProblem: (message: string) => void, env: NodeJS.ProcessEnv = process.env): DeviceListing[] {
  return findBackups(backupRoots(env), onProblem).map((b) => {
    const id = b.identity;
    const name = typeof id.extra?.deviceName === 'string' ? ` "${id.extra.deviceName}"` : '';
    const date = typeof id.extra?.backupDate === 'string' ? ` of ${id.extra.backupDate.slice(0, 10)}` : '';
    const listing: DeviceListing = {
      id: `backup:${b.dir}`,
      transport: 'iphone-backup',
      manufacturer: id.manufacturer,
      model: id.model,
      serial: id.serial,
      battery: null,
      state: b.problem ? 'unsupported' : b.encrypted ? 'needs-password' : 'ready',
      rescuable: b.problem ? [] : [...CATEGORIES],
      hint: b.problem ?? `backup${name}${date}${b.encrypted ? ', encrypted: the rescue asks for its password' : ''}`,
    };
    return listing;
  });
}
