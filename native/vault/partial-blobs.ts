import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { syncDir, writeAll } from '../util/files.ts';
import type { BlobStore, StoredBlob } from './blob-store.ts';

/**
 * Large files that a cut cable left half-read, kept so that the next run goes on from where the
 * last one stopped instead of from byte 0 (a 4 GB video over a flaky cable).
 *
 * Each partial is two files under `partial/`: `<key>.part`, the bytes so far, and `<key>.len`,
 * how many of them are known to be on the disk (written after an fsync of the data, by rename).
 * After a crash the data file may hold more than `.len` says, with garbage in the tail; it is cut
 * back to `.len`. The key names the file on the phone and its size and time, so a file that
 * changed on the phone since is never continued from a stale start.
 *
 * A partial is not rescued data: it counts only once whole, hashed and moved into the blob store.
 */
const CHECKPOINT_BYTES = 8 * 1024 * 1024;

export interface ResumableRead {
  /** The bytes from `fromOffset` on. */
  open(fromOffset: number): Promise<AsyncIterable<Uint8Array>>;
  /** Sees every byte in order: first those already kept (`kept` true), then those read now. */
  onChunk?(chunk: Uint8Array, kept: boolean): void;
}

export class PartialBlobs {
  constructor(
    private readonly dir: string,
    private readonly blobs: BlobStore,
  ) {}

  static keyOf(parts: readonly (string | number)[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  private files(key: string): { data: string; length: string } {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`not a partial key: ${key}`);
    return { data: path.join(this.dir, `${key}.part`), length: path.join(this.dir, `${key}.len`) };
  }

  /** How many bytes of `key` are safely kept (0 when none). */
  async keptBytes(key: string): Promise<number> {
    const { data, length } = this.files(key);
    try {
      const recorded = Number((await fs.readFile(length, 'utf8')).trim());
      const actual = (await fs.stat(data)).size;
      return Number.isSafeInteger(recorded) && recorded >= 0 ? Math.min(recorded, actual) : 0;
    } catch {
      return 0;
    }
  }

  /**
   * Reads the rest of the file into the partial, then stores the whole as a blob. A failure
   * keeps what was read (flushed, and counted in `.len`) for the next call, and is rethrown.
   */
  async complete(key: string, read: ResumableRead): Promise<StoredBlob> {
    await fs.mkdir(this.dir, { recursive: true });
    const { data } = this.files(key);
    const kept = await this.keptBytes(key);
    // Append mode: every write lands at the end, after the kept bytes (cut back below).
    const file = await fs.open(data, 'a', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    let durable = kept;
    try {
      await file.truncate(kept); // what a crash left past the last checkpoint is not trusted
      if (kept > 0) {
        for await (const chunk of createReadStream(data, { start: 0, end: kept - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.byteLength;
          read.onChunk?.(chunk, true);
        }
      }
      let sinceCheckpoint = 0;
      for await (const chunk of await read.open(kept)) {
        hash.update(chunk);
        read.onChunk?.(chunk, false);
        await writeAll(file, chunk);
        size += chunk.byteLength;
        sinceCheckpoint += chunk.byteLength;
        if (sinceCheckpoint >= CHECKPOINT_BYTES) {
          await this.checkpoint(key, file, size);
          durable = size;
          sinceCheckpoint = 0;
        }
      }
      await file.sync();
    } catch (err) {
      // Keep what arrived for the next run; if even that fails, the last checkpoint stands.
      if (size > durable) await this.checkpoint(key, file, size).catch(() => undefined);
      await file.close().catch(() => undefined);
      throw err;
    }
    await file.close();
    const sha256 = hash.digest('hex');
    await this.blobs.adopt(data, sha256);
    await this.discard(key);
    return { sha256, size };
  }

  /** Forgets a partial (the file is not wanted after all, or it is whole now). */
  async discard(key: string): Promise<void> {
    const { data, length } = this.files(key);
    await fs.rm(data, { force: true });
    await fs.rm(length, { force: true });
  }

  /** Forgets every partial: called once a run has read everything it listed. */
  async discardAll(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  private async checkpoint(key: string, file: fs.FileHandle, size: number): Promise<void> {
    await file.sync();
    const { length } = this.files(key);
    const tmp = `${length}.tmp`;
    await fs.writeFile(tmp, String(size));
    const handle = await fs.open(tmp, 'r');
    await handle.sync().finally(() => handle.close());
    await fs.rename(tmp, length);
    await syncDir(this.dir);
  }
}
