import { Readable } from 'node:stream';
import { AdbSyncError, LinuxFileType, type Adb, type AdbSync, type AdbSyncEntry } from '@yume-chan/adb';
import type { FoundMedia } from '../../model/media.ts';
import { BadInputError } from '../errors.ts';
import type { Heartbeat } from './stall-watchdog.ts';
import type { SyncPool } from './sync-pool.ts';

/**
 * Photos and videos over ADB's sync service (what `adb pull` uses): DCIM, Pictures and Movies of
 * the shared storage (/sdcard), and the same folders on removable cards (/storage/XXXX-XXXX).
 *
 * Listing uses LIS2 where the phone offers ls_v2 (64-bit sizes), else LIST (the library picks).
 * Symbolic links are never followed; `.thumbnails` (the gallery's cache) is skipped; names are
 * sorted by UTF-16 code unit so two runs list the same way: all as the device-image walker does.
 *
 * Every regular file is listed without its type: what a file is, is decided by its content, and
 * over ADB the rescue decides that from the first bytes of the transfer itself (a text file named
 * x.jpg is dropped there, a photo without extension kept). Reading each file's head beforehand
 * cost a sync connection and a round trip or two per file, which is most of what made a pull of
 * many photos slower than `adb pull`.
 *
 * Times: the sync service gives modification times in whole seconds (LIST and LIS2 alike), so
 * mtimeMs is a multiple of 1000.
 */

/** Where a MediaEntry's path points on the phone; paths of removable cards start with storage/XXXX-XXXX/. */
const SHARED_STORAGE = '/sdcard';
// In the order the device-image walker meets them (UTF-16 code units), so both list alike.
const MEDIA_FOLDERS = ['DCIM', 'Movies', 'Pictures'];
const REMOVABLE = /^[0-9A-F]{4}-[0-9A-F]{4}$/i;
const SKIPPED_FOLDERS = new Set(['.thumbnails']);

/**
 * `fileFailed` turns an error met on one file or folder into what to do: undefined to leave that
 * item out (the phone said FAIL: missing, no permission), or the error to stop the walk with
 * (the connection is gone, or the phone broke the protocol).
 */
export type FileFailure = (error: unknown) => Promise<unknown | undefined>;

export async function* walkAdbMedia(adb: Adb, fileFailed: FileFailure, heartbeat?: Heartbeat): AsyncGenerator<FoundMedia> {
  const lister = await adb.sync();
  try {
    const roots: string[] = [...MEDIA_FOLDERS];
    let cards: AdbSyncEntry[] = [];
    try {
      cards = await listNames(lister, '/storage');
    } catch (error) {
      const stop = await fileFailed(error);
      if (stop !== undefined) throw stop;
    }
    for (const card of cards) {
      if (REMOVABLE.test(card.name) && card.type === LinuxFileType.Directory) {
        roots.push(...MEDIA_FOLDERS.map((folder) => `storage/${card.name}/${folder}`));
      }
    }
    for (const root of roots) yield* walkFolder(lister, root, fileFailed, heartbeat);
  } finally {
    await lister.dispose().catch(() => undefined);
  }
}

/** The phone's path of an entry, refusing anything that would leave the folders we list. */
export function devicePathOf(entryPath: string): string {
  const segments = entryPath.split('/');
  const refuse = () => new BadInputError(`refusing to read "${entryPath}": it is not a path in the phone's photo folders`);
  if (entryPath.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..')) throw refuse();
  if (segments[0] === 'storage') {
    if (segments.length < 4 || !REMOVABLE.test(segments[1]!) || !MEDIA_FOLDERS.includes(segments[2]!)) throw refuse();
    return `/${entryPath}`;
  }
  if (!MEDIA_FOLDERS.includes(segments[0]!)) throw refuse();
  return `${SHARED_STORAGE}/${entryPath}`;
}

async function* walkFolder(lister: AdbSync, relative: string, fileFailed: FileFailure, heartbeat?: Heartbeat): AsyncGenerator<FoundMedia> {
  let entries: AdbSyncEntry[];
  try {
    entries = await listNames(lister, devicePathOf(`${relative}/x`).slice(0, -2));
    heartbeat?.beat();
  } catch (error) {
    const stop = await fileFailed(error);
    if (stop !== undefined) throw stop;
    return; // a folder that is missing or cannot be read is left out; the walk goes on
  }
  for (const entry of entries) {
    const childRelative = `${relative}/${entry.name}`;
    if (entry.type === LinuxFileType.Directory) {
      if (SKIPPED_FOLDERS.has(entry.name.toLowerCase())) continue;
      yield* walkFolder(lister, childRelative, fileFailed, heartbeat);
    } else if (entry.type === LinuxFileType.File) {
      yield { path: childRelative, size: Number(entry.size), mtimeMs: Number(entry.mtime) * 1000 };
    }
    // links, sockets, FIFOs and devices are not photos
  }
}

/**
 * A folder's entries, sorted, without ".", "..", and names that cannot be a file name here (a
 * "/" or NUL from a lying device) or were not UTF-8 (decoded with U+FFFD, so unreachable again).
 */
async function listNames(sync: AdbSync, devicePath: string): Promise<AdbSyncEntry[]> {
  const entries = await sync.readdir(devicePath);
  return entries
    .filter((e) => e.name !== '.' && e.name !== '..' && e.name !== '' && !/[/\0\uFFFD]/.test(e.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * The file's bytes from `fromOffset`, as a Node stream that reads from the phone only as fast as
 * it is consumed (web-stream backpressure down to ADB's flow control). Sync RECV always starts
 * at byte 0, so resuming still receives the skipped bytes; they are dropped, not kept.
 */
export async function openAdbMedia(
  pool: SyncPool,
  entry: FoundMedia,
  fromOffset: number,
  wrapError: (error: unknown) => Promise<unknown>,
  watch: (chunks: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array> = (chunks) => chunks,
): Promise<Readable> {
  const devicePath = devicePathOf(entry.path);
  const sync = await pool.take();
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let skip = fromOffset;
    let complete = false;
    let received = 0;
    const limit = entry.size + Math.max(entry.size, MORE_THAN_LISTED_BYTES);
    const reader = sync.read(devicePath).getReader();
    const fromPhone = async function* (): AsyncGenerator<Uint8Array> {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    };
    try {
      for await (const chunk of watch(fromPhone())) {
        received += chunk.length;
        if (received > limit) {
          throw new BadInputError(
            `the phone went on sending ${entry.path} past ${limit} bytes, though it listed the file as ${entry.size} bytes; the copy was stopped`,
          );
        }
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        yield skip > 0 ? chunk.subarray(skip) : chunk;
        skip = 0;
      }
      complete = true;
    } catch (error) {
      throw await wrapError(error);
    } finally {
      if (complete) {
        pool.giveBack(sync);
      } else {
        // Stopped half-way (not a photo after all, a cancel, a full disk, a phone that would not
        // stop): the library would read the rest of the file to keep the connection in step,
        // so the connection is closed first, and only then the read given up.
        await pool.discard(sync);
        reader.cancel().catch(() => undefined);
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1024 * 1024 });
}

/**
 * How far a file may outgrow the size it was listed with: a photo edited or a video still being
 * written between listing and reading grows, but a phone that never stops sending is broken.
 */
const MORE_THAN_LISTED_BYTES = 16 * 1024 * 1024;

/** The phone's own "cannot" for one file (FAIL: no such file, permission denied ...). */
export function isFileRefusal(error: unknown): boolean {
  return error instanceof AdbSyncError;
}
