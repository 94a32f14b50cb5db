/**
 * The objects an MTP phone simulator serves: a device image's storage/ folder as MTP objects with
 * handles, parents, formats and times, as Android's MtpServer or a feature phone presents them.
 *
 * - Handles are given in walk order (names sorted by UTF-16 code unit), starting at 1; folders are
 *   associations (format 0x3001, type Generic Folder). Symbolic links are not served.
 * - The format of a file comes from its name, as phones do (Android's MediaScanner, Nokia's file
 *   system): .jpg → EXIF/JPEG, .vcf → vCard 2 or 3 by its VERSION line, and so on. A camera-like
 *   responder (QEMU's usb-mtp) calls everything 0x3000; `formats: "undefined"` does that.
 * - Bytes are read from the file when asked, a slice at a time: nothing is kept in memory.
 * - Objects can also be synthetic (hostile modes add some): their bytes come from a function.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ASSOCIATION_GENERIC_FOLDER, Format } from '../../protocols/mtp/mtp-codes.ts';

export interface SimObject {
  readonly handle: number;
  /** 0 for objects in the storage's root (the ObjectInfo ParentObject of a root object is 0). */
  readonly parent: number;
  readonly name: string;
  readonly format: number;
  readonly isFolder: boolean;
  readonly size: number;
  readonly mtimeMs: number;
  /** Reads `length` bytes at `offset` (fewer at the end). */
  readonly read: (offset: number, length: number) => Promise<Uint8Array>;
}

export const STORAGE_ID = 0x0001_0001;

export class MtpObjectStore {
  readonly #objects = new Map<number, SimObject>();
  readonly #children = new Map<number, number[]>();
  #next = 1;

  get size(): number {
    return this.#objects.size;
  }

  get(handle: number): SimObject | undefined {
    return this.#objects.get(handle);
  }

  /** Children of a folder (0: the root), in the order they were added. */
  children(parent: number): readonly number[] {
    return this.#children.get(parent) ?? [];
  }

  all(): IterableIterator<SimObject> {
    return this.#objects.values();
  }

  add(object: Omit<SimObject, 'handle'> & { handle?: number }): SimObject {
    const handle = object.handle ?? this.#next++;
    const full: SimObject = { ...object, handle };
    this.#objects.set(handle, full);
    const siblings = this.#children.get(object.parent) ?? [];
    siblings.push(handle);
    this.#children.set(object.parent, siblings);
    if (object.isFolder && !this.#children.has(handle)) this.#children.set(handle, []);
    return full;
  }

  /** Makes a folder's listing say something else (a hostile phone). */
  setChildren(parent: number, handles: number[]): void {
    this.#children.set(parent, handles);
  }

  folder(parent: number, name: string, mtimeMs: number): SimObject {
    return this.add({ parent, name, format: Format.Association, isFolder: true, size: 0, mtimeMs, read: async () => new Uint8Array(0) });
  }

  bytesObject(parent: number, name: string, bytes: Uint8Array, mtimeMs: number, format = formatOfName(name, bytes)): SimObject {
    return this.add({
      parent,
      name,
      format,
      isFolder: false,
      size: bytes.length,
      mtimeMs,
      read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    });
  }
}

export interface StoreOptions {
  /** "by-name" (phones) or "undefined" (QEMU's usb-mtp: every file 0x3000). */
  readonly formats?: 'by-name' | 'undefined';
  /**
   * Serve "NAME#N" as "NAME": a folder on disk cannot hold two files of one name, an iPhone's
   * PTP folder can (libgphoto2 de-duplicates its listings for this reason), so an image keeps
   * the second IMG_0001.JPG as "IMG_0001.JPG#2".
   */
  readonly duplicateNames?: boolean;
}

/** "IMG_0001.JPG#2" → "IMG_0001.JPG" (see StoreOptions.duplicateNames). */
export function servedName(name: string): string {
  return name.replace(/#\d+$/, '');
}

/** The image's storage/ folder as objects. */
export function loadStorage(storageDir: string, options: StoreOptions = {}): MtpObjectStore {
  const store = new MtpObjectStore();
  if (!fs.existsSync(storageDir)) return store;
  const walk = (dir: string, parent: number) => {
    const names = fs.readdirSync(dir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const diskName of names) {
      const full = path.join(dir, diskName);
      const name = options.duplicateNames ? servedName(diskName) : diskName;
      const stat = fs.lstatSync(full, { bigint: true });
      const mtimeMs = Number(stat.mtimeNs / 1_000_000n);
      if (stat.isDirectory()) {
        const folder = store.folder(parent, name, mtimeMs);
        walk(full, folder.handle);
      } else if (stat.isFile()) {
        const size = Number(stat.size);
        const head = readHead(full);
        store.add({
          parent,
          name,
          format: options.formats === 'undefined' ? Format.Undefined : formatOfName(name, head),
          isFolder: false,
          size,
          mtimeMs,
          read: (offset, length) => readSlice(full, offset, Math.max(0, Math.min(length, size - offset))),
        });
      }
    }
  };
  walk(storageDir, 0);
  return store;
}

function readHead(file: string): Uint8Array {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const head = Buffer.alloc(256);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

async function readSlice(file: string, offset: number, length: number): Promise<Uint8Array> {
  if (length <= 0) return new Uint8Array(0);
  const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

const FORMAT_BY_EXTENSION: Record<string, number> = {
  jpg: Format.EXIF_JPEG,
  jpeg: Format.EXIF_JPEG,
  png: Format.PNG,
  gif: Format.GIF,
  bmp: Format.BMP,
  tif: Format.TIFF,
  tiff: Format.TIFF,
  dng: Format.DNG,
  heic: Format.HEIF,
  heif: Format.HEIF,
  mp4: Format.MP4Container,
  m4v: Format.MP4Container,
  '3gp': Format.ThreeGPContainer,
  mov: Format.QuickTime,
  avi: Format.AVI,
  mpg: Format.MPEG,
  mpeg: Format.MPEG,
  wmv: Format.WMV,
  asf: Format.ASF,
  mp3: Format.MP3,
  wav: Format.WAV,
  txt: Format.Text,
  html: Format.HTML,
  htm: Format.HTML,
  vcs: Format.vCalendar1,
  ics: Format.vCalendar2,
};

/** The format a phone would give a file of this name (vCards by their VERSION line). */
export function formatOfName(name: string, head: Uint8Array = new Uint8Array(0)): number {
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (extension === 'vcf') {
    const text = Buffer.from(head).toString('latin1');
    return /VERSION:\s*2\.1/i.test(text) ? Format.vCard2 : Format.vCard3;
  }
  return FORMAT_BY_EXTENSION[extension] ?? Format.Undefined;
}

export { ASSOCIATION_GENERIC_FOLDER };
