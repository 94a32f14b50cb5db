import { createHash, createHmac, randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { syncDir } from '../util/files.ts';
import { hashOfBlob, sweepTemporaryFiles, type BlobStorage, type PartialStorage, type StoredBlob } from './blob-store.ts';
import type { ResumableRead } from './partial-blobs.ts';
import { CHUNK_BYTES, HEADER_BYTES, RECORD_BYTES, readSealedFile, SealBrokenError, sealedReadStream, SealedFileWriter } from './sealed-chunks.ts';
import type { SessionKey } from './session-key.ts';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Store mode's blobs: the same content-addressed store as BlobStore, but every file (blob,
 * temporary file, half-read partial) is sealed (sealed-chunks.ts), and a blob's name is
 * HMAC(name subkey, SHA-256 of its plaintext), so a name says nothing about what it holds (a
 * plain SHA-256 name would let anyone holding a known photo see that it is there).
 */
export class SealedBlobStore implements BlobStorage {
  constructor(
    private readonly blobsDir: string,
    private readonly tmpDir: string,
    private readonly key: SessionKey,
  ) {}

  nameOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return createHmac('sha256', this.key.subkey('blob-names')).update(sha256).digest('hex');
  }

  pathOf(sha256: string): string {
    const name = this.nameOf(sha256);
    return path.join(this.blobsDir, name.slice(0, 2), name);
  }

  async put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onChunk?: (chunk: Uint8Array) => void): Promise<StoredBlob> {
    await fs.mkdir(this.tmpDir, { recursive: true });
    const tmp = path.join(this.tmpDir, `${process.pid}-${randomUUID()}.sealed`);
    const writer = await SealedFileWriter.create(tmp, this.key);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.byteLength;
        onChunk?.(chunk);
        await writer.write(chunk);
      }
      await writer.finish();
    } catch (err) {
      await writer.close();
      await fs.rm(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    await this.adopt(tmp, sha256);
    return { sha256, size };
  }

  /** Moves a whole, flushed sealed file of plaintext digest `sha256` into place (or drops it: already there). */
  async adopt(file: string, sha256: string): Promise<void> {
    const dest = this.pathOf(sha256);
    if (await exists(dest)) {
      await fs.rm(file, { force: true });
    } else {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.rename(file, dest);
      await syncDir(path.dirname(dest));
    }
  }

  open(sha256: string): Readable {
    return sealedReadStream(this.pathOf(sha256), this.key);
  }

  /** Decrypts and hashes the blob; a record that fails authentication is a SealBrokenError. */
  rehash(sha256: string): Promise<StoredBlob | null> {
    return hashOfBlob(readSealedFile(this.pathOf(sha256), this.key));
  }

  sweepTemporary(): Promise<number> {
    return sweepTemporaryFiles(this.tmpDir);
  }

  partials(dir: string): PartialStorage {
    return new SealedPartialBlobs(dir, this, this.key);
  }
}

/** Bytes kept between checkpoints of a partial (as PartialBlobs does). */
const CHECKPOINT_BYTES = 8 * 1024 * 1024;

/**
 * Half-read files of store mode: the kept part is a sealed file of whole 64 KiB records, and
 * `<name>.len` says how many records are flushed (a record count says no more than the file's size
 * does). Names are HMACs of the partial's key (which hashes the file's path on the phone).
 */
export class SealedPartialBlobs implements PartialStorage {
  constructor(
    private readonly dir: string,
    private readonly blobs: SealedBlobStore,
    private readonly key: SessionKey,
  ) {}

  private files(partialKey: string): { data: string; length: string } {
    if (!HEX64.test(partialKey)) throw new Error(`not a partial key: ${partialKey}`);
    const name = createHmac('sha256', this.key.subkey('partial-names')).update(partialKey).digest('hex');
    return { data: path.join(this.dir, `${name}.part`), length: path.join(this.dir, `${name}.len`) };
  }

  /** Whole records of `partialKey` known to be on the disk. */
  async keptRecords(partialKey: string): Promise<number> {
    const { data, length } = this.files(partialKey);
    try {
      const recorded = Number((await fs.readFile(length, 'utf8')).trim());
      const onDisk = Math.floor(((await fs.stat(data)).size - HEADER_BYTES) / RECORD_BYTES);
      return Number.isSafeInteger(recorded) && recorded >= 0 ? Math.max(0, Math.min(recorded, onDisk)) : 0;
    } catch {
      return 0;
    }
  }

  async keptBytes(partialKey: string): Promise<number> {
    return (await this.keptRecords(partialKey)) * CHUNK_BYTES;
  }

  async complete(partialKey: string, read: ResumableRead): Promise<StoredBlob> {
    await fs.mkdir(this.dir, { recursive: true });
    const { data } = this.files(partialKey);
    const kept = await this.keptRecords(partialKey);
    const hash = createHash('sha256');
    let size = 0;
    let writer: SealedFileWriter | undefined;
    if (kept > 0) {
      try {
        // The kept records are authenticated (and hashed) before the rescue sees any of them, so
        // a damaged partial is read again from byte 0 without the rescue seeing bytes twice.
        for await (const chunk of readSealedFile(data, this.key, { records: kept })) {
          hash.update(chunk);
          size += chunk.byteLength;
        }
        if (read.onChunk) for await (const chunk of readSealedFile(data, this.key, { records: kept })) read.onChunk(chunk, true);
        writer = await SealedFileWriter.resume(data, this.key, kept);
      } catch (err) {
        if (!(err instanceof SealBrokenError)) throw err;
      }
    }
    if (!writer) {
      hash.destroy();
      return this.#fromScratch(partialKey, read);
    }
    return this.#continue(partialKey, read, writer, hash, size);
  }

  async #fromScratch(partialKey: string, read: ResumableRead): Promise<StoredBlob> {
    const { data } = this.files(partialKey);
    await fs.rm(data, { force: true });
    const writer = await SealedFileWriter.create(data, this.key);
    return this.#continue(partialKey, read, writer, createHash('sha256'), 0);
  }

  async #continue(
    partialKey: string,
    read: ResumableRead,
    writer: SealedFileWriter,
    hash: ReturnType<typeof createHash>,
    keptSize: number,
  ): Promise<StoredBlob> {
    const { data } = this.files(partialKey);
    let size = keptSize;
    let sinceCheckpoint = 0;
    try {
      for await (const chunk of await read.open(size)) {
        hash.update(chunk);
        read.onChunk?.(chunk, false);
        await writer.write(chunk);
        size += chunk.byteLength;
        sinceCheckpoint += chunk.byteLength;
        if (sinceCheckpoint >= CHECKPOINT_BYTES) {
          await this.#checkpoint(partialKey, await writer.flushWhole());
          sinceCheckpoint = 0;
        }
      }
      await writer.finish();
    } catch (err) {
      // Keep the whole records that arrived for the next run; if even that fails, the last checkpoint stands.
      await writer
        .flushWhole()
        .then((records) => this.#checkpoint(partialKey, records))
        .catch(() => undefined);
      await writer.close();
      throw err;
    }
    const sha256 = hash.digest('hex');
    await this.blobs.adopt(data, sha256);
    await this.discard(partialKey);
    return { sha256, size };
  }

  async discard(partialKey: string): Promise<void> {
    const { data, length } = this.files(partialKey);
    await fs.rm(data, { force: true });
    await fs.rm(length, { force: true });
  }

  async discardAll(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }

  async #checkpoint(partialKey: string, records: number): Promise<void> {
    const { length } = this.files(partialKey);
    const tmp = `${length}.tmp`;
    await fs.writeFile(tmp, String(records));
    const handle = await fs.open(tmp, 'r');
    await handle.sync().finally(() => handle.close());
    await fs.rename(tmp, length);
    await syncDir(this.dir);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
