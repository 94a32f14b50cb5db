import crypto from 'node:crypto';

/**
 * The encryption side of an iOS 10.2+ encrypted backup, for fixtures, written from the
 * published descriptions (Apple's iOS Security Guide "Keybags"; the research notes) with
 * node:crypto only, and kept apart from the adapter's decryption code so that a mistake in one
 * is not mirrored in the other.
 *
 * Apple uses DPIC = 10,000,000 SHA-256 rounds and ITER = 10,000 SHA-1 rounds; fixtures pass
 * small counts so that tests take milliseconds. The counts are stored in the key bag, and the
 * reader uses whatever the bag says, so the same code reads both.
 */
export interface EncryptionOptions {
  password: string;
  /** PBKDF2-HMAC-SHA256 rounds (DPIC). Apple: 10,000,000. */
  sha256Iterations?: number;
  /** PBKDF2-HMAC-SHA1 rounds (ITER). Apple: 10,000. */
  sha1Iterations?: number;
}

/** Protection classes a backup key bag carries (NSFileProtection* and their kSecAttrAccessible siblings). */
const CLASSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const WRAP_PASSCODE = 2;
const KEY_WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

export interface BackupKeys {
  keybag: Buffer;
  classKeys: Map<number, Buffer>;
  /** Wraps a key with a class key: 4-byte little-endian class, then RFC 3394. */
  wrapForClass(protectionClass: number, key: Buffer): Buffer;
}

export function makeBackupKeys(options: EncryptionOptions): BackupKeys {
  const dpsl = crypto.randomBytes(20);
  const salt = crypto.randomBytes(20);
  const dpic = options.sha256Iterations ?? 10_000_000;
  const iter = options.sha1Iterations ?? 10_000;
  const first = crypto.pbkdf2Sync(Buffer.from(options.password, 'utf8'), dpsl, dpic, 32, 'sha256');
  const passcodeKey = crypto.pbkdf2Sync(first, salt, iter, 32, 'sha1');

  const tlv = (tag: string, value: Buffer) => {
    const header = Buffer.alloc(8);
    header.write(tag, 0, 'latin1');
    header.writeUInt32BE(value.length, 4);
    return Buffer.concat([header, value]);
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const parts = [
    tlv('VERS', u32(4)), tlv('TYPE', u32(1)), tlv('UUID', crypto.randomBytes(16)), tlv('HMCK', crypto.randomBytes(40)),
    tlv('WRAP', u32(0)), tlv('SALT', salt), tlv('ITER', u32(iter)), tlv('DPWT', u32(1)), tlv('DPIC', u32(dpic)), tlv('DPSL', dpsl),
  ];
  const classKeys = new Map<number, Buffer>();
  for (const protectionClass of CLASSES) {
    const key = crypto.randomBytes(32);
    classKeys.set(protectionClass, key);
    parts.push(
      tlv('UUID', crypto.randomBytes(16)), tlv('CLAS', u32(protectionClass)), tlv('WRAP', u32(WRAP_PASSCODE)),
      tlv('KTYP', u32(0)), tlv('WPKY', wrap(passcodeKey, key)),
    );
  }
  return {
    keybag: Buffer.concat(parts),
    classKeys,
    wrapForClass(protectionClass, key) {
      const classKey = classKeys.get(protectionClass);
      if (!classKey) throw new Error(`no class key ${protectionClass}`);
      const head = Buffer.alloc(4);
      head.writeUInt32LE(protectionClass);
      return Buffer.concat([head, wrap(classKey, key)]);
    },
  };
}

function wrap(kek: Buffer, key: Buffer): Buffer {
  const cipher = crypto.createCipheriv('id-aes256-wrap', kek, KEY_WRAP_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/** AES-256-CBC, zero IV, PKCS#7 padding: how a backup stores each file and Manifest.db. */
export function encryptFile(key: Buffer, plain: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-256-cbc', key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}
