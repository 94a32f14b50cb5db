import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Reading one payload file of a backup, as a stream, from any offset: as stored (plain backups)
 * or decrypted (encrypted ones: AES-256-CBC, zero IV, PKCS#7 padding, the per-file key from its
 * MBFile). CBC lets a resumed read start in the middle: block n decrypts with ciphertext block
 * n-1 as its IV, so only the 16 bytes before the offset are read again, never the whole file.
 * Output stops at the plaintext size Manifest.db gives, whatever padding follows.
 */
const CHUNK_BYTES = 256 * 1024;
const BLOCK = 16;

export interface PayloadRead {
  filePath: string;
  /** Plaintext size (MBFile Size). */
  size: number;
  /** The file's own AES-256 key, for an encrypted backup. */
  key?: Buffer;
  fromOffset?: number;
  /** Turns a read failure into the error a person should see (a lost disk, a deleted file). */
  failure?: (error: unknown) => unknown;
}

export async function openPayload(read: PayloadRead): Promise<Readable> {
  const from = read.fromOffset ?? 0;
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`fromOffset must be a whole number >= 0, got ${from}`);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(read.filePath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    throw read.failure ? read.failure(error) : error;
  }
  const chunks = read.key ? decryptedChunks(handle, read, from) : plainChunks(handle, read, from);
  return Readable.from(chunks, { objectMode: false });
}

async function readAt(handle: fs.promises.FileHandle, buffer: Buffer, position: number, read: PayloadRead): Promise<number> {
  try {
    return (await handle.read(buffer, 0, buffer.length, position)).bytesRead;
  } catch (error) {
    throw read.failure ? read.failure(error) : error;
  }
}

async function* plainChunks(handle: fs.promises.FileHandle, read: PayloadRead, from: number): AsyncGenerator<Buffer> {
  try {
    let position = from;
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = await readAt(handle, buffer, position, read);
      if (n === 0) return;
      position += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function* decryptedChunks(handle: fs.promises.FileHandle, read: PayloadRead, from: number): AsyncGenerator<Buffer> {
  try {
    if (from >= read.size) return;
    const firstBlock = Math.floor(from / BLOCK);
    let iv = Buffer.alloc(BLOCK);
    if (firstBlock > 0) {
      const previous = Buffer.alloc(BLOCK);
      if ((await readAt(handle, previous, (firstBlock - 1) * BLOCK, read)) !== BLOCK) throw new Error('the encrypted file is shorter than its listed size');
      iv = previous;
    }
    const decipher = crypto.createDecipheriv('aes-256-cbc', read.key!, iv);
    // Padding is checked by hand at the end: the plaintext size says where the data stops.
    decipher.setAutoPadding(false);
    let skip = from - firstBlock * BLOCK;
    let remaining = read.size - from;
    let position = firstBlock * BLOCK;
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      const n = await readAt(handle, buffer, position, read);
      if (n === 0) break;
      position += n;
      let plain = decipher.update(buffer.subarray(0, n));
      if (skip > 0) {
        const dropped = Math.min(skip, plain.length);
        plain = plain.subarray(dropped);
        skip -= dropped;
      }
      if (plain.length > remaining) plain = plain.subarray(0, remaining);
      remaining -= plain.length;
      if (plain.length > 0) yield plain;
      if (remaining === 0) return;
    }
    const tail = decipher.final();
    if (remaining > 0 && tail.length > 0) yield tail.subarray(skip, skip + remaining);
    if (remaining > tail.length) throw new Error('the encrypted file is shorter than its listed size');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH') throw new Error('the encrypted file is not a whole number of AES blocks (damaged)');
    throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * A whole encrypted file (Manifest.db) decrypted into `target`, streamed: its size is only known
 * from the PKCS#7 padding at its end, which node:crypto checks. A wrong key fails that check.
 */
export async function decryptFileTo(source: string, target: string, key: Buffer): Promise<void> {
  const decipher = crypto.createDecipheriv('aes-256-cbc', key, Buffer.alloc(BLOCK));
  await pipeline(fs.createReadStream(source), decipher, fs.createWriteStream(target, { flags: 'wx', mode: 0o600 }));
}
