import type { Duplex } from 'node:stream';
import { ByteReader, ByteReaderEndedError, ByteReaderTimeoutError } from '../usbmux/byte-reader.ts';
import { AFC_FILE_MODE_READ_ONLY, AFC_OP, AfcProtocolError, encodeAfcPacket, parseAfcKeyValues, readAfcPacket, splitNulTerminated, type AfcPacket } from './afc-packet.ts';

/**
 * The AFC operations Lifeboat may send: it lists, looks at and reads. Nothing that writes,
 * removes, renames, links, truncates, locks or changes times is here, and FILE_OPEN is sent
 * only with the read-only mode. Every packet leaves through one function that checks this.
 */
export const AFC_OPERATION_ALLOWLIST: ReadonlySet<number> = new Set([
  AFC_OP.readDir,
  AFC_OP.getFileInfo,
  AFC_OP.getDeviceInfo,
  AFC_OP.fileOpen,
  AFC_OP.fileRead,
  AFC_OP.fileSeek,
  AFC_OP.fileClose,
]);

export class AfcStatusError extends Error {
  override readonly name = 'AfcStatusError';
  constructor(
    readonly operation: string,
    readonly status: number,
  ) {
    super(`the phone answered ${operation} with AFC error ${status}${AFC_ERROR_NAMES[status] ? ` (${AFC_ERROR_NAMES[status]})` : ''}`);
  }
}

/** The phone or the connection is gone (as opposed to a single file it would not give). */
export class AfcConnectionError extends Error {
  override readonly name = 'AfcConnectionError';
}

const AFC_ERROR_NAMES: Record<number, string> = {
  4: 'read error',
  7: 'invalid argument',
  8: 'no such file or folder',
  9: 'is a folder',
  10: 'permission denied',
  15: 'operation not supported',
  20: 'input/output error',
};

/** A directory listing can be long (thousands of IMG_ names); anything else is small. */
const MAX_LISTING_BYTES = 16 * 1024 * 1024;
const MAX_SMALL_REPLY_BYTES = 64 * 1024;
/** Per FILE_READ request: what pymobiledevice3 and go-ios ask for at most, well within what phones serve. */
export const AFC_READ_CHUNK_BYTES = 1024 * 1024;
const REPLY_TIMEOUT_MS = 30_000;

export interface AfcFileInfo {
  size: number;
  /** "S_IFREG", "S_IFDIR", "S_IFLNK" ... */
  type: string;
  /** Modification time, milliseconds (the phone gives nanoseconds). */
  mtimeMs: number;
  raw: Map<string, string>;
}

/** A read-only AFC session over one service connection; requests are served one at a time. */
export class AfcClient {
  readonly #stream: Duplex;
  readonly #reader: ByteReader;
  #packetNumber = 0n;
  #queue: Promise<unknown> = Promise.resolve();
  #broken: Error | undefined;

  constructor(stream: Duplex) {
    this.#stream = stream;
    this.#reader = new ByteReader(stream, { highWaterBytes: 2 * AFC_READ_CHUNK_BYTES });
  }

  /** The names in a folder, without "." and "..". */
  async readDirectory(path: string): Promise<string[]> {
    const reply = await this.#call(AFC_OP.readDir, cString(path), MAX_LISTING_BYTES, 'READ_DIR');
    return splitNulTerminated(reply.payload).filter((name) => name !== '.' && name !== '..');
  }

  async fileInfo(path: string): Promise<AfcFileInfo> {
    const reply = await this.#call(AFC_OP.getFileInfo, cString(path), MAX_SMALL_REPLY_BYTES, 'GET_FILE_INFO');
    const raw = parseAfcKeyValues(reply.payload);
    const size = Number(raw.get('st_size') ?? NaN);
    const mtimeNs = raw.get('st_mtime');
    return {
      size: Number.isSafeInteger(size) && size >= 0 ? size : 0,
      type: raw.get('st_ifmt') ?? 'unknown',
      mtimeMs: mtimeNs && /^\d+$/.test(mtimeNs) ? Number(BigInt(mtimeNs) / 1_000_000n) : 0,
      raw,
    };
  }

  async deviceInfo(): Promise<Map<string, string>> {
    const reply = await this.#call(AFC_OP.getDeviceInfo, Buffer.alloc(0), MAX_SMALL_REPLY_BYTES, 'GET_DEVINFO');
    return parseAfcKeyValues(reply.payload);
  }

  /** A handle to read a file; the mode is read-only, always. */
  async openForReading(path: string): Promise<bigint> {
    const args = Buffer.alloc(8);
    args.writeBigUInt64LE(BigInt(AFC_FILE_MODE_READ_ONLY), 0);
    const reply = await this.#call(AFC_OP.fileOpen, Buffer.concat([args, cString(path)]), MAX_SMALL_REPLY_BYTES, 'FILE_OPEN');
    if (reply.operation !== AFC_OP.fileOpenResult || reply.headerData.length < 8) throw this.#fail('FILE_OPEN was answered without a handle');
    return reply.headerData.readBigUInt64LE(0);
  }

  /** Up to `length` bytes from the handle's position; an empty buffer at the end of the file. */
  async read(handle: bigint, length: number = AFC_READ_CHUNK_BYTES): Promise<Buffer> {
    const args = Buffer.alloc(16);
    args.writeBigUInt64LE(handle, 0);
    args.writeBigUInt64LE(BigInt(length), 8);
    // The reply may not be longer than what was asked: a phone that sends more is out of step.
    const reply = await this.#call(AFC_OP.fileRead, args, length, 'FILE_READ');
    if (reply.operation !== AFC_OP.data) throw this.#fail('FILE_READ was answered without data');
    return Buffer.concat([reply.headerData, reply.payload]);
  }

  async seek(handle: bigint, offset: number): Promise<void> {
    const args = Buffer.alloc(24);
    args.writeBigUInt64LE(handle, 0);
    args.writeBigUInt64LE(0n, 8); // SEEK_SET
    args.writeBigInt64LE(BigInt(offset), 16);
    await this.#call(AFC_OP.fileSeek, args, MAX_SMALL_REPLY_BYTES, 'FILE_SEEK');
  }

  async close(handle: bigint): Promise<void> {
    const args = Buffer.alloc(8);
    args.writeBigUInt64LE(handle, 0);
    await this.#call(AFC_OP.fileClose, args, MAX_SMALL_REPLY_BYTES, 'FILE_CLOSE');
  }

  /** Ends the session (the phone closes its end of the service). */
  end(): void {
    this.#broken ??= new AfcConnectionError('the AFC session was closed');
    this.#reader.detach();
    this.#stream.destroy();
  }

  #call(operation: number, headerData: Buffer, maxReplyBytes: number, name: string): Promise<AfcPacket> {
    const run = async (): Promise<AfcPacket> => {
      if (this.#broken) throw this.#broken;
      const packet = this.#packet(operation, headerData);
      await new Promise<void>((resolve, reject) => this.#stream.write(packet, (error) => (error ? reject(error) : resolve())));
      let reply: AfcPacket;
      try {
        reply = await readAfcPacket(this.#reader, maxReplyBytes, REPLY_TIMEOUT_MS);
      } catch (error) {
        if (error instanceof AfcProtocolError) throw this.#fail(`${name}: ${error.message}`);
        if (error instanceof ByteReaderEndedError) throw this.#lost(`the phone closed the AFC connection (${name})`);
        if (error instanceof ByteReaderTimeoutError) throw this.#lost(`the phone stopped answering AFC ${name}: ${error.message}`);
        throw this.#lost(`the AFC connection failed (${name}): ${(error as Error).message}`);
      }
      if (reply.packetNumber !== this.#packetNumber) throw this.#fail(`${name} was answered with packet number ${reply.packetNumber}, not ${this.#packetNumber}`);
      if (reply.operation === AFC_OP.status) {
        const status = reply.headerData.length >= 8 ? Number(reply.headerData.readBigUInt64LE(0)) : -1;
        if (status !== 0) throw new AfcStatusError(name, status);
      }
      return reply;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #packet(operation: number, headerData: Buffer): Buffer {
    if (!AFC_OPERATION_ALLOWLIST.has(operation)) throw new Error(`AFC operation 0x${operation.toString(16)} is not on Lifeboat's read-only allowlist`);
    if (operation === AFC_OP.fileOpen && headerData.readBigUInt64LE(0) !== BigInt(AFC_FILE_MODE_READ_ONLY)) {
      throw new Error('AFC files are opened read-only, never in another mode');
    }
    return encodeAfcPacket(operation, ++this.#packetNumber, headerData);
  }

  /** The phone broke the protocol: the connection is out of step and is not used again. */
  #fail(message: string): AfcConnectionError {
    this.#broken = new AfcConnectionError(`the phone broke the AFC protocol: ${message}`);
    this.#stream.destroy();
    return this.#broken as AfcConnectionError;
  }

  #lost(message: string): AfcConnectionError {
    this.#broken = new AfcConnectionError(message);
    this.#stream.destroy();
    return this.#broken as AfcConnectionError;
  }
}

function cString(text: string): Buffer {
  if (text.includes('\0')) throw new Error('an AFC path cannot hold a NUL character');
  return Buffer.from(`${text}\0`, 'utf8');
}
