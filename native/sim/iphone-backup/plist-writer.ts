import { isDict, MAC_EPOCH_OFFSET_SECONDS, PlistUid, type PlistDict, type PlistValue } from '../../readers/ios-plist.ts';

/**
 * The inverse of native/readers/ios-plist.ts, for fixtures: binary plists ("bplist00", as
 * iTunes writes Manifest.plist and Status.plist) and XML plists (as it writes Info.plist),
 * following the layout in CFBinaryPList.c's header comment. Objects are not de-duplicated
 * (allowed by the format; Apple's writer shares equal strings, which readers must not rely on).
 */
export function writeBinaryPlist(root: PlistValue): Buffer {
  const objects: Buffer[] = [];
  const pendingRefs: { object: number; refs: number[] }[] = [];

  // First pass: flatten, giving every object an index (the root is 0).
  const add = (value: PlistValue): number => {
    const index = objects.length;
    objects.push(Buffer.alloc(0));
    if (Array.isArray(value)) {
      const refs = value.map(add);
      pendingRefs.push({ object: index, refs });
      objects[index] = collectionHeader(0xa, value.length);
    } else if (isDict(value)) {
      const keys = Object.keys(value);
      const keyRefs = keys.map((k) => add(k));
      const valueRefs = keys.map((k) => add((value as PlistDict)[k]!));
      pendingRefs.push({ object: index, refs: [...keyRefs, ...valueRefs] });
      objects[index] = collectionHeader(0xd, keys.length);
    } else {
      objects[index] = scalar(value);
    }
    return index;
  };
  add(root);

  const refSize = byteWidth(objects.length);
  for (const { object, refs } of pendingRefs) {
    const refBytes = Buffer.alloc(refs.length * refSize);
    refs.forEach((r, i) => writeUInt(refBytes, i * refSize, refSize, r));
    objects[object] = Buffer.concat([objects[object]!, refBytes]);
  }

  const header = Buffer.from('bplist00', 'latin1');
  const offsets: number[] = [];
  let position = header.length;
  for (const o of objects) {
    offsets.push(position);
    position += o.length;
  }
  const tableOffset = position;
  const offsetSize = byteWidth(tableOffset);
  const table = Buffer.alloc(offsets.length * offsetSize);
  offsets.forEach((o, i) => writeUInt(table, i * offsetSize, offsetSize, o));
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = refSize;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(0n, 16);
  trailer.writeBigUInt64BE(BigInt(tableOffset), 24);
  return Buffer.concat([header, ...objects, table, trailer]);
}

function scalar(value: PlistValue): Buffer {
  if (value === null) return Buffer.from([0x00]);
  if (value === false) return Buffer.from([0x08]);
  if (value === true) return Buffer.from([0x09]);
  if (value instanceof PlistUid) {
    const size = byteWidth(value.value);
    const b = Buffer.alloc(1 + size);
    b[0] = 0x80 | (size - 1);
    writeUInt(b, 1, size, value.value);
    return b;
  }
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return integer(BigInt(value));
  if (typeof value === 'number') {
    const b = Buffer.alloc(9);
    b[0] = 0x23;
    b.writeDoubleBE(value, 1);
    return b;
  }
  if (value instanceof Date) {
    const b = Buffer.alloc(9);
    b[0] = 0x33;
    b.writeDoubleBE(value.getTime() / 1000 - MAC_EPOCH_OFFSET_SECONDS, 1);
    return b;
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([lengthHeader(0x4, value.length), value]);
  if (typeof value === 'string') {
    // ASCII strings are stored as bytes, anything else as UTF-16 big-endian.
    if (/^[\x00-\x7f]*$/.test(value)) return Buffer.concat([lengthHeader(0x5, value.length), Buffer.from(value, 'latin1')]);
    const utf16 = Buffer.from(value, 'utf16le');
    utf16.swap16();
    return Buffer.concat([lengthHeader(0x6, utf16.length / 2), utf16]);
  }
  throw new TypeError(`writeBinaryPlist: cannot write ${typeof value}`);
}

/** Non-negative integers below 2^63 as the smallest of 1, 2, 4 bytes (unsigned) or 8 (signed). */
function integer(n: bigint): Buffer {
  if (n >= 0n && n < 0x100n) return Buffer.from([0x10, Number(n)]);
  if (n >= 0n && n < 0x10000n) {
    const b = Buffer.alloc(3);
    b[0] = 0x11;
    b.writeUInt16BE(Number(n), 1);
    return b;
  }
  if (n >= 0n && n < 0x80000000n) {
    const b = Buffer.alloc(5);
    b[0] = 0x12;
    b.writeUInt32BE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0x13;
  b.writeBigInt64BE(n, 1);
  return b;
}

function lengthHeader(type: number, length: number): Buffer {
  if (length < 15) return Buffer.from([(type << 4) | length]);
  return Buffer.concat([Buffer.from([(type << 4) | 0x0f]), integer(BigInt(length))]);
}

function collectionHeader(type: number, length: number): Buffer {
  return lengthHeader(type, length);
}

function byteWidth(n: number): number {
  if (n < 0x100) return 1;
  if (n < 0x10000) return 2;
  if (n < 0x100000000) return 4;
  return 8;
}

function writeUInt(b: Buffer, at: number, size: number, value: number): void {
  for (let i = size - 1; i >= 0; i--) {
    b[at + i] = value % 256;
    value = Math.floor(value / 256);
  }
}

// ---- XML -----------------------------------------------------------------------------------

export function writeXmlPlist(root: PlistValue): string {
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
  ];
  const write = (value: PlistValue, indent: string): void => {
    if (Array.isArray(value)) {
      if (value.length === 0) return void lines.push(`${indent}<array/>`);
      lines.push(`${indent}<array>`);
      for (const v of value) write(v, `${indent}\t`);
      lines.push(`${indent}</array>`);
    } else if (isDict(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) return void lines.push(`${indent}<dict/>`);
      lines.push(`${indent}<dict>`);
      for (const k of keys) {
        lines.push(`${indent}\t<key>${escapeXml(k)}</key>`);
        write(value[k]!, `${indent}\t`);
      }
      lines.push(`${indent}</dict>`);
    } else if (value === true || value === false) {
      lines.push(`${indent}<${value}/>`);
    } else if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
      lines.push(`${indent}<integer>${value}</integer>`);
    } else if (typeof value === 'number') {
      lines.push(`${indent}<real>${value}</real>`);
    } else if (value instanceof Date) {
      lines.push(`${indent}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>`);
    } else if (Buffer.isBuffer(value)) {
      lines.push(`${indent}<data>`, `${indent}${value.toString('base64')}`, `${indent}</data>`);
    } else if (typeof value === 'string') {
      lines.push(`${indent}<string>${escapeXml(value)}</string>`);
    } else {
      throw new TypeError('writeXmlPlist: UIDs and null have no XML form');
    }
  };
  write(root, '');
  lines.push('</plist>', '');
  return lines.join('\n');
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
