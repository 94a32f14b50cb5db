import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DeviceIdentity } from '../../model/device.ts';
import { isDict, parsePlist, type PlistValue } from '../../readers/ios-plist.ts';
import { backupIdentity } from './backup-identity.ts';

/**
 * Where iTunes and Finder keep iPhone backups, one folder per phone (named after its UDID):
 *   macOS    ~/Library/Application Support/MobileSync/Backup   (reading it may need Full Disk Access)
 *   Windows  %APPDATA%\Apple Computer\MobileSync\Backup         (iTunes from apple.com)
 *            %USERPROFILE%\Apple\MobileSync\Backup              (iTunes from the Microsoft Store)
 * LIFEBOAT_BACKUP_ROOTS (folders separated by the platform's path delimiter) replaces these,
 * for tests and for backups kept elsewhere (an external disk).
 */
export function backupRoots(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string[] {
  const override = env.LIFEBOAT_BACKUP_ROOTS;
  if (override !== undefined) return override.split(path.delimiter).filter((p) => p.trim() !== '');
  const home = os.homedir();
  if (platform === 'darwin') return [path.join(home, 'Library', 'Application Support', 'MobileSync', 'Backup')];
  if (platform === 'win32') {
    const roots: string[] = [];
    if (env.APPDATA) roots.push(path.win32.join(env.APPDATA, 'Apple Computer', 'MobileSync', 'Backup'));
    roots.push(path.win32.join(env.USERPROFILE ?? home, 'Apple', 'MobileSync', 'Backup'));
    return roots;
  }
  return [];
}

export interface FoundBackup {
  dir: string;
  identity: DeviceIdentity;
  encrypted: boolean;
  /** When the folder is not a backup Lifeboat can read, why. */
  problem?: string;
}

/** Plists beyond this are not read while listing (Info.plist with many app icons can be large). */
const MAX_LISTING_PLIST_BYTES = 64 * 1024 * 1024;

/** Every backup folder under the roots, newest first. Unreadable roots are told to `onProblem`, never thrown. */
export function findBackups(roots: string[], onProblem?: (message: string) => void): FoundBackup[] {
  const found: FoundBackup[] = [];
  for (const root of roots) {
    let names: string[];
    try {
      names = fs.readdirSync(root);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') onProblem?.(`cannot list the backups in ${root} (${code ?? String(error)})${code === 'EPERM' || code === 'EACCES' ? '; on macOS give this app Full Disk Access' : ''}`);
      continue;
    }
    for (const name of names.sort()) {
      const dir = path.join(root, name);
      const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
      if (!stat?.isDirectory()) continue;
      const manifest = readSmallPlist(path.join(dir, 'Manifest.plist'));
      if (manifest === 'absent') continue; // not a backup folder
      const info = readSmallPlist(path.join(dir, 'Info.plist'));
      const status = readSmallPlist(path.join(dir, 'Status.plist'));
      const plist = (v: PlistValue | string) => (typeof v === 'string' && (v === 'absent' || v.startsWith('!')) ? undefined : (v as PlistValue));
      const identity = backupIdentity(plist(info), plist(manifest), plist(status), dir);
      const encrypted = isDict(plist(manifest)) && (plist(manifest) as Record<string, PlistValue>).IsEncrypted === true;
      const entry: FoundBackup = { dir, identity, encrypted };
      if (typeof manifest === 'string') entry.problem = `Manifest.plist is damaged (${manifest.slice(1)})`;
      else if (!fs.existsSync(path.join(dir, 'Manifest.db'))) entry.problem = 'it has no Manifest.db (a backup from before iOS 10, or an unfinished one)';
      found.push(entry);
    }
  }
  const time = (b: FoundBackup) => (typeof b.identity.extra?.backupDate === 'string' ? Date.parse(b.identity.extra.backupDate) : 0);
  return found.sort((a, b) => time(b) - time(a));
}

/** The plist, 'absent', or '!why' when it cannot be read. */
function readSmallPlist(file: string): PlistValue | string {
  try {
    const stat = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!stat) return 'absent';
    if (!stat.isFile()) return '!not a regular file';
    if (stat.size > MAX_LISTING_PLIST_BYTES) return '!too large';
    return parsePlist(fs.readFileSync(file));
  } catch (error) {
    return `!${(error as Error).message}`;
  }
}
