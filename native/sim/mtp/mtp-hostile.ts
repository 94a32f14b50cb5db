/**
 * Hostile and broken phones, for tests: each mode adds objects (in a folder of its own, honest
 * objects stay honest) or twists one answer, so a test can check that Lifeboat ends by itself
 * with a clear error, in bounded memory and time, and still rescues the honest files.
 */
import { makeJpeg } from '../jpeg-fixture.ts';
import { Format } from '../../protocols/mtp/mtp-codes.ts';
import type { MtpObjectStore } from './mtp-object-store.ts';

export const HOSTILE_MODES = [
  /** ObjectInfo says fewer bytes than GetObject sends. */
  'size-lies-small',
  /** ObjectInfo (0xFFFFFFFF) and ObjectSize say 5 GB; GetObject sends 40 kB. */
  'size-lies-big',
  /** A folder lists its own ancestor as a child. */
  'folder-cycle',
  /** 100,000 entries in one folder (hugeFolderEntries to change). */
  'huge-folder',
  /** Names "..", "a/b.jpg", control characters, and an ObjectInfo whose name length runs past its end. */
  'bad-names',
  /** A container whose length field is shorter than a header. */
  'malformed-container',
  /** A data phase that ends before the length its header announced. */
  'truncated-container',
  /** A response carrying another transaction's id. */
  'wrong-transaction-id',
  /** Stops sending half way through an object and never answers again. */
  'stall-mid-object',
  /** Drops off the bus half way through an object. */
  'vanish-mid-object',
] as const;

export type HostileMode = (typeof HOSTILE_MODES)[number];

export function isHostileMode(text: string): text is HostileMode {
  return (HOSTILE_MODES as readonly string[]).includes(text);
}

/** What the responder does differently, object by object. */
export interface HostilePlan {
  readonly listedSize: Map<number, number>;
  readonly malformedInfo: Set<number>;
  readonly badNameLength: Set<number>;
  readonly wrongTransactionId: Set<number>;
  readonly truncated: Set<number>;
  readonly stall: Set<number>;
  readonly vanish: Set<number>;
}

export function emptyPlan(): HostilePlan {
  return {
    listedSize: new Map(),
    malformedInfo: new Set(),
    badNameLength: new Set(),
    wrongTransactionId: new Set(),
    truncated: new Set(),
    stall: new Set(),
    vanish: new Set(),
  };
}

const TIME = Date.UTC(2024, 6, 1, 12, 0, 0);

/** Adds each mode's objects to `store` and returns the plan of twisted answers. */
export function addHostileObjects(store: MtpObjectStore, modes: readonly HostileMode[], options: { hugeFolderEntries?: number } = {}): HostilePlan {
  const plan = emptyPlan();
  if (modes.length === 0) return plan;
  const photo = (fill: number) => Buffer.concat([makeJpeg({ fillByte: fill, width: 64, height: 64 }), Buffer.alloc(40_000, fill)]);
  // "zz" folders: listed after every honest folder, so honest files come first in a rescue.
  const root = store.folder(0, 'zz-hostile', TIME);
  for (const mode of modes) {
    switch (mode) {
      case 'size-lies-small': {
        const o = store.bytesObject(root.handle, 'size-small.jpg', photo(11), TIME);
        plan.listedSize.set(o.handle, 1000);
        break;
      }
      case 'size-lies-big': {
        const o = store.bytesObject(root.handle, 'size-big.jpg', photo(12), TIME);
        plan.listedSize.set(o.handle, 5_000_000_000); // over 4 GiB: ObjectInfo says 0xFFFFFFFF, ObjectSize the lie
        break;
      }
      case 'folder-cycle': {
        const loop = store.folder(root.handle, 'loop', TIME);
        store.bytesObject(loop.handle, 'in-loop.jpg', photo(13), TIME);
        // The loop lists itself and its parent again.
        store.setChildren(loop.handle, [...store.children(loop.handle), loop.handle, root.handle]);
        break;
      }
      case 'huge-folder': {
        const huge = store.folder(root.handle, 'huge', TIME);
        const bytes = new TextEncoder().encode('not a photo\n');
        const count = options.hugeFolderEntries ?? 100_000;
        for (let i = 0; i < count; i++) store.bytesObject(huge.handle, `note-${String(i).padStart(6, '0')}.txt`, bytes, TIME, Format.Text);
        break;
      }
      case 'bad-names': {
        const names = store.folder(root.handle, 'names', TIME);
        store.bytesObject(names.handle, '..', photo(14), TIME, Format.EXIF_JPEG);
        store.bytesObject(names.handle, '../../escape.jpg', photo(15), TIME, Format.EXIF_JPEG);
        store.bytesObject(names.handle, 'bell\u0007\u001b[2J.jpg', photo(16), TIME, Format.EXIF_JPEG);
        const broken = store.bytesObject(names.handle, 'length-lies.jpg', photo(17), TIME, Format.EXIF_JPEG);
        plan.badNameLength.add(broken.handle);
        break;
      }
      case 'malformed-container':
        plan.malformedInfo.add(store.bytesObject(root.handle, 'malformed.jpg', photo(18), TIME).handle);
        break;
      case 'truncated-container':
        plan.truncated.add(store.bytesObject(root.handle, 'truncated.jpg', photo(19), TIME).handle);
        break;
      case 'wrong-transaction-id':
        plan.wrongTransactionId.add(store.bytesObject(root.handle, 'wrong-tid.jpg', photo(20), TIME).handle);
        break;
      case 'stall-mid-object': {
        const last = store.folder(0, 'zzz-last', TIME);
        plan.stall.add(store.bytesObject(last.handle, 'stall.jpg', Buffer.concat([photo(21), Buffer.alloc(400_000, 1)]), TIME).handle);
        break;
      }
      case 'vanish-mid-object': {
        const last = store.folder(0, 'zzz-last', TIME);
        plan.vanish.add(store.bytesObject(last.handle, 'vanish.jpg', Buffer.concat([photo(22), Buffer.alloc(400_000, 2)]), TIME).handle);
        break;
      }
    }
  }
  return plan;
}

/**
 * `--hostile` as people write it: modes separated by commas; "huge-folder=N" sets the number of
 * entries of the huge folder (the lab uses fewer than 100,000 over its emulated bus).
 */
export function parseHostileModes(text: string): { modes: HostileMode[]; hugeFolderEntries?: number } | { wrong: string } {
  const modes: HostileMode[] = [];
  let hugeFolderEntries: number | undefined;
  for (const word of text.split(',').filter(Boolean)) {
    const [name, value] = word.split('=', 2) as [string, string | undefined];
    if (!isHostileMode(name)) return { wrong: word };
    if (value !== undefined) {
      const n = Number(value);
      if (name !== 'huge-folder' || !Number.isSafeInteger(n) || n < 1) return { wrong: word };
      hugeFolderEntries = n;
    }
    modes.push(name);
  }
  return hugeFolderEntries === undefined ? { modes } : { modes, hugeFolderEntries };
}
