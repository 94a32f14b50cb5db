import { isDict, parseBinaryPlist, PlistError, PlistUid, type PlistDict, type PlistValue } from '../../readers/ios-plist.ts';

/**
 * The `file` column of Manifest.db: an NSKeyedArchiver archive (a binary plist whose $objects
 * array holds the values and whose $top.root points at the MBFile) with a file's size, times,
 * protection class and, in an encrypted backup, its wrapped key.
 */
export interface MbFile {
  size: number;
  /** Unix seconds, as the phone kept them. */
  lastModified?: number;
  birth?: number;
  protectionClass?: number;
  mode?: number;
  /** 4 bytes little-endian protection class, then the per-file key wrapped with that class key (RFC 3394). */
  encryptionKey?: Buffer;
}

export function decodeMbFile(blob: Buffer): MbFile {
  const archive = parseBinaryPlist(blob);
  if (!isDict(archive)) throw new PlistError('the archive is not a dictionary');
  const objects = archive.$objects;
  const top = archive.$top;
  if (!Array.isArray(objects) || !isDict(top)) throw new PlistError('the archive has no $objects or $top');
  const deref = (v: PlistValue | undefined): PlistValue | undefined => {
    if (!(v instanceof PlistUid)) return v;
    if (v.value >= objects.length) throw new PlistError(`UID ${v.value} points outside $objects`);
    return objects[v.value];
  };
  const root = deref(top.root);
  if (!isDict(root)) throw new PlistError('the archive root is not an object');
  const number = (key: string): number | undefined => {
    const v = deref((root as PlistDict)[key]);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    return undefined;
  };
  const size = number('Size');
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw new PlistError('the MBFile has no valid Size');
  const file: MbFile = { size };
  const set = (field: 'lastModified' | 'birth' | 'protectionClass' | 'mode', key: string) => {
    const v = number(key);
    if (v !== undefined) file[field] = v;
  };
  set('lastModified', 'LastModified');
  set('birth', 'Birth');
  set('protectionClass', 'ProtectionClass');
  set('mode', 'Mode');
  const key = deref(root.EncryptionKey);
  // NSMutableData archives as {NS.data: <bytes>}; a plain data value is accepted too.
  const keyBytes = Buffer.isBuffer(key) ? key : isDict(key) ? deref(key['NS.data']) : undefined;
  if (Buffer.isBuffer(keyBytes)) file.encryptionKey = keyBytes;
  return file;
}
