import type { ByteReader } from '../usbmux/byte-reader.ts';

/**
 * AFC (Apple File Conduit) packets: "CFA6LPAA", then four little-endian u64s: the whole packet's
 * length, the length of header plus fixed arguments ("this" part), a packet number and the
 * operation; then the fixed arguments; then the payload (a path, file data). Codes from
 * libimobiledevice's src/afc.h.
 */
export const AFC_MAGIC = Buffer.from('CFA6LPAA', 'latin1');
export const AFC_HEADER_BYTES = 40;

export const AFC_OP = {
  status: 0x01,
  data: 0x02,
  readDir: 0x03,
  readFile: 0x04,
  writeFile: 0x05,
  writePart: 0x06,
  truncate: 0x07,
  removePath: 0x08,
  makeDir: 0x09,
  getFileInfo: 0x0a,
  getDeviceInfo: 0x0b,
  writeFileAtomic: 0x0c,
  fileOpen: 0x0d,
  fileOpenResult: 0x0e,
  fileRead: 0x0f,
  fileWrite: 0x10,
  fileSeek: 0x11,
  fileTell: 0x12,
  fileTellResult: 0x13,
  fileClose: 0x14,
  fileSetSize: 0x15,
  getConnectionInfo: 0x16,
  setConnectionOptions: 0x17,
  renamePath: 0x18,
  setFsBlockSize: 0x19,
  setSocketBlockSize: 0x1a,
  fileLock: 0x1b,
  makeLink: 0x1c,
  getFileHash: 0x1d,
  setModTime: 0x1e,
  getFileHashRange: 0x1f,
  fileSetImmutableHint: 0x20,
  getSizeOfPathContents: 0x21,
  removePathAndContents: 0x22,
  dirOpen: 0x23,
  dirOpenResult: 0x24,
  dirRead: 0x25,
  dirClose: 0x26,
  fileReadOffset: 0x27,
  fileWriteOffset: 0x28,
} as const;

/** AFC_FOPEN_*: 1 is read-only; every other mode creates, truncates or writes. */
export const AFC_FILE_MODE_READ_ONLY = 1;

export const AFC_STATUS = { success: 0, objectNotFound: 8, objectIsDir: 9, permissionDenied: 10, opNotSupported: 15 } as const;

export class AfcProtocolError extends Error {
  override readonly name = 'AfcProtocolError';
}

export interface AfcPacket {
  operation: number;
  packetNumber: bigint;
  /** The fixed arguments (between the header and the payload). */
  headerData: Buffer;
  payload: Buffer;
}

export function encodeAfcPacket(operation: number, packetNumber: bigint, headerData: Buffer, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(AFC_HEADER_BYTES);
  AFC_MAGIC.copy(header, 0);
  header.writeBigUInt64LE(BigInt(AFC_HEADER_BYTES + headerData.length + payload.length), 8);
  header.writeBigUInt64LE(BigInt(AFC_HEADER_BYTES + headerData.length), 16);
  header.writeBigUInt64LE(packetNumber, 24);
  header.writeBigUInt64LE(BigInt(operation), 32);
  return Buffer.concat([header, headerData, payload]);
}

/**
 * One packet whose whole length may not pass `maxBodyBytes` beyond the header: the lengths are
 * checked before any of the body is awaited, so a lying or endless packet costs nothing.
 */
export async function readAfcPacket(reader: ByteReader, maxBodyBytes: number, timeoutMs?: number): Promise<AfcPacket> {
  const header = await reader.read(AFC_HEADER_BYTES, timeoutMs);
  if (!header.subarray(0, 8).equals(AFC_MAGIC)) throw new AfcProtocolError('a packet without the CFA6LPAA magic');
  const entire = header.readBigUInt64LE(8);
  const thisLength = header.readBigUInt64LE(16);
  const packetNumber = header.readBigUInt64LE(24);
  const operation = header.readBigUInt64LE(32);
  if (thisLength < BigInt(AFC_HEADER_BYTES) || entire < thisLength) {
    throw new AfcProtocolError(`a packet whose lengths do not add up (whole ${entire}, header part ${thisLength})`);
  }
  const body = entire - BigInt(AFC_HEADER_BYTES);
  if (body > BigInt(maxBodyBytes)) throw new AfcProtocolError(`a packet of ${body} bytes where at most ${maxBodyBytes} were asked for`);
  if (operation > 0xffffn) throw new AfcProtocolError(`an unknown operation ${operation}`);
  const headerData = await reader.read(Number(thisLength) - AFC_HEADER_BYTES, timeoutMs);
  const payload = await reader.read(Number(entire - thisLength), timeoutMs);
  return { operation: Number(operation), packetNumber, headerData, payload };
}

/** "key\0value\0key\0value\0" (file and device info) as a map; bounded by the packet it came in. */
export function parseAfcKeyValues(bytes: Buffer): Map<string, string> {
  const parts = splitNulTerminated(bytes);
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length; i += 2) map.set(parts[i]!, parts[i + 1]!);
  return map;
}

/** NUL-terminated UTF-8 strings (a directory listing). */
export function splitNulTerminated(bytes: Buffer): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.subarray(start, i).toString('utf8'));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start).toString('utf8'));
  return out;
}
