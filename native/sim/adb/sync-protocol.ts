/**
 * The file sync protocol's ids and sizes (adb's file_sync_protocol.h, docs/dev/sync.md). Every
 * id is four ASCII letters read as a little-endian u32; every message starts with one.
 */
function id(text: string): number {
  return Buffer.from(text, 'latin1').readUInt32LE(0);
}

export const ID_LSTAT_V1 = id('STAT');
export const ID_STAT_V2 = id('STA2');
export const ID_LSTAT_V2 = id('LST2');
export const ID_LIST_V1 = id('LIST');
export const ID_LIST_V2 = id('LIS2');
export const ID_DENT_V1 = id('DENT');
export const ID_DENT_V2 = id('DNT2');
export const ID_SEND_V1 = id('SEND');
export const ID_SEND_V2 = id('SND2');
export const ID_RECV_V1 = id('RECV');
export const ID_RECV_V2 = id('RCV2');
export const ID_DONE = id('DONE');
export const ID_DATA = id('DATA');
export const ID_OKAY = id('OKAY');
export const ID_FAIL = id('FAIL');
export const ID_QUIT = id('QUIT');

export const SYNC_REQUEST_SIZE = 8; // { id, path_length }
export const SYNC_PATH_MAX = 1024;
export const SYNC_DATA_MAX = 64 * 1024;
export const STAT_V1_SIZE = 16; // { id, mode, size, mtime }
export const STAT_V2_SIZE = 72; // { id, error, dev u64, ino u64, mode, nlink, uid, gid, size u64, atime, mtime, ctime i64 }
export const DENT_V1_SIZE = 20; // stat_v1 + namelen
export const DENT_V2_SIZE = 76; // stat_v2 + namelen

export const SYNC_FLAG_BROTLI = 1;
export const SYNC_FLAG_LZ4 = 2;
export const SYNC_FLAG_ZSTD = 4;
export const SYNC_FLAG_DRY_RUN = 0x80000000;

export interface FileStat {
  mode: number;
  size: bigint;
  dev: bigint;
  ino: bigint;
  nlink: number;
  uid: number;
  gid: number;
  atimeSeconds: bigint;
  mtimeSeconds: bigint;
  ctimeSeconds: bigint;
}

export function encodeStatV1(stat: FileStat | undefined): Buffer {
  const out = Buffer.alloc(STAT_V1_SIZE);
  out.writeUInt32LE(ID_LSTAT_V1, 0);
  if (stat) {
    out.writeUInt32LE(stat.mode >>> 0, 4);
    out.writeUInt32LE(Number(stat.size & 0xffffffffn), 8); // v1 sizes are 32-bit, truncated as adbd does
    out.writeUInt32LE(Number(BigInt.asUintN(32, stat.mtimeSeconds)), 12);
  }
  return out;
}

/** The stat_v2 body shared by STA2/LST2 replies and DNT2 entries (without the id). */
function writeStatV2Body(out: Buffer, offset: number, stat: FileStat | undefined, errno: number): void {
  out.writeUInt32LE(errno, offset);
  if (!stat) return;
  out.writeBigUInt64LE(stat.dev, offset + 4);
  out.writeBigUInt64LE(stat.ino, offset + 12);
  out.writeUInt32LE(stat.mode >>> 0, offset + 20);
  out.writeUInt32LE(stat.nlink, offset + 24);
  out.writeUInt32LE(stat.uid, offset + 28);
  out.writeUInt32LE(stat.gid, offset + 32);
  out.writeBigUInt64LE(stat.size, offset + 36);
  out.writeBigInt64LE(stat.atimeSeconds, offset + 44);
  out.writeBigInt64LE(stat.mtimeSeconds, offset + 52);
  out.writeBigInt64LE(stat.ctimeSeconds, offset + 60);
}

export function encodeStatV2(id: number, stat: FileStat | undefined, errno: number): Buffer {
  const out = Buffer.alloc(STAT_V2_SIZE);
  out.writeUInt32LE(id, 0);
  writeStatV2Body(out, 4, stat, errno);
  return out;
}

export function encodeDentV1(stat: FileStat, name: Buffer): Buffer {
  const out = Buffer.alloc(DENT_V1_SIZE + name.length);
  out.writeUInt32LE(ID_DENT_V1, 0);
  out.writeUInt32LE(stat.mode >>> 0, 4);
  out.writeUInt32LE(Number(stat.size & 0xffffffffn), 8);
  out.writeUInt32LE(Number(BigInt.asUintN(32, stat.mtimeSeconds)), 12);
  out.writeUInt32LE(name.length, 16);
  name.copy(out, DENT_V1_SIZE);
  return out;
}

export function encodeDentV2(stat: FileStat, name: Buffer): Buffer {
  const out = Buffer.alloc(DENT_V2_SIZE + name.length);
  out.writeUInt32LE(ID_DENT_V2, 0);
  writeStatV2Body(out, 4, stat, 0);
  out.writeUInt32LE(name.length, 72);
  name.copy(out, DENT_V2_SIZE);
  return out;
}

/** The end of a listing: a zeroed entry of the listing's own size whose id is DONE. */
export function encodeListDone(v2: boolean): Buffer {
  const out = Buffer.alloc(v2 ? DENT_V2_SIZE : DENT_V1_SIZE);
  out.writeUInt32LE(ID_DONE, 0);
  return out;
}

/** { id, u32 } messages: DATA's header, DONE, FAIL's header, OKAY. */
export function encodeIdAndLength(id: number, value: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeUInt32LE(id, 0);
  out.writeUInt32LE(value >>> 0, 4);
  return out;
}

export function encodeFail(message: string): Buffer {
  const text = Buffer.from(message, 'utf8');
  return Buffer.concat([encodeIdAndLength(ID_FAIL, text.length), text]);
}

export function syncIdName(id: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(id >>> 0);
  const text = bytes.toString('latin1');
  return /^[A-Z0-9]{4}$/.test(text) ? text : `0x${(id >>> 0).toString(16).padStart(8, '0')}`;
}
