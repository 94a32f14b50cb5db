import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { syncDir, writeHashedFile } from '../util/files.ts';
import { PartialBlobs, type ResumableRead } from './partial-blobs.ts';
import { isProcessAlive } from '../util/process-alive.ts';

export interface StoredBlob {
  sha256: string;
  size: number;
}

/**
 * What the vault asks of the place its blobs live: plain files (BlobStore) or, in store mode,
 * sealed ones (SealedBlobStore). The vault's readers (export, verify, review) see plaintext either way.
 */
export interface BlobStorage {
  put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onChunk?: (chunk: Uint8Array) => void): Promise<StoredBlob>;
  open(sha256: string): Readable;
  /** What is on the disk now, hashed; null when the blob is missing. */
  rehash(sha256: string): Promise<StoredBlob | null>;
  sweepTemporary(): Promise<number>;
  /** Half-read files kept in `dir` (one folder per phone). */
  partials(dir: string): PartialStorage;
}

/** Half-read large files, kept so the next run goes on from where the last stopped (see partial-blobs.ts). */
export interface PartialStorage {
  complete(key: string, read: ResumableRead): Promise<StoredBlob>;
  discard(key: string): Promise<void>;
  discardAll(): Promise<void>;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed files, named by their SHA-256. A blob is written to a temporary file, hashed
 * while it is written, flushed to the disk, then renamed into place: after a crash it is either
 * whole under its name or not there at all.
 */
export class BlobStore implements BlobStorage {
  constructor(
    private readonly blobsDir: string,
    private readonly tmpDir: string,
  ) {}

  pathOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error(`not a SHA-256 digest: ${sha256}`);
    return path.join(this.blobsDir, sha256.slice(0, 2), sha256);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stores every byte `source` yields. `onChunk` sees each chunk as it passes (progress, capture
   * time sniffing). If the source fails midway, nothing is left behind and the error is rethrown.
   */
  async put(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onChunk?: (chunk: Uint8Array) => void): Promise<StoredBlob> {
    await fs.mkdir(this.tmpDir, { recursive: true });
    // Named by the writing process, so a sweep leaves the files of other live rescues alone.
    const tmp = path.join(this.tmpDir, `${process.pid}-${randomUUID()}.part`);
    const { sha256, size } = await writeHashedFile(tmp, source, onChunk);
    await this.adopt(tmp, sha256);
    return { sha256, size };
  }

  /** Moves a whole, flushed file whose digest is `sha256` into place (or drops it: already there). */
  async adopt(file: string, sha256: string): Promise<void> {
    const dest = this.pathOf(sha256);
    if (await this.has(sha256)) {
      // The same bytes are already safe (another phone, another folder): keep one copy.
      await fs.rm(file, { force: true });
    } else {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.rename(file, dest);
      await syncDir(path.dirname(dest));
    }
  }

  partials(dir: string): PartialStorage {
    return new PartialBlobs(dir, this);
  }

  putBytes(bytes: Uint8Array): Promise<StoredBlob> {
    return this.put([bytes]);
  }

  open(sha256: string, start = 0): Readable {
    return createReadStream(this.pathOf(sha256), { start, highWaterMark: 1 << 20 });
  }

  /** Reads the blob back and hashes it: what is on the disk now, not what was written. */
  rehash(sha256: string): Promise<StoredBlob | null> {
    return hashOfBlob(this.open(sha256) as AsyncIterable<Uint8Array>);
  }

  /**
   * Removes temporary files a crash left behind: they were never recorded as safe. Files of a
   * process still running (another rescue into the same vault, or this one) are left alone.
   */
  sweepTemporary(): Promise<number> {
    return sweepTemporaryFiles(this.tmpDir);
  }
}

/** Removes the temporary files of writers that no longer run (named `<pid>-...`). */
/** The hash and size of a blob's bytes as read back; null when its file is missing. */
export async function hashOfBlob(bytes: AsyncIterable<Uint8Array>): Promise<StoredBlob | null> {
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of bytes) {
      hash.update(chunk);
      size += chunk.byteLength;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return { sha256: hash.digest('hex'), size };
}

export async function sweepTemporaryFiles(tmpDir: string): Promise<number> {
  let removed = 0;
  for (const name of await fs.readdir(tmpDir).catch(() => [] as string[])) {
    const writer = /^(\d+)-/.exec(name);
    if (writer && isProcessAlive(Number(writer[1]))) continue;
    await fs.rm(path.join(tmpDir, name), { force: true, recursive: true });
    removed++;
  }
  return removed;
}
