import crypto from 'node:crypto';

/**
 * Android's RSA public key format, the one `adb` keeps in ~/.android/adbkey.pub and sends in
 * AUTH(RSAPUBLICKEY): base64 of a little-endian struct (mincrypt's RSAPublicKey)
 *   u32 len (modulus size in 32-bit words, 64 for RSA-2048), u32 n0inv (-1/n mod 2^32),
 *   u32 n[len] (modulus, little-endian), u32 rr[len] (R^2 mod n, R = 2^(32*len)), u32 exponent
 * followed by " user@host" and, on the wire, a NUL.
 */
export interface AndroidPublicKey {
  /** The key as node:crypto uses it, to check signatures. */
  key: crypto.KeyObject;
  /** The comment after the base64 (usually user@host), '' when there is none. */
  comment: string;
  /** The base64 text, the identity the device remembers ("always allow from this computer"). */
  base64: string;
}

export class BadPublicKeyError extends Error {
  override readonly name = 'BadPublicKeyError';
}

/** Parses `base64 [comment]` (a trailing NUL and new line are allowed). Throws BadPublicKeyError. */
export function parseAndroidPublicKey(text: string): AndroidPublicKey {
  const trimmed = text.replace(/\0+$/, '').trim();
  const space = trimmed.search(/\s/);
  const base64 = space < 0 ? trimmed : trimmed.slice(0, space);
  const comment = space < 0 ? '' : trimmed.slice(space + 1).trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new BadPublicKeyError('the key is not base64');
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 12) throw new BadPublicKeyError(`the key is ${blob.length} bytes, too short`);
  const words = blob.readUInt32LE(0);
  // RSA-2048 is what adb makes; allow 1024..4096 bits, nothing absurd.
  if (words < 32 || words > 128) throw new BadPublicKeyError(`the key claims a ${words * 32}-bit modulus`);
  const expectedLength = 4 + 4 + words * 4 * 2 + 4;
  if (blob.length !== expectedLength) {
    throw new BadPublicKeyError(`the key is ${blob.length} bytes; a ${words * 32}-bit key is ${expectedLength}`);
  }
  const n0inv = blob.readUInt32LE(4);
  const nLittle = blob.subarray(8, 8 + words * 4);
  const rrLittle = blob.subarray(8 + words * 4, 8 + words * 8);
  const exponent = blob.readUInt32LE(8 + words * 8);
  const n = bigFromLittleEndian(nLittle);
  if (n === 0n || n % 2n === 0n) throw new BadPublicKeyError('the modulus is not an odd number');
  // The precomputed Montgomery values must belong to this modulus, or the blob was tampered with.
  if (((BigInt(n0inv) * (n % 2n ** 32n)) % 2n ** 32n) !== 2n ** 32n - 1n) {
    throw new BadPublicKeyError('n0inv does not match the modulus');
  }
  if (bigFromLittleEndian(rrLittle) !== (2n ** BigInt(64 * words)) % n) {
    throw new BadPublicKeyError('rr does not match the modulus');
  }
  if (exponent < 3 || exponent % 2 === 0) throw new BadPublicKeyError(`the exponent ${exponent} is not a valid RSA exponent`);
  const key = crypto.createPublicKey({
    key: { kty: 'RSA', n: bigToBase64Url(n), e: bigToBase64Url(BigInt(exponent)) },
    format: 'jwk',
  });
  return { key, comment, base64 };
}

/** Encodes a public key the way adb writes adbkey.pub (without the trailing new line). */
export function encodeAndroidPublicKey(publicKey: crypto.KeyObject, comment = 'lifeboat@sim'): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new BadPublicKeyError('not an RSA public key');
  const n = bigFromBigEndian(Buffer.from(jwk.n, 'base64url'));
  const exponent = Number(bigFromBigEndian(Buffer.from(jwk.e, 'base64url')));
  const words = Math.ceil(n.toString(2).length / 32);
  const blob = Buffer.alloc(4 + 4 + words * 8 + 4);
  blob.writeUInt32LE(words, 0);
  const r32 = 2n ** 32n;
  const n0inv = (r32 - modInverse(n % r32, r32)) % r32;
  blob.writeUInt32LE(Number(n0inv), 4);
  bigToLittleEndian(n, words * 4).copy(blob, 8);
  bigToLittleEndian((2n ** BigInt(64 * words)) % n, words * 4).copy(blob, 8 + words * 4);
  blob.writeUInt32LE(exponent, 8 + words * 8);
  return `${blob.toString('base64')} ${comment}`;
}

function bigFromLittleEndian(bytes: Uint8Array): bigint {
  return bigFromBigEndian(Buffer.from(bytes).reverse());
}

function bigFromBigEndian(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function bigToLittleEndian(value: bigint, length: number): Buffer {
  const hex = value.toString(16).padStart(length * 2, '0');
  return Buffer.from(hex, 'hex').reverse();
}

function bigToBase64Url(value: bigint): string {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}
