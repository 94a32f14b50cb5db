import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from './blob-store.ts';
import { PartialBlobs } from './partial-blobs.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-partial-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const whole = randomBytes(20 * 1024 * 1024 + 123);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A phone that gives the file from an offset in 1 MiB chunks and fails after `failAfter` bytes. */
function reader(failAfter = Infinity, seen: { from: number[]; kept: number; read: number } = { from: [], kept: 0, read: 0 }) {
  return {
    seen,
    open: async (from: number) => {
      seen.from.push(from);
      return (async function* () {
        for (let at = from; at < whole.length; at += 1 << 20) {
          if (at - from >= failAfter) throw new Error('cable pulled');
          yield whole.subarray(at, Math.min(at + (1 << 20), whole.length));
        }
      })();
    },
    onChunk: (chunk: Uint8Array, kept: boolean) => {
      if (kept) seen.kept += chunk.length;
      else seen.read += chunk.length;
    },
  };
}

describe('partial blobs', () => {
  it('goes on from what a cut-short read kept, and stores the whole file under its digest', async () => {
    const store = new BlobStore(path.join(dir, 'a', 'blobs'), path.join(dir, 'a', 'tmp'));
    const partials = new PartialBlobs(path.join(dir, 'a', 'partial'), store);
    const key = PartialBlobs.keyOf(['phone', 'DCIM/big.mp4', whole.length, 1]);
    await expect(partials.complete(key, reader(12 * 1024 * 1024))).rejects.toThrow('cable pulled');
    expect(await partials.keptBytes(key)).toBe(12 * 1024 * 1024);

    const second = reader();
    const blob = await partials.complete(key, second);
    expect(blob).toEqual({ sha256: sha(whole), size: whole.length });
    expect(second.seen).toEqual({ from: [12 * 1024 * 1024], kept: 12 * 1024 * 1024, read: whole.length - 12 * 1024 * 1024 });
    expect(fs.readFileSync(store.pathOf(blob.sha256)).equals(whole)).toBe(true);
    expect(await partials.keptBytes(key)).toBe(0);
  });

  it('trusts only the flushed length: bytes a crash left past it are cut off and read again', async () => {
    const store = new BlobStore(path.join(dir, 'b', 'blobs'), path.join(dir, 'b', 'tmp'));
    const partialDir = path.join(dir, 'b', 'partial');
    const partials = new PartialBlobs(partialDir, store);
    const key = PartialBlobs.keyOf(['phone', 'DCIM/crash.mp4', whole.length, 1]);
    await expect(partials.complete(key, reader(9 * 1024 * 1024))).rejects.toThrow('cable pulled');
    // A crash after more bytes were written but before their length was recorded: garbage tail.
    fs.appendFileSync(path.join(partialDir, `${key}.part`), randomBytes(3 * 1024 * 1024));
    const again = reader();
    const blob = await partials.complete(key, again);
    expect(again.seen.from).toEqual([9 * 1024 * 1024]);
    expect(blob.sha256).toBe(sha(whole));
    expect(fs.readFileSync(store.pathOf(blob.sha256)).equals(whole)).toBe(true);
  });

  it('starts from 0 when the length file is missing or nonsense', async () => {
    const store = new BlobStore(path.join(dir, 'c', 'blobs'), path.join(dir, 'c', 'tmp'));
    const partialDir = path.join(dir, 'c', 'partial');
    const partials = new PartialBlobs(partialDir, store);
    const key = PartialBlobs.keyOf(['phone', 'DCIM/x.jpg', whole.length, 1]);
    fs.mkdirSync(partialDir, { recursive: true });
    fs.writeFileSync(path.join(partialDir, `${key}.part`), randomBytes(5000));
    fs.writeFileSync(path.join(partialDir, `${key}.len`), 'not a number');
    const fresh = reader();
    expect((await partials.complete(key, fresh)).sha256).toBe(sha(whole));
    expect(fresh.seen.from).toEqual([0]);
  });
});
