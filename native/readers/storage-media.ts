import fs from 'node:fs';
import path from 'node:path';
import { BadInputError, SourceLostError } from '../adapters/errors.ts';
import type { MediaEntry } from '../model/media.ts';
import { SNIFF_BYTES, sniffMediaType } from './media-type.ts';

/**
 * Every photo and video under a copy of a phone's shared storage (the folder a device image
 * calls storage/), in a fixed order so that two runs list the same thing the same way.
 *
 * - Names are sorted by UTF-16 code unit (plain `<`), never by locale, so the order is the same on
 *   every machine.
 * - Symbolic links are never followed, and a folder that turns out to resolve outside the
 *   storage folder is left out: an image must not make us read the rest of the disk.
 * - `.thumbnails` folders are caches of the gallery, not the user's photos.
 * - Only the first bytes of each file are read, to tell media from the rest by content.
 * - A file that cannot be read is left out; the walk goes on. If the storage folder itself is
 *   gone (the image was unmounted), SourceLostError: the rescue can resume later.
 */
export async function* walkStorageMedia(storageDir: string): AsyncGenerator<MediaEntry> {
  let root: string;
  try {
    root = await fs.promises.realpath(storageDir);
    if (!(await fs.promises.stat(root)).isDirectory()) throw new BadInputError(`${storageDir} is not a folder`);
  } catch (error) {
    if (error instanceof BadInputError) throw error;
    throw new SourceLostError(`the storage folder ${storageDir} is gone (${codeOf(error)}); reconnect it and run again`);
  }
  yield* walkFolder(root, '', storageDir);
}

const SKIPPED_FOLDERS = new Set(['.thumbnails']);

async function* walkFolder(root: string, relative: string, storageDir: string): AsyncGenerator<MediaEntry> {
  const folder = relative === '' ? root : path.join(root, relative);
  let names: string[];
  try {
    names = await listNames(folder);
  } catch (error) {
    await failIfRootLost(root, storageDir, error);
    return; // an unreadable folder is left out
  }
  for (const name of names) {
    const childRelative = relative === '' ? name : `${relative}/${name}`;
    const childPath = path.join(root, childRelative);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.lstat(childPath);
    } catch (error) {
      await failIfRootLost(root, storageDir, error);
      continue;
    }
    if (stat.isDirectory()) {
      if (SKIPPED_FOLDERS.has(name.toLowerCase())) continue;
      if (!(await staysInside(root, childPath))) continue;
      yield* walkFolder(root, childRelative, storageDir);
    } else if (stat.isFile()) {
      const entry = await sniffFile(root, childPath, childRelative, storageDir);
      if (entry) yield entry;
    }
    // Symbolic links, sockets, FIFOs and devices are not photos.
  }
}

/**
 * Names as the file system has them. Names that are not valid UTF-8 cannot be named again
 * through a JavaScript string, so they are left out rather than turned into a wrong path.
 */
async function listNames(folder: string): Promise<string[]> {
  const raw = await fs.promises.readdir(folder, { encoding: 'buffer' });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const names: string[] = [];
  for (const bytes of raw) {
    try {
      names.push(decoder.decode(bytes));
    } catch {
      // not UTF-8: skipped
    }
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

async function sniffFile(root: string, filePath: string, relative: string, storageDir: string): Promise<MediaEntry | undefined> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    // O_NOFOLLOW: a file swapped for a link after lstat is refused; O_NONBLOCK: a FIFO swapped in
    // cannot hang the walk.
    handle = await fs.promises.open(filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    // BigInt times: the float mtimeMs of a plain stat can be off by one millisecond.
    const stat = await handle.stat({ bigint: true });
    if (!stat.isFile()) return undefined;
    const size = Number(stat.size);
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    const { bytesRead } = head.length > 0 ? await handle.read(head, 0, head.length, 0) : { bytesRead: 0 };
    const sniffed = sniffMediaType(head.subarray(0, bytesRead), relative);
    if (!sniffed) return undefined;
    const mtimeMs = Number(stat.mtimeNs / 1_000_000n) - (stat.mtimeNs < 0n && stat.mtimeNs % 1_000_000n !== 0n ? 1 : 0);
    return { path: relative, size, mtimeMs, mediaType: sniffed.mediaType, kind: sniffed.kind };
  } catch (error) {
    await failIfRootLost(root, storageDir, error);
    return undefined; // unreadable (permissions, I/O error on one file): left out, the walk goes on
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** A folder entered through a rename race or a bind trick must still be under the root. */
async function staysInside(root: string, folder: string): Promise<boolean> {
  try {
    const real = await fs.promises.realpath(folder);
    return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  } catch {
    return false;
  }
}

/** Tells one missing file (skip it) from the whole storage folder gone (stop: SourceLostError). */
async function failIfRootLost(root: string, storageDir: string, error: unknown): Promise<void> {
  const code = codeOf(error);
  if (!['ENOENT', 'ENOTDIR', 'EIO', 'ENODEV', 'ENXIO', 'ESTALE', 'ENOTCONN'].includes(code)) return;
  try {
    const stat = await fs.promises.stat(root);
    if (stat.isDirectory()) return;
  } catch {
    // fall through: the root is gone
  }
  throw new SourceLostError(`the storage folder ${storageDir} went away during the walk (${code}); reconnect it and run again`);
}

function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String(error);
}
