/**
 * The bulk containers of PTP over USB (Still Image Capture Device Definition, 7.1), little-endian:
 *
 *   u32 length (header included)  u16 type  u16 code  u32 transaction id  payload...
 *
 * and the primitive types of datasets (PTP 15740, 5.3): integers, arrays (u32 count, then the
 * elements) and strings (u8 count of UTF-16 units including the final NUL, then UTF-16LE).
 * Decoding never trusts a count: every length is checked against the bytes there are, so a
 * hostile phone gets a clear MtpFormatError, not a huge allocation or a read past the end.
 */
import { assertAllowedOperation } from './mtp-allowlist.ts';
import { ContainerType, HEADER_BYTES, MAX_PARAMS } from './mtp-codes.ts';

export class MtpFormatError extends Error {
  override readonly name = 'MtpFormatError';
}

export interface ContainerHeader {
  /** The whole container's length, header included; 0xFFFFFFFF: 4 GiB or more, ends with a short packet. */
  readonly length: number;
  readonly type: number;
  readonly code: number;
  readonly transactionId: number;
}

/**
 * A command container for the phone. The only way this code base builds one, so the allowlist
 * check here is what keeps Lifeboat read-only.
 */
export function encodeCommand(code: number, transactionId: number, params: readonly number[] = []): Uint8Array {
  assertAllowedOperation(code);
  if (params.length > MAX_PARAMS) throw new RangeError(`a PTP command has at most ${MAX_PARAMS} parameters`);
  const bytes = new Uint8Array(HEADER_BYTES + 4 * params.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.length, true);
  view.setUint16(4, ContainerType.command, true);
  view.setUint16(6, code, true);
  view.setUint32(8, transactionId >>> 0, true);
  params.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p > 0xffff_ffff) throw new RangeError(`command parameter ${i} must be a u32, got ${p}`);
    view.setUint32(HEADER_BYTES + 4 * i, p, true);
  });
  return bytes;
}

/** Device-side containers (data, response, event) for the simulator. Commands go through encodeCommand. */
export function encodeDeviceContainer(
  type: typeof ContainerType.data | typeof ContainerType.response | typeof ContainerType.event,
  code: number,
  transactionId: number,
  payload: Uint8Array = new Uint8Array(0),
  lengthField?: number,
): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, lengthField ?? bytes.length, true);
  view.setUint16(4, type, true);
  view.setUint16(6, code, true);
  view.setUint32(8, transactionId >>> 0, true);
  bytes.set(payload, HEADER_BYTES);
  return bytes;
}

export function encodeParams(params: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(4 * params.length);
  const view = new DataView(bytes.buffer);
  params.forEach((p, i) => view.setUint32(4 * i, p >>> 0, true));
  return bytes;
}

export function decodeHeader(bytes: Uint8Array): ContainerHeader {
  if (bytes.length < HEADER_BYTES) throw new MtpFormatError(`a container header needs ${HEADER_BYTES} bytes, the phone sent ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const header = {
    length: view.getUint32(0, true),
    type: view.getUint16(4, true),
    code: view.getUint16(6, true),
    transactionId: view.getUint32(8, true),
  };
  if (header.type < ContainerType.command || header.type > ContainerType.event) {
    throw new MtpFormatError(`the phone sent a container of unknown type ${header.type}`);
  }
  if (header.length < HEADER_BYTES) throw new MtpFormatError(`the phone sent a container whose length field (${header.length}) is shorter than its header`);
  return header;
}

/** The u32 parameters of a response container's payload (at most five; a ragged tail is refused). */
export function decodeParams(payload: Uint8Array): number[] {
  if (payload.length % 4 !== 0 || payload.length > 4 * MAX_PARAMS) {
    throw new MtpFormatError(`a response carried ${payload.length} bytes of parameters (expected up to five 4-byte values)`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return Array.from({ length: payload.length / 4 }, (_, i) => view.getUint32(4 * i, true));
}

/** Reads a dataset front to back, refusing to run past its end. */
export class DataReader {
  #offset = 0;
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array, readonly what: string) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.bytes.length - this.#offset;
  }

  #need(n: number, field: string): void {
    if (this.remaining < n) throw new MtpFormatError(`${this.what}: ${field} runs past the end of the data (${this.bytes.length} bytes)`);
  }

  u8(field = 'a byte'): number {
    this.#need(1, field);
    return this.#view.getUint8(this.#offset++);
  }

  u16(field = 'a u16'): number {
    this.#need(2, field);
    const v = this.#view.getUint16(this.#offset, true);
    this.#offset += 2;
    return v;
  }

  u32(field = 'a u32'): number {
    this.#need(4, field);
    const v = this.#view.getUint32(this.#offset, true);
    this.#offset += 4;
    return v;
  }

  u64(field = 'a u64'): bigint {
    this.#need(8, field);
    const v = this.#view.getBigUint64(this.#offset, true);
    this.#offset += 8;
    return v;
  }

  skip(n: number, field: string): void {
    this.#need(n, field);
    this.#offset += n;
  }

  /** An array: u32 count, then count elements of `size` bytes; the count is checked first. */
  array(size: 2 | 4, field: string): number[] {
    const count = this.u32(`${field} count`);
    if (count > this.remaining / size) throw new MtpFormatError(`${this.what}: ${field} says ${count} elements, but only ${this.remaining} bytes follow`);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = size === 2 ? this.u16(field) : this.u32(field);
    return out;
  }

  /** A PTP string: u8 count of UTF-16 units including the NUL (0: empty), then UTF-16LE. */
  string(field: string): string {
    const count = this.u8(`${field} length`);
    if (count === 0) return '';
    this.#need(2 * count, field);
    const units = new Array<number>(count);
    for (let i = 0; i < count; i++) units[i] = this.#view.getUint16(this.#offset + 2 * i, true);
    this.#offset += 2 * count;
    // The last unit should be the NUL; text stops at the first NUL either way.
    const nul = units.indexOf(0);
    const text = nul === -1 ? units : units.slice(0, nul);
    return decodeUtf16Units(text);
  }
}

/** Lone surrogates become U+FFFD, so a broken name is visible as broken rather than silently odd. */
function decodeUtf16Units(units: number[]): string {
  let out = '';
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units[i + 1];
      if (next !== undefined && next >= 0xdc00 && next <= 0xdfff) {
        out += String.fromCharCode(u, next);
        i++;
      } else out += '\uFFFD';
    } else if (u >= 0xdc00 && u <= 0xdfff) out += '\uFFFD';
    else out += String.fromCharCode(u);
  }
  return out;
}

/** Builds datasets (the simulator's side, and tests). */
export class DataWriter {
  readonly #parts: number[] = [];

  u8(v: number): this {
    this.#parts.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    this.#parts.push(v & 0xff, (v >>> 8) & 0xff);
    return this;
  }

  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.#parts.push((v >>> (8 * i)) & 0xff);
    return this;
  }

  u64(v: bigint | number): this {
    let big = BigInt(v);
    for (let i = 0; i < 8; i++) {
      this.#parts.push(Number(big & 0xffn));
      big >>= 8n;
    }
    return this;
  }

  array(size: 2 | 4, values: readonly number[]): this {
    this.u32(values.length);
    for (const v of values) (size === 2 ? this.u16(v) : this.u32(v));
    return this;
  }

  /** A PTP string; longer than 254 UTF-16 units is a RangeError (the count is one byte). */
  string(text: string): this {
    if (text === '') return this.u8(0);
    const units = Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
    if (units.length + 1 > 255) throw new RangeError(`a PTP string holds at most 254 UTF-16 units: ${text.slice(0, 40)}…`);
    this.u8(units.length + 1);
    for (const u of units) this.u16(u);
    return this.u16(0);
  }

  /** Raw bytes, for hostile datasets. */
  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.#parts.push(bytes[i]! & 0xff);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}
