import crypto from 'node:crypto';

/**
 * adb signs the device's 20-byte token with RSA PKCS#1 v1.5 as if the token were already a SHA-1
 * digest (OpenSSL RSA_sign(NID_sha1, token)): the signed block is the SHA-1 DigestInfo prefix
 * followed by the token itself, not by SHA-1(token). So the check is: RSA-open the signature with
 * the public key and compare that block, which node:crypto's publicDecrypt does with PKCS#1 padding.
 */
const SHA1_DIGEST_INFO_PREFIX = Buffer.from('3021300906052b0e03021a05000414', 'hex');

export function verifyTokenSignature(publicKey: crypto.KeyObject, token: Uint8Array, signature: Uint8Array): boolean {
  let opened: Buffer;
  try {
    opened = crypto.publicDecrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false; // wrong size, wrong key, or not PKCS#1 type-1 padding
  }
  const expected = Buffer.concat([SHA1_DIGEST_INFO_PREFIX, token]);
  return opened.length === expected.length && crypto.timingSafeEqual(opened, expected);
}

/** What the adb client does with its private key; here for tests and for fake hosts. */
export function signTokenLikeAdb(privateKey: crypto.KeyObject, token: Uint8Array): Buffer {
  return crypto.privateEncrypt(
    { key: privateKey, padding: crypto.constants.RSA_PKCS1_PADDING },
    Buffer.concat([SHA1_DIGEST_INFO_PREFIX, token]),
  );
}
