import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Contact } from '../../model/contact.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { MediaEntry } from '../../model/media.ts';
import { readAndroidCalendar } from '../../readers/android-calendar-db.ts';
import { readAndroidContacts } from '../../readers/android-contacts-db.ts';
import { walkStorageMedia } from '../../readers/storage-media.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { parseDeviceJson } from './device-json.ts';

/**
 * A device image: a folder that stands for a phone, as a forensic copy or a simulator has it.
 *
 *   device.json               who the phone is (see device-json.ts)
 *   storage/                  shared storage (DCIM, Pictures ...), optional
 *   providers/contacts2.db    Android's contacts database, optional
 *   providers/calendar.db     Android's calendar database, optional
 *
 * What is present is decided when the image is opened; a part that disappears afterwards means
 * the image went away (an unplugged disk), which is SourceLostError, not "empty".
 */
export async function openDeviceImage(dir: string): Promise<DeviceSource> {
  const root = path.resolve(dir);
  const notAnImage = (why: string) => new BadInputError(`${dir} is not a device image: ${why}`);
  const rootStat = await fs.promises.stat(root).catch(() => undefined);
  if (!rootStat) throw notAnImage('there is no such folder');
  if (!rootStat.isDirectory()) throw notAnImage('it is not a folder');

  const deviceJsonPath = path.join(root, 'device.json');
  let deviceJsonText: string;
  try {
    deviceJsonText = await fs.promises.readFile(deviceJsonPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw notAnImage(code === 'ENOENT' ? 'it has no device.json' : `device.json cannot be read (${code ?? String(error)})`);
  }
  const identity = parseDeviceJson(deviceJsonText, deviceJsonPath);

  const storageDir = path.join(root, 'storage');
  const hasStorage = await isKind(storageDir, 'folder', notAnImage);
  const contactsDb = path.join(root, 'providers', 'contacts2.db');
  const calendarDb = path.join(root, 'providers', 'calendar.db');
  const hasContacts = await isKind(contactsDb, 'file', notAnImage);
  const hasCalendar = await isKind(calendarDb, 'file', notAnImage);

  /** Turns "not there" into SourceLostError when the whole image, not one file, went away. */
  const lostOr = async (error: unknown, what: string): Promise<unknown> => {
    if (error instanceof SourceLostError) return error;
    const imageThere = await fs.promises.stat(deviceJsonPath).then(() => true, () => false);
    if (!imageThere) return new SourceLostError(`the device image ${dir} went away while reading ${what}; reconnect it and run again`);
    return error;
  };

  async function* fromDatabase<T>(present: boolean, dbPath: string, read: (p: string) => Generator<T>): AsyncGenerator<T> {
    if (!present) return;
    try {
      yield* read(dbPath);
    } catch (error) {
      throw await lostOr(error, path.relative(root, dbPath));
    }
  }

  let closed = false;
  const ensureOpen = () => {
    if (closed) throw new Error(`device image ${dir} is closed`);
  };

  return {
    description: `device image ${dir}`,
    async identity(): Promise<DeviceIdentity> {
      ensureOpen();
      return structuredClone(identity);
    },
    contacts(): AsyncIterable<Contact> {
      ensureOpen();
      return fromDatabase(hasContacts, contactsDb, readAndroidContacts);
    },
    calendarEvents(onSkip?: (reason: string) => void): AsyncIterable<CalendarEvent> {
      ensureOpen();
      return fromDatabase(hasCalendar, calendarDb, (p) => readAndroidCalendar(p, { onSkip }));
    },
    media(): AsyncIterable<MediaEntry> {
      ensureOpen();
      return hasStorage ? walkStorageMedia(storageDir) : (async function* () {})();
    },
    async openMedia(entry: MediaEntry, fromOffset = 0): Promise<Readable> {
      ensureOpen();
      if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) throw new RangeError(`fromOffset must be a whole number >= 0, got ${fromOffset}`);
      if (!hasStorage) throw new BadInputError(`${dir} has no storage folder, so it has no ${entry.path}`);
      const filePath = await resolveInside(storageDir, entry.path);
      let handle: fs.promises.FileHandle;
      try {
        handle = await fs.promises.open(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      } catch (error) {
        throw await mediaFailure(error, entry.path, storageDir, lostOr);
      }
      return Readable.from(readChunks(handle, fromOffset, entry.path, storageDir, lostOr), { objectMode: false });
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

async function isKind(p: string, kind: 'file' | 'folder', notAnImage: (why: string) => BadInputError): Promise<boolean> {
  const stat = await fs.promises.lstat(p).catch(() => undefined);
  if (!stat) return false;
  const ok = kind === 'file' ? stat.isFile() : stat.isDirectory();
  if (!ok) throw notAnImage(`${path.basename(p)} should be a ${kind}${stat.isSymbolicLink() ? ', not a symbolic link' : ''}`);
  return true;
}

/**
 * The file an entry names, refusing anything that would leave storage: absolute paths, '..',
 * and symbolic links anywhere on the way (the walk never lists those).
 */
async function resolveInside(storageDir: string, entryPath: string): Promise<string> {
  const segments = entryPath.split('/');
  const refuse = () => new BadInputError(`refusing to read "${entryPath}": it is not a path inside the image's storage`);
  if (entryPath.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) throw refuse();
  const filePath = path.join(storageDir, ...segments);
  const parent = path.dirname(filePath);
  const realStorage = await fs.promises.realpath(storageDir).catch(() => storageDir);
  const realParent = await fs.promises.realpath(parent).catch(() => undefined);
  // A missing parent is reported when opening the file; a parent that resolves elsewhere is refused.
  if (realParent !== undefined && realParent !== realStorage && !realParent.startsWith(realStorage + path.sep)) throw refuse();
  if (realParent !== undefined && path.relative(realStorage, realParent) !== path.dirname(segments.join(path.sep)).replace(/^\.$/, '')) {
    throw refuse(); // some folder on the way is a symbolic link
  }
  return filePath;
}

const CHUNK_BYTES = 256 * 1024;

async function* readChunks(
  handle: fs.promises.FileHandle,
  fromOffset: number,
  entryPath: string,
  storageDir: string,
  lostOr: (error: unknown, what: string) => Promise<unknown>,
): AsyncGenerator<Buffer> {
  try {
    let position = fromOffset;
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position));
      } catch (error) {
        throw await mediaFailure(error, entryPath, storageDir, lostOr);
      }
      if (bytesRead === 0) return;
      position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * EIO is a disk going away under us; ENOENT is either the image gone (lost) or this one file
 * deleted since the listing, which the rescue records as a skipped item (a plain Error).
 */
async function mediaFailure(
  error: unknown,
  entryPath: string,
  storageDir: string,
  lostOr: (error: unknown, what: string) => Promise<unknown>,
): Promise<unknown> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EIO' || code === 'ENODEV' || code === 'ENXIO' || code === 'ESTALE' || code === 'ENOTCONN') {
    return new SourceLostError(`reading ${entryPath} failed (${code}): the device image is no longer readable; reconnect it and run again`);
  }
  const lost = await lostOr(error, entryPath);
  if (lost instanceof SourceLostError) return lost;
  const storageThere = await fs.promises.stat(storageDir).then((s) => s.isDirectory(), () => false);
  if (!storageThere) return new SourceLostError(`the storage folder ${storageDir} went away while reading ${entryPath}; reconnect it and run again`);
  if (code === 'ELOOP') return new BadInputError(`refusing to read ${entryPath}: it is a symbolic link`);
  if (code === 'ENOENT') return new Error(`${entryPath} is no longer in the device image (${code})`);
  return error;
}
