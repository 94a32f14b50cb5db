/**
 * The phone's storages walked folder by folder: GetObjectHandles(storage, all formats, folder),
 * then GetObjectInfo of each child. Not GetObjectHandles(all, 0, 0) in one go: QEMU's responder
 * answers it with the root only, and Android takes minutes for a big card. Not
 * GetObjectPropList: broken on Android (libmtp turns it off there).
 *
 * Against a hostile phone:
 * - a folder is entered once (a folder listing its own ancestor is a cycle, not followed), and at
 *   most MAX_DEPTH deep; an object listed twice is taken once;
 * - of a folder's children only folders and objects to rescue are kept while the folder is
 *   sorted, so 100,000 other entries cost time, not memory;
 * - names become safe path segments: "/", "\", control characters are replaced, "." and ".."
 *   and empty names become "object-HANDLE"; two objects that end up with one path get the
 *   handle added;
 * - an object whose ObjectInfo cannot be read, and a cycle, are reported as refused items (the
 *   rescue lists them as skipped, with the reason) and the walk goes on.
 */
import { ASSOCIATION_GENERIC_FOLDER, Format, ROOT_PARENT } from '../../protocols/mtp/mtp-codes.ts';
import { MtpFormatError } from '../../protocols/mtp/mtp-container.ts';
import { parsePtpDateTime, type ObjectInfo } from '../../protocols/mtp/mtp-datasets.ts';
import { MtpProtocolError, MtpResponseError } from '../../protocols/mtp/mtp-errors.ts';
import type { MtpSession } from '../../protocols/mtp/mtp-session.ts';
import { realStorages } from './iphone-trust.ts';
import { classifyObject, type ObjectKind } from './mtp-classify.ts';

export interface WalkedObject {
  readonly type: 'object';
  readonly path: string;
  readonly handle: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly kind: ObjectKind;
}

export interface RefusedObject {
  readonly type: 'refused';
  readonly path: string;
  readonly reason: string;
}

export type WalkItem = WalkedObject | RefusedObject;

const MAX_DEPTH = 64;
const SKIPPED_FOLDERS = new Set(['.thumbnails']);

/** Whether an error concerns one object only (the session found its footing again). */
export function isObjectError(error: unknown): boolean {
  return error instanceof MtpResponseError || error instanceof MtpProtocolError || error instanceof MtpFormatError;
}

export async function* walkMtpStorages(session: MtpSession, onProgress?: () => void): AsyncGenerator<WalkItem> {
  // An iPhone's placeholder storage (0xFEEDFACE) is never walked: it stands for "not trusted yet".
  const storages = realStorages(await session.storageIds());
  const visitedFolders = new Set<number>();
  const seenObjects = new Set<number>();
  const usedPaths = new Set<string>();
  for (const [index, storageId] of storages.entries()) {
    // The first storage is the shared storage a device image's storage/ stands for; others (an
    // SD card) get a folder of their own.
    let prefix = '';
    if (index > 0) {
      const info = await session.storageInfo(storageId).catch(() => undefined);
      prefix = `${safeSegment(info?.description || info?.volumeLabel || '', `storage-${storageId.toString(16)}`)} (${storageId.toString(16)})/`;
    }
    yield* walkFolder(session, storageId, ROOT_PARENT, prefix, 0, { visitedFolders, seenObjects, usedPaths, onProgress });
  }
}

interface WalkState {
  visitedFolders: Set<number>;
  seenObjects: Set<number>;
  usedPaths: Set<string>;
  onProgress?: (() => void) | undefined;
}

interface Child {
  name: string;
  handle: number;
  folder: boolean;
  info?: ObjectInfo;
  kind?: ObjectKind;
  refused?: string;
}

async function* walkFolder(session: MtpSession, storageId: number, parent: number, prefix: string, depth: number, state: WalkState): AsyncGenerator<WalkItem> {
  let handles: number[];
  try {
    handles = await session.objectHandles(storageId, 0, parent);
  } catch (error) {
    if (!isObjectError(error)) throw error;
    yield { type: 'refused', path: uniquePath(`${prefix}folder-${parent.toString(16)}`, parent, state), reason: `the phone could not list this folder: ${(error as Error).message}` };
    return;
  }
  const children: Child[] = [];
  for (const handle of handles) {
    state.onProgress?.();
    if (handle === parent || state.visitedFolders.has(handle)) {
      children.push({ name: `object-${handle}`, handle, folder: false, refused: 'the phone lists a folder inside itself (a folder cycle); it is not followed' });
      continue;
    }
    if (state.seenObjects.has(handle)) continue;
    state.seenObjects.add(handle);
    let info: ObjectInfo;
    try {
      info = await session.objectInfo(handle);
    } catch (error) {
      if (!isObjectError(error)) throw error;
      children.push({ name: `object-${handle}`, handle, folder: false, refused: `the phone's description of this object could not be read: ${(error as Error).message}` });
      continue;
    }
    const folder = info.format === Format.Association || info.associationType === ASSOCIATION_GENERIC_FOLDER;
    if (folder) {
      if (SKIPPED_FOLDERS.has(info.filename.toLowerCase())) continue;
      children.push({ name: safeSegment(info.filename, `object-${handle}`), handle, folder: true });
      continue;
    }
    const kind = classifyObject(info.format, info.filename);
    if (kind) children.push({ name: safeSegment(info.filename, `object-${handle}`), handle, folder: false, info, kind });
    // Everything else (music, documents, 100,000 notes) is dropped at once: only its handle stays seen.
  }
  // By UTF-16 code unit, never by locale, as the device-image walker sorts.
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    if (child.refused !== undefined) {
      yield { type: 'refused', path: uniquePath(`${prefix}${child.name}`, child.handle, state), reason: child.refused };
      continue;
    }
    if (child.folder) {
      if (state.visitedFolders.has(child.handle)) {
        yield { type: 'refused', path: uniquePath(`${prefix}${child.name}`, child.handle, state), reason: 'the phone lists this folder twice (a folder cycle); it is not followed again' };
        continue;
      }
      if (depth + 1 > MAX_DEPTH) {
        yield { type: 'refused', path: uniquePath(`${prefix}${child.name}`, child.handle, state), reason: `folders nest deeper than ${MAX_DEPTH} levels; the rest is not followed` };
        continue;
      }
      state.visitedFolders.add(child.handle);
      yield* walkFolder(session, storageId, child.handle, `${prefix}${child.name}/`, depth + 1, state);
      continue;
    }
    const info = child.info!;
    let size: number | undefined;
    try {
      size = await session.objectSize(child.handle, info);
    } catch (error) {
      if (!isObjectError(error)) throw error;
      yield { type: 'refused', path: uniquePath(`${prefix}${child.name}`, child.handle, state), reason: `the phone could not say how big this object is: ${(error as Error).message}` };
      continue;
    }
    if (size === undefined) {
      yield { type: 'refused', path: uniquePath(`${prefix}${child.name}`, child.handle, state), reason: 'the object is 4 GiB or more and the phone cannot say its exact size' };
      continue;
    }
    // The phone's own time of the file: modification time, else creation time.
    const mtimeMs = parsePtpDateTime(info.modificationDate) ?? parsePtpDateTime(info.captureDate) ?? 0;
    yield { type: 'object', path: uniquePath(`${prefix}${child.name}`, child.handle, state), handle: child.handle, size, mtimeMs, kind: child.kind! };
  }
}

/** A name as one safe path segment; `fallback` when nothing usable is left. */
export function safeSegment(name: string, fallback: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  if (cleaned === '' || cleaned === '.' || cleaned === '..' || /^_*\.\._*$/.test(cleaned)) return fallback;
  return cleaned;
}

function uniquePath(candidate: string, handle: number, state: WalkState): string {
  let path = candidate;
  if (state.usedPaths.has(path)) {
    const slash = path.lastIndexOf('/');
    const dot = path.lastIndexOf('.');
    path = dot > slash + 1 ? `${path.slice(0, dot)} (object ${handle})${path.slice(dot)}` : `${path} (object ${handle})`;
  }
  state.usedPaths.add(path);
  return path;
}
