import crypto from 'node:crypto';

/**
 * The few X.509 v3 certificates pairing needs, built in DER by hand: node:crypto signs and parses
 * certificates but cannot make one, and the shape is small and fixed (RFC 5280 §4.1). They are
 * made the way libimobiledevice makes them, which iPhones accept: empty subject and issuer names,
 * ten years of validity, sha256WithRSAEncryption, and these extensions:
 *   root   basicConstraints critical CA:TRUE
 *   host   basicConstraints critical CA:FALSE, keyUsage critical digitalSignature keyEncipherment
 *   device the same as host, plus subjectKeyIdentifier (SHA-1 of the key)
 */
export interface CertificateRequest {
  /** The key the certificate is for. */
  subjectKey: crypto.KeyObject;
  /** The key that signs it (the root's own key for the root). */
  signingKey: crypto.KeyObject;
  isAuthority: boolean;
  keyUsage: boolean;
  subjectKeyIdentifier: boolean;
  notBefore?: Date;
  validYears?: number;
}

const OID = {
  sha256WithRsa: '1.2.840.113549.1.1.11',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
};

/** A DER certificate; `toPem` makes the PEM text lockdown's pair records hold. */
export function makeCertificate(request: CertificateRequest): Buffer {
  const notBefore = request.notBefore ?? new Date();
  const notAfter = new Date(notBefore.getTime());
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + (request.validYears ?? 10));
  const spki = request.subjectKey.export({ type: 'spki', format: 'der' });
  const algorithm = sequence(oid(OID.sha256WithRsa), derNull());

  const extensions: Buffer[] = [extension(OID.basicConstraints, true, sequence(...(request.isAuthority ? [boolean(true)] : [])))];
  // digitalSignature (bit 0) and keyEncipherment (bit 2): 0b1010_0000 with 5 unused bits.
  if (request.keyUsage) extensions.push(extension(OID.keyUsage, true, tlv(0x03, Buffer.from([0x05, 0xa0]))));
  if (request.subjectKeyIdentifier) {
    const keyBits = subjectPublicKeyBits(spki);
    extensions.push(extension(OID.subjectKeyIdentifier, false, tlv(0x04, crypto.createHash('sha1').update(keyBits).digest())));
  }

  const serial = crypto.randomBytes(8);
  serial[0]! &= 0x7f; // positive
  const tbs = sequence(
    tlv(0xa0, integer(Buffer.from([2]))), // version 3
    integer(serial),
    algorithm,
    sequence(), // issuer: empty, as libimobiledevice's
    sequence(time(notBefore), time(notAfter)),
    sequence(), // subject
    spki,
    tlv(0xa3, sequence(...extensions)),
  );
  const signature = crypto.sign('sha256', tbs, request.signingKey);
  return sequence(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const base64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

// ---------------------------------------------------------------- DER

function tlv(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, content]);
}

function sequence(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function integer(bigEndian: Buffer): Buffer {
  let bytes = bigEndian;
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1]! & 0x80) === 0) bytes = bytes.subarray(1);
  if ((bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function boolean(value: boolean): Buffer {
  return tlv(0x01, Buffer.from([value ? 0xff : 0]));
}

function derNull(): Buffer {
  return Buffer.from([0x05, 0x00]);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const base128: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) base128.unshift((n & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), tlv(0x04, value));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ''); // 20260102030405
  if (date.getUTCFullYear() < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

/** The subjectPublicKey BIT STRING's bytes inside an SPKI (what subjectKeyIdentifier hashes, RFC 5280 §4.2.1.2). */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  let offset = outer.contentStart;
  const algorithm = readTlv(spki, offset);
  offset = algorithm.contentStart + algorithm.length;
  const bits = readTlv(spki, offset);
  return spki.subarray(bits.contentStart + 1, bits.contentStart + bits.length); // after the unused-bits byte
}

function readTlv(der: Buffer, offset: number): { contentStart: number; length: number } {
  const first = der[offset + 1]!;
  if (first < 0x80) return { contentStart: offset + 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i]!;
  return { contentStart: offset + 2 + count, length };
}
