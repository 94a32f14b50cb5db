import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';

/** Writes every byte of `chunk` (a single write may take fewer). */
export async function writeAll(file: fs.FileHandle, chunk: Uint8Array): Promise<void> {
  let written = 0;
  while (written < chunk.byteLength) {
    const { bytesWritten } = await file.write(chunk, written, chunk.byteLength - written);
    written += bytesWritten;
  }
}

/** Makes a rename durable. Some platforms cannot open folders for sync; that is not an error. */
export async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    /* best effort */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

const WRITE_BATCH_BYTES = 1 << 20;
/** Chunks this large are worth a system call of their own; copying them would only cost. */
const DIRECT_WRITE_BYTES = 64 * 1024;

/**
 * Writes a new file (never an existing one) from a stream of chunks, hashing every byte as it
 * passes, and flushes it to the disk. Small chunks (one vCard each) are gathered into writes of up to 1 MiB. On
 * any failure the file is removed, so a caller sees the whole file or none.
 */
export async function writeHashedFile(
  target: string,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onChunk?: (chunk: Uint8Array) => void,
  mode = 0o600,
): Promise<{ sha256: string; size: number }> {
  const file = await fs.open(target, 'wx', mode);
  const hash = createHash('sha256');
  let size = 0;
  try {
    // Small chunks are copied into one batch at once: a source may reuse its buffer after it yields.
    const batch = Buffer.allocUnsafe(WRITE_BATCH_BYTES);
    let batched = 0;
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.byteLength;
      onChunk?.(chunk);
      const direct = chunk.byteLength >= DIRECT_WRITE_BYTES;
      if (batched > 0 && (direct || batched + chunk.byteLength > WRITE_BATCH_BYTES)) {
        await writeAll(file, batch.subarray(0, batched));
        batched = 0;
      }
      if (direct) {
        await writeAll(file, chunk);
      } else {
        batch.set(chunk, batched);
        batched += chunk.byteLength;
      }
    }
    if (batched > 0) await writeAll(file, batch.subarray(0, batched));
    await file.sync();
  } catch (err) {
    await file.close().catch(() => undefined);
    await fs.rm(target, { force: true });
    throw err;
  }
  await file.close();
  return { sha256: hash.digest('hex'), size };
}
