import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../adapters/errors.ts';
import { SealedBlobStore, SealedPartialBlobs } from './sealed-blob-store.ts';
import { CHUNK_BYTES, HEADER_BYTES, RECORD_BYTES, SealBrokenError } from './sealed-chunks.ts';
import { KeyDestroyedError, SessionKey } from './session-key.ts';
import { PartialBlobs } from './partial-blobs.ts';
import { SEALED_MARKER_FILE, Vault } from './vault.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sealed-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function allFiles(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(root, e.name);
    return e.isDirectory() ? allFiles(p) : [p];
  });
}

/** Whether any file under root holds any of the byte runs. */
function findRuns(root: string, runs: Buffer[]): string[] {
  const hits: string[] = [];
  for (const file of allFiles(root)) {
    const bytes = fs.readFileSync(file);
    for (const run of runs) if (bytes.includes(run)) hits.push(`${path.relative(root, file)} holds ${run.subarray(0, 12).toString('hex')}...`);
  }
  return hits;
}

/** Byte runs taken from the middle and the ends of each 64 KiB of a plaintext. */
function runsOf(bytes: Buffer): Buffer[] {
  const runs: Buffer[] = [];
  for (let at = 0; at + 32 <= bytes.length; at += 20_000) runs.push(bytes.subarray(at, at + 32));
  if (bytes.length >= 32) runs.push(bytes.subarray(bytes.length - 32));
  return runs;
}

function store(name: string, key = SessionKey.create()) {
  const root = path.join(dir, name);
  return { root, key, blobs: new SealedBlobStore(path.join(root, 'blobs'), path.join(root, 'tmp'), key) };
}

describe('sealed blobs', () => {
  it('gives back every size exactly, under a name that does not show the plaintext hash, with no plaintext on disk', async () => {
    const { root, blobs } = store('sizes');
    const sizes = [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES, 1_000_003];
    const plain = sizes.map((n) => randomBytes(n));
    for (const bytes of plain) {
      // Fed in awkward pieces: 1000 bytes, then the rest.
      const stored = await blobs.put([bytes.subarray(0, 1000), bytes.subarray(1000)]);
      expect(stored).toEqual({ sha256: sha(bytes), size: bytes.length });
      expect((await readAll(blobs.open(stored.sha256))).equals(bytes)).toBe(true);
      expect(await blobs.rehash(stored.sha256)).toEqual(stored);
      const file = blobs.pathOf(stored.sha256);
      expect(path.basename(file)).not.toContain(stored.sha256);
      expect(path.basename(file)).toMatch(/^[0-9a-f]{64}$/);
      const records = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
      expect(fs.statSync(file).size).toBe(HEADER_BYTES + bytes.length + records * 28);
    }
    const names = allFiles(root).map((f) => path.basename(f)).join('\n');
    for (const bytes of plain) expect(names).not.toContain(sha(bytes));
    expect(findRuns(root, plain.flatMap(runsOf))).toEqual([]);
    expect(allFiles(path.join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a record dropped, reordered, repeated, swapped from another blob, edited, cut, or read with another key', async () => {
    const { blobs, key } = store('tamper');
    const a = randomBytes(3 * CHUNK_BYTES + 500);
    const b = randomBytes(3 * CHUNK_BYTES + 500);
    const sa = await blobs.put([a]);
    const sb = await blobs.put([b]);
    const fileA = blobs.pathOf(sa.sha256);
    const fileB = blobs.pathOf(sb.sha256);
    const good = fs.readFileSync(fileA);
    const other = fs.readFileSync(fileB);
    const rec = (buf: Buffer, i: number) => buf.subarray(HEADER_BYTES + i * RECORD_BYTES, Math.min(buf.length, HEADER_BYTES + (i + 1) * RECORD_BYTES));
    const head = good.subarray(0, HEADER_BYTES);
    const flipped = Buffer.from(good);
    flipped[HEADER_BYTES + RECORD_BYTES + 100]! ^= 1;
    const tampered: Record<string, Buffer> = {
      'last record dropped': good.subarray(0, HEADER_BYTES + 3 * RECORD_BYTES),
      'middle record dropped': Buffer.concat([head, rec(good, 0), rec(good, 2), rec(good, 3)]),
      'records 0 and 1 swapped': Buffer.concat([head, rec(good, 1), rec(good, 0), rec(good, 2), rec(good, 3)]),
      'record 1 repeated': Buffer.concat([head, rec(good, 0), rec(good, 1), rec(good, 1), rec(good, 2), rec(good, 3)]),
      'record 1 from another blob': Buffer.concat([head, rec(good, 0), rec(other, 1), rec(good, 2), rec(good, 3)]),
      "another blob's header": Buffer.concat([other.subarray(0, HEADER_BYTES), good.subarray(HEADER_BYTES)]),
      'one bit flipped': flipped,
      'cut inside the last record': good.subarray(0, good.length - 7),
      'a record appended': Buffer.concat([good, rec(good, 3)]),
      'header magic edited': Buffer.concat([Buffer.from('XXXXXXXX'), good.subarray(8)]),
    };
    for (const [what, bytes] of Object.entries(tampered)) {
      fs.writeFileSync(fileA, bytes);
      await expect(readAll(blobs.open(sa.sha256)), what).rejects.toBeInstanceOf(SealBrokenError);
      await expect(blobs.rehash(sa.sha256), what).rejects.toBeInstanceOf(SealBrokenError);
    }
    fs.writeFileSync(fileA, good);
    expect((await readAll(blobs.open(sa.sha256))).equals(a)).toBe(true);
    // The same files under another session's key: nothing opens.
    const stranger = new SealedBlobStore(path.dirname(path.dirname(fileA)), path.join(dir, 'tamper', 'tmp2'), SessionKey.create());
    const strangerView = Object.assign(Object.create(stranger) as SealedBlobStore, { pathOf: () => fileA });
    await expect(readAll(strangerView.open(sa.sha256))).rejects.toBeInstanceOf(SealBrokenError);
    // And once the key is destroyed, not even this store reads or writes.
    key.destroy();
    expect(() => blobs.open(sa.sha256)).toThrow(KeyDestroyedError);
    await expect(blobs.put([Buffer.from('x')])).rejects.toBeInstanceOf(KeyDestroyedError);
  });

  it('destroying the key zeroes the master and every subkey', () => {
    const key = SessionKey.create();
    const names = key.subkey('blob-names');
    const chunks = key.subkey('blob-chunks');
    expect(names.equals(Buffer.alloc(32))).toBe(false);
    expect(names.equals(chunks)).toBe(false);
    const at = key.destroy(1234);
    expect(at).toBe(1234);
    expect(key.destroyed).toBe(true);
    expect(key.destroyedAtMs).toBe(1234);
    expect(names.equals(Buffer.alloc(32))).toBe(true);
    expect(chunks.equals(Buffer.alloc(32))).toBe(true);
    expect(() => key.subkey('blob-names')).toThrow(KeyDestroyedError);
  });
});

describe('sealed partials', () => {
  const whole = randomBytes(20 * 1024 * 1024 + 123);
  function reader(failAfter = Infinity, seen = { from: [] as number[], kept: 0, read: 0 }) {
    return {
      seen,
      open: async (from: number) =>
        (async function* () {
          seen.from.push(from);
          for (let at = from; at < whole.length; at += 1 << 20) {
            if (at - from >= failAfter) throw new Error('cable pulled');
            yield whole.subarray(at, Math.min(at + (1 << 20), whole.length));
          }
        })(),
      onChunk: (chunk: Uint8Array, kept: boolean) => {
        if (kept) seen.kept += chunk.length;
        else seen.read += chunk.length;
      },
    };
  }

  it('keeps a cut-short read sealed, goes on from its whole records, and stores the whole blob', async () => {
    const { root, blobs, key } = store('partial');
    const partials = new SealedPartialBlobs(path.join(root, 'partial'), blobs, key);
    const partialKey = PartialBlobs.keyOf(['phone', 'DCIM/big.mp4', whole.length, 1]);
    await expect(partials.complete(partialKey, reader(12 * 1024 * 1024 + 5000))).rejects.toThrow('cable pulled');
    const kept = await partials.keptBytes(partialKey);
    expect(kept % CHUNK_BYTES).toBe(0);
    expect(kept).toBeGreaterThanOrEqual(12 * 1024 * 1024);
    // What is kept on the disk is sealed, under a name that is not the (hashable) partial key.
    expect(findRuns(root, runsOf(whole.subarray(0, kept)))).toEqual([]);
    expect(allFiles(root).join('\n')).not.toContain(partialKey);
    // A crash left a garbage tail after the last checkpoint: it is cut off.
    const part = allFiles(path.join(root, 'partial')).find((f) => f.endsWith('.part'))!;
    fs.appendFileSync(part, randomBytes(100_000));
    const second = reader();
    const blob = await partials.complete(partialKey, second);
    expect(blob).toEqual({ sha256: sha(whole), size: whole.length });
    expect(second.seen).toEqual({ from: [kept], kept, read: whole.length - kept });
    expect((await readAll(blobs.open(blob.sha256))).equals(whole)).toBe(true);
    expect(allFiles(path.join(root, 'partial'))).toEqual([]);
  });

  it('starts from byte 0 when the kept part does not authenticate', async () => {
    const { root, blobs, key } = store('partial-bad');
    const partials = new SealedPartialBlobs(path.join(root, 'partial'), blobs, key);
    const partialKey = PartialBlobs.keyOf(['phone', 'DCIM/bad.mp4', whole.length, 1]);
    await expect(partials.complete(partialKey, reader(9 * 1024 * 1024))).rejects.toThrow('cable pulled');
    const part = allFiles(path.join(root, 'partial')).find((f) => f.endsWith('.part'))!;
    const bytes = fs.readFileSync(part);
    bytes[HEADER_BYTES + 5 * RECORD_BYTES + 17]! ^= 0xff;
    fs.writeFileSync(part, bytes);
    const again = reader();
    const blob = await partials.complete(partialKey, again);
    expect(again.seen).toEqual({ from: [0], kept: 0, read: whole.length });
    expect(blob.sha256).toBe(sha(whole));
  });
});

describe('sealed vault', () => {
  const contact = { displayName: 'Philippa Quarrington-Oyelaran', phones: [{ value: '+64 21 555 0199' }] };

  it('keeps the catalog in memory and every blob sealed; verify reads through the seal; the folder cannot be opened again', async () => {
    const vaultDir = path.join(dir, 'vault');
    const key = SessionKey.create();
    const vault = await Vault.open(vaultDir, { create: true, sealedBy: key });
    expect(vault.sealed).toBe(true);
    const device = vault.registerDevice({ transport: 'adb', vendorId: 1, productId: 2, manufacturer: 'Acme', model: 'One', serial: 'SERIAL-XYZ-998877', battery: 50 });
    const run = vault.startRun(device.id, 'test', ['contacts', 'photos'], 50);
    vault.putRecords(run, device.id, 'contact', [{ sourceKey: 'c1', record: contact }]);
    const photo = randomBytes(300_000);
    const blob = await vault.storeBlobResumable(device.id, PartialBlobs.keyOf([device.id, 'DCIM/IMG_0001.jpg', photo.length, 5]), {
      open: async () =>
        (async function* () {
          yield photo.subarray(0, 100_000);
          yield photo.subarray(100_000);
        })(),
    });
    vault.recordMedia(run, device.id, { entry: { path: 'DCIM/IMG_0001.jpg', size: photo.length, mtimeMs: 5, mediaType: 'image/jpeg', kind: 'photo' }, capture: { utcMillis: 5, source: 'device-mtime' } }, blob);
    vault.finishRun(run, 'done', { contacts: 1 });

    expect((await readAll(vault.openBlob(blob.sha256))).equals(photo)).toBe(true);
    expect(await vault.verify()).toEqual([]);
    const onDisk = allFiles(vaultDir).map((f) => path.relative(vaultDir, f));
    expect(onDisk).toContain(SEALED_MARKER_FILE);
    expect(onDisk.some((f) => f.includes('catalog'))).toBe(false);
    const needles = [...runsOf(photo), ...['Philippa', 'Quarrington', '555 0199', 'SERIAL-XYZ', 'IMG_0001', blob.sha256].map((s) => Buffer.from(s))];
    expect(findRuns(vaultDir, needles)).toEqual([]);

    // A damaged blob is found by verify (through the seal).
    const file = allFiles(path.join(vaultDir, 'blobs'))[0]!;
    const good = fs.readFileSync(file);
    const bad = Buffer.from(good);
    bad[bad.length - 3]! ^= 1;
    fs.writeFileSync(file, bad);
    const problems = await vault.verify();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^damaged: media DCIM\/IMG_0001\.jpg .*fails authentication/);
    fs.writeFileSync(file, good);

    vault.close();
    key.destroy();
    await expect(Vault.open(vaultDir, { create: false })).rejects.toThrow(/sealed store-mode session folder/);
    await expect(Vault.open(vaultDir, { create: true, sealedBy: SessionKey.create() })).rejects.toBeInstanceOf(BadInputError);
  });
});
