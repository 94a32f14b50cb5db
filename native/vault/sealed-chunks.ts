import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { writeAll } from '../util/files.ts';
import { zero, type SessionKey } from './session-key.ts';

/**
 * The sealed file format of store mode: every byte a customer session writes goes through here.
 *
 *   header   8 bytes "LBSEAL01" + 16 bytes random blob id
 *   records  nonce (12) | AES-256-GCM ciphertext of up to 64 KiB | tag (16)
 *
 * Each file has its own key, derived with HKDF from the session's chunk subkey and the file's blob
 * id, and each record a random nonce (a record rewritten after a crash never reuses one). The
 * additional authenticated data of record i is header | i (64-bit) | final (1 byte): a record
 * dropped, repeated or moved changes i, a record from another file fails under that file's key
 * and id, and a file cut after a record fails because that record was not sealed as the final one.
 * Every record but the last holds exactly 64 KiB; the last one is marked final (and may be empty).
 */
export const SEAL_MAGIC = Buffer.from('LBSEAL01', 'latin1');
export const BLOB_ID_BYTES = 16;
export const HEADER_BYTES = SEAL_MAGIC.length + BLOB_ID_BYTES;
export const CHUNK_BYTES = 64 * 1024;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const RECORD_OVERHEAD = NONCE_BYTES + TAG_BYTES;
export const RECORD_BYTES = CHUNK_BYTES + RECORD_OVERHEAD;

/** A sealed file that is not whole or not ours: cut, edited, reordered, or made with another key. */
export class SealBrokenError extends Error {
  override readonly name = 'SealBrokenError';
}

function additionalData(header: Buffer, index: number, final: boolean): Buffer {
  const aad = Buffer.alloc(HEADER_BYTES + 9);
  header.copy(aad, 0);
  aad.writeBigUInt64BE(BigInt(index), HEADER_BYTES);
  aad[HEADER_BYTES + 8] = final ? 1 : 0;
  return aad;
}

/** Seals and opens the records of one file. dispose() zeroes its key. */
export class ChunkCipher {
  readonly #key: Buffer;

  private constructor(
    sessionKey: SessionKey,
    readonly header: Buffer,
  ) {
    this.#key = sessionKey.itemKey('blob-chunks', header.subarray(SEAL_MAGIC.length));
  }

  /** For a new file: a fresh random blob id. */
  static fresh(sessionKey: SessionKey): ChunkCipher {
    return new ChunkCipher(sessionKey, Buffer.concat([SEAL_MAGIC, randomBytes(BLOB_ID_BYTES)]));
  }

  /** For a file that exists: its header, checked. */
  static of(sessionKey: SessionKey, header: Buffer, what: string): ChunkCipher {
    if (header.length !== HEADER_BYTES || !header.subarray(0, SEAL_MAGIC.length).equals(SEAL_MAGIC)) {
      throw new SealBrokenError(`${what} is not a sealed Lifeboat file (its header is wrong)`);
    }
    return new ChunkCipher(sessionKey, Buffer.from(header));
  }

  seal(index: number, plaintext: Uint8Array, final: boolean): Buffer {
    if (plaintext.byteLength > CHUNK_BYTES || (!final && plaintext.byteLength !== CHUNK_BYTES)) {
      throw new Error(`a sealed record holds ${CHUNK_BYTES} bytes (the final one up to that), not ${plaintext.byteLength}`);
    }
    const record = Buffer.allocUnsafe(plaintext.byteLength + RECORD_OVERHEAD);
    randomFillSync(record, 0, NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, record.subarray(0, NONCE_BYTES));
    cipher.setAAD(additionalData(this.header, index, final));
    const body = cipher.update(plaintext);
    body.copy(record, NONCE_BYTES);
    const rest = cipher.final();
    rest.copy(record, NONCE_BYTES + body.length);
    cipher.getAuthTag().copy(record, NONCE_BYTES + plaintext.byteLength);
    return record;
  }

  open(index: number, record: Uint8Array, final: boolean, what: string): Buffer {
    if (record.byteLength < RECORD_OVERHEAD) throw new SealBrokenError(`${what}: record ${index} is cut short`);
    const nonce = record.subarray(0, NONCE_BYTES);
    const tag = record.subarray(record.byteLength - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, nonce);
    decipher.setAAD(additionalData(this.header, index, final));
    decipher.setAuthTag(tag);
    const body = decipher.update(record.subarray(NONCE_BYTES, record.byteLength - TAG_BYTES));
    try {
      decipher.final();
    } catch {
      // The plaintext of a record that fails is never handed on.
      body.fill(0);
      throw new SealBrokenError(
        `${what}: record ${index}${final ? ' (the last)' : ''} fails authentication: the file was cut, edited, reordered or made with another key`,
      );
    }
    return body;
  }

  dispose(): void {
    zero(this.#key);
  }
}

/** How many records a sealed file of `fileBytes` holds, or why it cannot be one. */
export function recordCount(fileBytes: number, what: string): number {
  const body = fileBytes - HEADER_BYTES;
  if (body < RECORD_OVERHEAD) throw new SealBrokenError(`${what} is cut short (${fileBytes} bytes)`);
  const full = Math.floor(body / RECORD_BYTES);
  const rest = body % RECORD_BYTES;
  if (rest === 0) return full;
  if (rest < RECORD_OVERHEAD) throw new SealBrokenError(`${what} is cut inside a record (${fileBytes} bytes)`);
  return full + 1;
}

/**
 * Writes a sealed file from plaintext chunks of any size. A full 64 KiB record is sealed only once
 * more bytes arrive (or, at finish, as the final one), so the last record is always marked final.
 */
export class SealedFileWriter {
  #pending = Buffer.alloc(CHUNK_BYTES);
  #pendingBytes = 0;
  #index: number;
  #finished = false;

  private constructor(
    private readonly file: fs.FileHandle,
    private readonly cipher: ChunkCipher,
    startIndex: number,
  ) {
    this.#index = startIndex;
  }

  /** A new file (never an existing one). */
  static async create(target: string, key: SessionKey): Promise<SealedFileWriter> {
    const cipher = ChunkCipher.fresh(key);
    let file: fs.FileHandle;
    try {
      file = await fs.open(target, 'wx', 0o600);
    } catch (err) {
      cipher.dispose();
      throw err;
    }
    try {
      await writeAll(file, cipher.header);
    } catch (err) {
      cipher.dispose();
      await file.close().catch(() => undefined);
      await fs.rm(target, { force: true });
      throw err;
    }
    return new SealedFileWriter(file, cipher, 0);
  }

  /**
   * An existing file whose first `keptRecords` records are trusted (a partial kept from a cut run):
   * anything after them is cut off, and writing goes on with record `keptRecords`.
   */
  static async resume(target: string, key: SessionKey, keptRecords: number): Promise<SealedFileWriter> {
    // Append mode: every write lands at the end, after the kept records (cut back below).
    const file = await fs.open(target, 'a+');
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await file.read(header, 0, HEADER_BYTES, 0);
      const cipher = ChunkCipher.of(key, header.subarray(0, bytesRead), target);
      await file.truncate(HEADER_BYTES + keptRecords * RECORD_BYTES);
      return new SealedFileWriter(file, cipher, keptRecords);
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
  }

  /** Records written so far (all of them non-final until finish). */
  get records(): number {
    return this.#index;
  }

  async write(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.#pendingBytes === CHUNK_BYTES) await this.#sealPending(false);
      const take = Math.min(chunk.byteLength - at, CHUNK_BYTES - this.#pendingBytes);
      this.#pending.set(chunk.subarray(at, at + take), this.#pendingBytes);
      this.#pendingBytes += take;
      at += take;
    }
  }

  /**
   * For a cut-short partial: seals a full pending chunk (more bytes are known to follow) and
   * flushes, so that every record written is on the disk. Bytes of a part-filled chunk are
   * dropped: the next run reads them again.
   */
  async flushWhole(): Promise<number> {
    if (this.#pendingBytes === CHUNK_BYTES) await this.#sealPending(false);
    await this.file.sync();
    return this.#index;
  }

  /** Seals what is pending as the final record, flushes to the disk and closes. */
  async finish(): Promise<void> {
    await this.#sealPending(true);
    await this.file.sync();
    this.#finished = true;
    await this.close();
  }

  async close(): Promise<void> {
    this.#pending.fill(0);
    this.cipher.dispose();
    await this.file.close().catch(() => undefined);
  }

  get finished(): boolean {
    return this.#finished;
  }

  async #sealPending(final: boolean): Promise<void> {
    const record = this.cipher.seal(this.#index, this.#pending.subarray(0, this.#pendingBytes), final);
    await writeAll(this.file, record);
    this.#index++;
    this.#pending.fill(0, 0, this.#pendingBytes);
    this.#pendingBytes = 0;
  }
}

/**
 * The plaintext of a sealed file, record by record, each authenticated before it is handed on.
 * `records` limits the read to the first n records, all non-final (a partial's kept part).
 */
export async function* readSealedFile(target: string, key: SessionKey, opts: { records?: number } = {}): AsyncGenerator<Buffer> {
  const file = await fs.open(target, 'r');
  let cipher: ChunkCipher | undefined;
  try {
    const size = (await file.stat()).size;
    const header = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await file.read(header, 0, HEADER_BYTES, 0);
    cipher = ChunkCipher.of(key, header.subarray(0, bytesRead), target);
    const partOnly = opts.records !== undefined;
    const count = partOnly ? opts.records! : recordCount(size, target);
    const record = Buffer.alloc(RECORD_BYTES);
    for (let i = 0; i < count; i++) {
      const offset = HEADER_BYTES + i * RECORD_BYTES;
      const length = partOnly ? RECORD_BYTES : Math.min(RECORD_BYTES, size - offset);
      const { bytesRead: got } = await file.read(record, 0, length, offset);
      if (got !== length) throw new SealBrokenError(`${target}: record ${i} is cut short`);
      const final = !partOnly && i === count - 1;
      if (!final && length !== RECORD_BYTES) throw new SealBrokenError(`${target}: record ${i} is cut short`);
      yield cipher.open(i, record.subarray(0, length), final, target);
    }
  } finally {
    cipher?.dispose();
    await file.close().catch(() => undefined);
  }
}

/** readSealedFile as a stream (what the vault's readers take), from byte `start` of the plaintext. */
export function sealedReadStream(target: string, key: SessionKey, start = 0): Readable {
  async function* from(): AsyncGenerator<Buffer> {
    let skip = start;
    for await (const chunk of readSealedFile(target, key)) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      yield skip > 0 ? chunk.subarray(skip) : chunk;
      skip = 0;
    }
  }
  return Readable.from(from(), { objectMode: false });
}
