import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { BadInputError } from '../errors.ts';

/**
 * The BackupKeyBag of an encrypted backup's Manifest.plist, and unlocking it with the owner's
 * password (iOS 10.2+): PBKDF2-HMAC-SHA256(password, DPSL, DPIC) then PBKDF2-HMAC-SHA1(that,
 * SALT, ITER) gives the key that unwraps (RFC 3394) each class key. Backups from before 10.2
 * have no DPSL/DPIC and use the SHA-1 step alone. All with node:crypto.
 */

/** The tag-length-value items: a 4-byte ASCII tag, a 4-byte big-endian length, the value. */
export interface Keybag {
  version?: number;
  type?: number;
  uuid?: Buffer;
  salt: Buffer;
  iterations: number;
  /** iOS 10.2+: the SHA-256 round's salt and count. */
  dpsl?: Buffer;
  dpic?: number;
  classKeys: Map<number, ClassKeyRecord>;
}

export interface ClassKeyRecord {
  protectionClass: number;
  wrap: number;
  keyType?: number;
  wrappedKey: Buffer;
}

/** WRAP bit 2: the class key is wrapped with the key derived from the backup password. */
const WRAP_PASSCODE = 2;
/** A sane ceiling: Apple uses 10,000,000 SHA-256 rounds; a crafted keybag must not pin a CPU for a day. */
const MAX_ITERATIONS = 100_000_000;

export function parseKeybag(bytes: Buffer): Keybag {
  const bad = (why: string) => new BadInputError(`the backup's key bag (BackupKeyBag in Manifest.plist) is damaged: ${why}`);
  const items: { tag: string; value: Buffer }[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) throw bad('an item header runs past its end');
    const tag = bytes.toString('latin1', at, at + 4);
    const length = bytes.readUInt32BE(at + 4);
    if (at + 8 + length > bytes.length) throw bad(`item ${JSON.stringify(tag)} runs past its end`);
    items.push({ tag, value: bytes.subarray(at + 8, at + 8 + length) });
    at += 8 + length;
  }
  const int = (v: Buffer) => {
    if (v.length !== 4) throw bad(`a number field has ${v.length} bytes`);
    return v.readUInt32BE(0);
  };
  const bag: Partial<Keybag> & { classKeys: Map<number, ClassKeyRecord> } = { classKeys: new Map() };
  let current: Partial<ClassKeyRecord> | undefined;
  const finish = () => {
    if (!current) return;
    if (current.protectionClass !== undefined && current.wrappedKey) {
      bag.classKeys.set(current.protectionClass, { wrap: 0, ...current } as ClassKeyRecord);
    }
    current = undefined;
  };
  for (const { tag, value } of items) {
    // The bag's own UUID comes first; every later UUID starts the record of one class key.
    if (tag === 'UUID') {
      if (bag.uuid === undefined) bag.uuid = Buffer.from(value);
      else {
        finish();
        current = {};
      }
      continue;
    }
    if (current) {
      if (tag === 'CLAS') current.protectionClass = int(value);
      else if (tag === 'WRAP') current.wrap = int(value);
      else if (tag === 'KTYP') current.keyType = int(value);
      else if (tag === 'WPKY') current.wrappedKey = Buffer.from(value);
      continue;
    }
    if (tag === 'VERS') bag.version = int(value);
    else if (tag === 'TYPE') bag.type = int(value);
    else if (tag === 'SALT') bag.salt = Buffer.from(value);
    else if (tag === 'ITER') bag.iterations = int(value);
    else if (tag === 'DPSL') bag.dpsl = Buffer.from(value);
    else if (tag === 'DPIC') bag.dpic = int(value);
  }
  finish();
  if (!bag.salt || bag.iterations === undefined) throw bad('it has no SALT or ITER');
  if (bag.iterations < 1 || bag.iterations > MAX_ITERATIONS) throw bad(`ITER is ${bag.iterations}`);
  if ((bag.dpsl === undefined) !== (bag.dpic === undefined)) throw bad('it has only one of DPSL and DPIC');
  if (bag.dpic !== undefined && (bag.dpic < 1 || bag.dpic > MAX_ITERATIONS)) throw bad(`DPIC is ${bag.dpic}`);
  if (bag.classKeys.size === 0) throw bad('it holds no class keys');
  return bag as Keybag;
}

const pbkdf2 = promisify(crypto.pbkdf2);

/** The key derived from the password, which unwraps the class keys. Runs off the main thread (libuv). */
export async function passwordKey(bag: Keybag, password: string): Promise<Buffer> {
  let secret: Buffer = Buffer.from(password, 'utf8');
  if (bag.dpsl !== undefined && bag.dpic !== undefined) secret = await pbkdf2(secret, bag.dpsl, bag.dpic, 32, 'sha256');
  return pbkdf2(secret, bag.salt, bag.iterations, 32, 'sha1');
}

export class WrongPasswordError extends BadInputError {}

/**
 * Every class key the password opens. A wrong password fails RFC 3394's integrity check on the
 * first class key, which is the one clear sign we get: there is no separate password hash.
 */
export async function unlockKeybag(bag: Keybag, password: string): Promise<Map<number, Buffer>> {
  const key = await passwordKey(bag, password);
  const keys = new Map<number, Buffer>();
  for (const record of bag.classKeys.values()) {
    if ((record.wrap & WRAP_PASSCODE) === 0) continue;
    const unwrapped = aesUnwrap(key, record.wrappedKey);
    if (!unwrapped) {
      throw new WrongPasswordError('the backup password is wrong: it does not open the backup\'s key bag. Try again (passwords are case-sensitive).');
    }
    keys.set(record.protectionClass, unwrapped);
  }
  if (keys.size === 0) throw new BadInputError('the backup\'s key bag has no keys that a password opens; it cannot be decrypted');
  return keys;
}

/** RFC 3394's default initial value. */
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/** RFC 3394 key unwrap with AES-256 (node:crypto's id-aes256-wrap); undefined when the check fails. */
export function aesUnwrap(kek: Buffer, wrapped: Buffer): Buffer | undefined {
  if (kek.length !== 32 || wrapped.length < 24 || wrapped.length % 8 !== 0) return undefined;
  try {
    const decipher = crypto.createDecipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}

export function aesWrap(kek: Buffer, key: Buffer): Buffer {
  const cipher = crypto.createCipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/**
 * A wrapped key as Manifest.plist's ManifestKey and MBFile's EncryptionKey carry it: its class
 * (4 bytes little-endian), then the key wrapped with that class key.
 */
export function unwrapClassedKey(classKeys: Map<number, Buffer>, blob: Buffer, what: string): Buffer {
  if (blob.length < 4 + 24) throw new BadInputError(`${what}: the wrapped key is too short (${blob.length} bytes)`);
  const protectionClass = blob.readUInt32LE(0);
  const classKey = classKeys.get(protectionClass);
  if (!classKey) throw new BadInputError(`${what}: protection class ${protectionClass} has no key in the key bag`);
  const key = aesUnwrap(classKey, blob.subarray(4));
  if (!key || key.length !== 32) throw new BadInputError(`${what}: its key does not unwrap (the backup is damaged)`);
  return key;
}
