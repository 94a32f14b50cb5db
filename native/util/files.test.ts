import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeHashedFile } from './files.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-files-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeHashedFile', () => {
  it('keeps the order and bytes of small and large chunks, even from a source that reuses its buffer', async () => {
    const sizes = [10, 70_000, 5, 1_100_000, 3, 3, 65_536, 900_000, 200_000, 1];
    const expected: Buffer[] = [];
    const reused = Buffer.alloc(1_200_000);
    async function* source(): AsyncGenerator<Uint8Array> {
      for (const [i, size] of sizes.entries()) {
        reused.fill(i + 1, 0, size);
        expected.push(Buffer.from(reused.subarray(0, size)));
        yield reused.subarray(0, size); // the next step overwrites it
      }
    }
    const target = path.join(dir, 'out.bin');
    const result = await writeHashedFile(target, source());
    const all = Buffer.concat(expected);
    expect(fs.readFileSync(target).equals(all)).toBe(true);
    expect(result).toEqual({ sha256: createHash('sha256').update(all).digest('hex'), size: all.length });
  });

  it('never replaces a file, and leaves nothing when the source fails', async () => {
    const target = path.join(dir, 'x');
    fs.writeFileSync(target, 'mine');
    await expect(writeHashedFile(target, [Buffer.from('new')])).rejects.toThrow(/EEXIST/);
    expect(fs.readFileSync(target, 'utf8')).toBe('mine');
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('part');
      throw new Error('gone');
    }
    await expect(writeHashedFile(path.join(dir, 'y'), broken())).rejects.toThrow('gone');
    expect(fs.existsSync(path.join(dir, 'y'))).toBe(false);
  });
});
