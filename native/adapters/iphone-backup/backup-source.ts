import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Contact } from '../../model/contact.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia } from '../../model/media.ts';
import { readIosCalendar } from '../../readers/ios-calendar-db.ts';
import { readIosContacts } from '../../readers/ios-addressbook-db.ts';
import { isDict, parsePlist, type PlistValue } from '../../readers/ios-plist.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { decryptFileTo, openPayload } from './backup-cipher.ts';
import { backupIdentity } from './backup-identity.ts';
import { parseKeybag, unlockKeybag, unwrapClassedKey } from './backup-keybag.ts';
import { ManifestDb, type ManifestRow } from './manifest-db.ts';

export interface BackupOpenOptions {
  /** Asked only when the backup is encrypted; the password is used to unlock and then dropped. */
  password?: () => Promise<string>;
  /** Told before the slow key derivation (about 10,000,000 PBKDF2 rounds on a real backup). */
  onUnlocking?: () => void;
  /** Rows of Manifest.db that were left out (hostile or damaged), and why. */
  onProblem?: (message: string) => void;
}

/** Where the three databases live in a backup (domain, relativePath). */
export const ADDRESS_BOOK = { domain: 'HomeDomain', relativePath: 'Library/AddressBook/AddressBook.sqlitedb' };
export const ADDRESS_BOOK_IMAGES = { domain: 'HomeDomain', relativePath: 'Library/AddressBook/AddressBookImages.sqlitedb' };
export const CALENDAR = { domain: 'HomeDomain', relativePath: 'Library/Calendar/Calendar.sqlitedb' };
export const CAMERA_ROLL = { domain: 'CameraRollDomain', prefix: 'Media/' + 'DCIM/' };

/** Info.plist can carry app icons and iTunes file lists; anything beyond this is not a real one. */
const MAX_PLIST_BYTES = 256 * 1024 * 1024;

/**
 * An iTunes/Finder backup folder as a read-only DeviceSource.
 *
 * Nothing in the backup folder is ever written. Databases are copied (and, for an encrypted
 * backup, decrypted) into a private temporary folder (mode 0700) that close() removes: SQLite
 * needs a real file, and a database's -wal sibling must sit beside it under the same name.
 * Photos and videos are streamed straight from the backup, decrypted on the fly.
 */
export async function openIphoneBackup(dir: string, options: BackupOpenOptions = {}): Promise<DeviceSource> {
  const root = path.resolve(dir);
  const notABackup = (why: string) => new BadInputError(`${dir} is not an iPhone backup folder: ${why}`);
  const rootStat = await fs.promises.stat(root).catch(() => undefined);
  if (!rootStat) throw notABackup('there is no such folder');
  if (!rootStat.isDirectory()) throw notABackup('it is not a folder');

  const manifestPlist = await readPlist(root, 'Manifest.plist', true, notABackup);
  const info = await readPlist(root, 'Info.plist', false, notABackup);
  const status = await readPlist(root, 'Status.plist', false, notABackup);
  if (!isDict(manifestPlist)) throw notABackup('Manifest.plist is not a dictionary');
  const manifestDbPath = path.join(root, 'Manifest.db');
  const manifestDbStat = await fs.promises.lstat(manifestDbPath).catch(() => undefined);
  if (!manifestDbStat) throw notABackup('it has no Manifest.db (backups from before iOS 10 keep a Manifest.mbdb, which Lifeboat does not read)');
  if (!manifestDbStat.isFile()) throw notABackup('Manifest.db is not a regular file');

  const identity = backupIdentity(info, manifestPlist, status, dir);
  const encrypted = manifestPlist.IsEncrypted === true;
  const staging = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'lifeboat-backup-'));
  const removeStaging = () => fs.rmSync(staging, { recursive: true, force: true });

  let classKeys: Map<number, Buffer> | undefined;
  let manifest: ManifestDb;
  try {
    let indexPath = manifestDbPath;
    if (encrypted) {
      if (!Buffer.isBuffer(manifestPlist.BackupKeyBag)) throw notABackup('it is marked encrypted but Manifest.plist has no BackupKeyBag');
      const bag = parseKeybag(manifestPlist.BackupKeyBag);
      if (!options.password) throw new BadInputError(`${dir} is an encrypted backup: its password is needed to read it.`);
      const password = await options.password();
      options.onUnlocking?.();
      classKeys = await unlockKeybag(bag, password);
      if (Buffer.isBuffer(manifestPlist.ManifestKey)) {
        const manifestKey = unwrapClassedKey(classKeys, manifestPlist.ManifestKey, 'Manifest.plist ManifestKey');
        indexPath = path.join(staging, 'Manifest.db');
        try {
          await decryptFileTo(manifestDbPath, indexPath, manifestKey);
        } catch (error) {
          throw new BadInputError(`${dir}: Manifest.db does not decrypt with the key the password opened (${(error as Error).message}); the backup is damaged`);
        }
      }
      // Without a ManifestKey (iOS 10.0-10.1) Manifest.db itself is stored as it is.
    }
    manifest = ManifestDb.open(indexPath);
  } catch (error) {
    removeStaging();
    throw error;
  }

  /** The backup folder gone while we read it is a lost source: a later run resumes. */
  const lostOr = async (error: unknown, what: string): Promise<unknown> => {
    if (error instanceof SourceLostError || error instanceof BadInputError) return error;
    const there = await fs.promises.stat(path.join(root, 'Manifest.plist')).then(() => true, () => false);
    if (!there) return new SourceLostError(`the backup ${dir} went away while reading ${what}; reconnect its disk and run again`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EIO' || code === 'ENODEV' || code === 'ENXIO' || code === 'ESTALE' || code === 'ENOTCONN') {
      return new SourceLostError(`reading ${what} failed (${code}): the backup's disk is no longer readable; reconnect it and run again`);
    }
    return error;
  };

  /** The payload of a row, refusing anything that is not a regular file inside this backup folder. */
  const payloadPath = async (row: ManifestRow): Promise<string> => {
    const sub = path.join(root, row.fileID.slice(0, 2));
    const realRoot = await fs.promises.realpath(root);
    const realSub = await fs.promises.realpath(sub).catch(() => undefined);
    if (realSub !== undefined && realSub !== path.join(realRoot, row.fileID.slice(0, 2))) {
      throw new BadInputError(`refusing to read ${row.domain}/${row.relativePath}: its folder ${row.fileID.slice(0, 2)} leads outside the backup`);
    }
    return path.join(sub, row.fileID);
  };

  const fileKey = (row: ManifestRow): Buffer | undefined => {
    if (!classKeys) return undefined;
    if (!row.mbFile?.encryptionKey) throw new BadInputError(`${row.domain}/${row.relativePath} has no key in Manifest.db, so it cannot be decrypted`);
    return unwrapClassedKey(classKeys, row.mbFile.encryptionKey, `${row.domain}/${row.relativePath}`);
  };

  const openRow = async (row: ManifestRow, fromOffset = 0): Promise<Readable> => {
    const filePath = await payloadPath(row);
    let size = row.mbFile?.size;
    if (size === undefined) {
      if (classKeys) throw new BadInputError(`${row.relativePath}: ${row.mbFileProblem ?? 'no file record'}; an encrypted file cannot be read without it`);
      size = (await fs.promises.lstat(filePath).catch((e: unknown) => { throw payloadFailure(e, row); })).size;
    }
    return openPayload({ filePath, size, key: fileKey(row), fromOffset, failure: (e) => payloadFailure(e, row) });
  };

  const payloadFailure = (error: unknown, row: ManifestRow): unknown => {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${row.domain}/${row.relativePath}`;
    if (code === 'ELOOP') return new BadInputError(`refusing to read ${where}: its payload ${row.fileID} is a symbolic link`);
    if (code === 'ENOENT') return new Error(`${where} is listed in Manifest.db but its file ${row.fileID.slice(0, 2)}/${row.fileID} is missing (an incomplete backup)`);
    return error;
  };

  /** Copies (decrypting) a database and its -wal/-journal into the staging folder; undefined when the backup lacks it. */
  let stagedCount = 0;
  const stage = async (where: { domain: string; relativePath: string }): Promise<string | undefined> => {
    const row = manifest.find(where.domain, where.relativePath, options.onProblem);
    if (!row) return undefined;
    const folder = path.join(staging, String(stagedCount++));
    await fs.promises.mkdir(folder, { mode: 0o700 });
    const target = path.join(folder, path.basename(where.relativePath));
    for (const suffix of ['', '-wal', '-journal']) {
      const part = suffix === '' ? row : manifest.find(where.domain, where.relativePath + suffix, options.onProblem);
      if (!part) continue;
      try {
        await pipeline(await openRow(part), fs.createWriteStream(target + suffix, { flags: 'wx', mode: 0o600 }));
      } catch (error) {
        throw await lostOr(error, `${where.relativePath}${suffix}`);
      }
    }
    return target;
  };

  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error(`the backup ${dir} is closed`);
  };

  return {
    description: `iPhone backup ${dir}${encrypted ? ' (encrypted)' : ''}`,
    async identity(): Promise<DeviceIdentity> {
      ensureOpen();
      return structuredClone(identity);
    },
    async *contacts(onSkip?: (reason: string) => void): AsyncGenerator<Contact> {
      ensureOpen();
      const book = await stage(ADDRESS_BOOK);
      if (!book) return;
      const images = await stage(ADDRESS_BOOK_IMAGES).catch((error: unknown) => {
        onSkip?.(`contact photos: AddressBookImages.sqlitedb cannot be read (${(error as Error).message})`);
        return undefined;
      });
      yield* readIosContacts(book, { imagesDbPath: images, onSkip });
    },
    async *calendarEvents(onSkip?: (reason: string) => void): AsyncGenerator<CalendarEvent> {
      ensureOpen();
      const calendar = await stage(CALENDAR);
      if (!calendar) return;
      yield* readIosCalendar(calendar, { onSkip });
    },
    async *media(): AsyncGenerator<FoundMedia> {
      ensureOpen();
      for (const row of manifest.under(CAMERA_ROLL.domain, CAMERA_ROLL.prefix, options.onProblem)) {
        let size = row.mbFile?.size;
        let mtimeMs = row.mbFile?.lastModified !== undefined ? Math.round(row.mbFile.lastModified * 1000) : undefined;
        if (size === undefined || mtimeMs === undefined) {
          if (classKeys) {
            options.onProblem?.(`left out ${row.relativePath}: ${row.mbFileProblem ?? 'its file record has no time'}`);
            continue;
          }
          const stat = await fs.promises.lstat(await payloadPath(row)).catch(() => undefined);
          if (!stat?.isFile()) {
            options.onProblem?.(`left out ${row.relativePath}: its file ${row.fileID} is missing`);
            continue;
          }
          size ??= stat.size;
          mtimeMs ??= Math.round(stat.mtimeMs);
        }
        yield { path: row.relativePath.slice('Media/'.length), size, mtimeMs };
      }
    },
    async openMedia(entry: FoundMedia, fromOffset = 0): Promise<Readable> {
      ensureOpen();
      const row = manifest.find(CAMERA_ROLL.domain, `Media/${entry.path}`, options.onProblem);
      if (!row) throw new Error(`${entry.path} is no longer in the backup's Manifest.db`);
      try {
        return await openRow(row, fromOffset);
      } catch (error) {
        throw await lostOr(error, entry.path);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      manifest.close();
      removeStaging();
    },
  };
}

async function readPlist(root: string, name: string, required: boolean, notABackup: (why: string) => BadInputError): Promise<PlistValue | undefined> {
  const file = path.join(root, name);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !required) return undefined;
    if (code === 'ENOENT') throw notABackup(`it has no ${name}`);
    if (code === 'ELOOP') throw notABackup(`${name} is a symbolic link`);
    throw notABackup(`${name} cannot be read (${code ?? String(error)})`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notABackup(`${name} is not a regular file`);
    if (stat.size > MAX_PLIST_BYTES) throw notABackup(`${name} is ${stat.size} bytes, more than any backup writes`);
    const bytes = await handle.readFile();
    try {
      return parsePlist(bytes);
    } catch (error) {
      throw notABackup(`${name} is damaged (${(error as Error).message})`);
    }
  } finally {
    await handle.close();
  }
}
