/**
 * Apple property lists, as an iPhone backup holds them: binary ("bplist00", Manifest.plist,
 * Status.plist, the MBFile archives in Manifest.db) and XML (Info.plist). Written from Apple's
 * published format (CFBinaryPList.c's header comment; the plist DTD), read-only, and hardened:
 * a backup folder is untrusted input, so every offset is bounds-checked, nesting and object
 * counts are capped, and a reference cycle is an error, never a hang.
 */

/** NSKeyedArchiver's object references (binary marker 0x80). */
export class PlistUid {
  constructor(readonly value: number) {}
}

export type PlistValue =
  | string
  | number
  | bigint
  | boolean
  | Date
  | Buffer
  | PlistUid
  | null
  | PlistValue[]
  | PlistDict;

export interface PlistDict {
  [key: string]: PlistValue;
}

export class PlistError extends Error {
  override readonly name = 'PlistError';
}

/** Seconds between the Unix epoch and Apple's reference date, 2001-01-01T00:00:00Z. */
export const MAC_EPOCH_OFFSET_SECONDS = 978307200;

const MAX_DEPTH = 64;
/** Far more than any backup plist holds; stops a crafted header from making us loop for hours. */
const MAX_OBJECTS = 5_000_000;

/** Either form, decided by the first bytes. */
export function parsePlist(bytes: Buffer): PlistValue {
  if (bytes.length >= 8 && bytes.toString('latin1', 0, 6) === 'bplist') return parseBinaryPlist(bytes);
  const head = bytes.toString('utf8', 0, Math.min(bytes.length, 256)).replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('<')) return parseXmlPlist(bytes.toString('utf8'));
  throw new PlistError('it is neither a binary nor an XML property list');
}

export function isDict(value: PlistValue | undefined): value is PlistDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !Buffer.isBuffer(value) && !(value instanceof PlistUid);
}

// ---- binary --------------------------------------------------------------------------------

export function parseBinaryPlist(bytes: Buffer): PlistValue {
  if (bytes.length < 8 + 32) throw new PlistError('the binary property list is too short');
  const magic = bytes.toString('latin1', 0, 8);
  if (magic !== 'bplist00') throw new PlistError(`unsupported binary property list version "${magic}"`);
  const trailer = bytes.length - 32;
  const offsetSize = bytes[trailer + 6]!;
  const refSize = bytes[trailer + 7]!;
  const objectCount = readBigUInt(bytes, trailer + 8, 8);
  const topObject = readBigUInt(bytes, trailer + 16, 8);
  const tableOffset = readBigUInt(bytes, trailer + 24, 8);
  if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(refSize)) throw new PlistError('the trailer has invalid sizes');
  if (objectCount < 1 || objectCount > MAX_OBJECTS) throw new PlistError(`the trailer names ${objectCount} objects`);
  if (topObject >= objectCount) throw new PlistError('the top object is outside the object table');
  if (tableOffset < 8 || tableOffset + objectCount * offsetSize > trailer) throw new PlistError('the offset table is outside the file');

  const offsetOf = (ref: number): number => {
    if (ref >= objectCount) throw new PlistError(`object reference ${ref} is outside the object table`);
    const offset = readBigUInt(bytes, tableOffset + ref * offsetSize, offsetSize);
    if (offset < 8 || offset >= tableOffset) throw new PlistError(`object ${ref} starts outside the object area`);
    return offset;
  };
  const onPath = new Set<number>();

  const readObject = (ref: number, depth: number): PlistValue => {
    if (depth > MAX_DEPTH) throw new PlistError('objects are nested too deeply');
    if (onPath.has(ref)) throw new PlistError(`object ${ref} contains itself`);
    const at = offsetOf(ref);
    const marker = bytes[at]!;
    const high = marker >> 4;
    const low = marker & 0x0f;
    const within = (start: number, length: number) => {
      if (length < 0 || start + length > tableOffset) throw new PlistError(`object ${ref} runs past the object area`);
    };
    switch (high) {
      case 0x0:
        if (marker === 0x00) return null;
        if (marker === 0x08) return false;
        if (marker === 0x09) return true;
        throw new PlistError(`unknown marker 0x${marker.toString(16)}`);
      case 0x1: {
        const size = 1 << low;
        within(at + 1, size);
        if (size > 8) throw new PlistError('integers above 64 bits are not supported');
        return readInteger(bytes, at + 1, size);
      }
      case 0x2: {
        const size = 1 << low;
        within(at + 1, size);
        if (size === 4) return bytes.readFloatBE(at + 1);
        if (size === 8) return bytes.readDoubleBE(at + 1);
        throw new PlistError(`a real of ${size} bytes`);
      }
      case 0x3: {
        if (marker !== 0x33) throw new PlistError(`unknown marker 0x${marker.toString(16)}`);
        within(at + 1, 8);
        return new Date(Math.round((bytes.readDoubleBE(at + 1) + MAC_EPOCH_OFFSET_SECONDS) * 1000));
      }
      case 0x4: {
        const { length, start } = lengthOf(bytes, at, low, tableOffset);
        within(start, length);
        return Buffer.from(bytes.subarray(start, start + length));
      }
      case 0x5: {
        const { length, start } = lengthOf(bytes, at, low, tableOffset);
        within(start, length);
        return bytes.toString('latin1', start, start + length);
      }
      case 0x6: {
        const { length, start } = lengthOf(bytes, at, low, tableOffset);
        within(start, length * 2);
        const swapped = Buffer.from(bytes.subarray(start, start + length * 2));
        swapped.swap16();
        return swapped.toString('utf16le');
      }
      case 0x8: {
        const size = low + 1;
        within(at + 1, size);
        if (size > 4) throw new PlistError('a UID above 32 bits');
        return new PlistUid(readBigUInt(bytes, at + 1, size));
      }
      case 0xa:
      case 0xc:
      case 0xd: {
        const { length, start } = lengthOf(bytes, at, low, tableOffset);
        const refs = high === 0xd ? length * 2 : length;
        if (refs > objectCount * 2 + 2) throw new PlistError(`object ${ref} lists more members than the file has objects`);
        within(start, refs * refSize);
        const refAt = (i: number) => readBigUInt(bytes, start + i * refSize, refSize);
        onPath.add(ref);
        try {
          if (high !== 0xd) {
            const out: PlistValue[] = [];
            for (let i = 0; i < length; i++) out.push(readObject(refAt(i), depth + 1));
            return out;
          }
          const dict: PlistDict = Object.create(null) as PlistDict;
          for (let i = 0; i < length; i++) {
            const key = readObject(refAt(i), depth + 1);
            if (typeof key !== 'string') throw new PlistError('a dictionary key is not a string');
            dict[key] = readObject(refAt(length + i), depth + 1);
          }
          return dict;
        } finally {
          onPath.delete(ref);
        }
      }
      default:
        throw new PlistError(`unknown marker 0x${marker.toString(16)}`);
    }
  };
  return readObject(topObject, 0);
}

function lengthOf(bytes: Buffer, at: number, low: number, end: number): { length: number; start: number } {
  if (low !== 0x0f) return { length: low, start: at + 1 };
  const intMarker = bytes[at + 1];
  if (intMarker === undefined || intMarker >> 4 !== 0x1) throw new PlistError('a length is not an integer');
  const size = 1 << (intMarker & 0x0f);
  if (size > 8 || at + 2 + size > end) throw new PlistError('a length runs past the object area');
  const length = readBigUInt(bytes, at + 2, size);
  return { length, start: at + 2 + size };
}

/** Unsigned, big-endian, as a safe number (else an error: no offset in a real file is that large). */
function readBigUInt(bytes: Buffer, at: number, size: number): number {
  if (at < 0 || at + size > bytes.length) throw new PlistError('a field runs past the end of the file');
  let value = 0n;
  for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(bytes[at + i]!);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new PlistError('a number is too large');
  return Number(value);
}

/** 1, 2 and 4-byte integers are unsigned, 8-byte ones signed (CFBinaryPList). */
function readInteger(bytes: Buffer, at: number, size: number): number | bigint {
  let value: bigint;
  if (size === 8) value = bytes.readBigInt64BE(at);
  else {
    value = 0n;
    for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(bytes[at + i]!);
  }
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

// ---- XML -----------------------------------------------------------------------------------

/**
 * The XML form: a small tokenizer for exactly the plist vocabulary (no general XML: entities
 * beyond the five predefined ones and character references are refused).
 */
export function parseXmlPlist(text: string): PlistValue {
  const tokens = tokenize(text);
  let i = 0;
  /** Whitespace between elements means nothing; text inside a leaf element is read by textUntilClose. */
  const skipSpace = () => {
    while (tokens[i]?.kind === 'text' && (tokens[i] as TextToken).text.trim() === '') i++;
  };
  const peekKind = () => {
    skipSpace();
    return tokens[i]?.kind;
  };
  const next = () => {
    skipSpace();
    const t = tokens[i++];
    if (!t) throw new PlistError('the XML property list ends early');
    return t;
  };
  const open = next();
  if (open.kind !== 'open' || open.name !== 'plist') throw new PlistError('the XML has no <plist> element');
  if (open.selfClosing) throw new PlistError('<plist/> is empty');
  const value = readValue(0);
  const close = next();
  if (close.kind !== 'close' || close.name !== 'plist') throw new PlistError('<plist> holds more than one value');
  return value;

  function readValue(depth: number): PlistValue {
    if (depth > MAX_DEPTH) throw new PlistError('values are nested too deeply');
    const t = next();
    if (t.kind !== 'open') throw new PlistError(`expected a value, found ${describe(t)}`);
    if (t.selfClosing) {
      switch (t.name) {
        case 'true': return true;
        case 'false': return false;
        case 'array': return [];
        case 'dict': return Object.create(null) as PlistDict;
        case 'string': return '';
        case 'data': return Buffer.alloc(0);
        default: throw new PlistError(`<${t.name}/> is not a value`);
      }
    }
    if (t.name === 'array') {
      const out: PlistValue[] = [];
      while (peekKind() !== 'close') out.push(readValue(depth + 1));
      expectClose('array');
      return out;
    }
    if (t.name === 'dict') {
      const dict = Object.create(null) as PlistDict;
      while (peekKind() !== 'close') {
        const k = next();
        if (k.kind !== 'open' || k.name !== 'key') throw new PlistError(`expected <key> in a <dict>, found ${describe(k)}`);
        const key = k.selfClosing ? '' : textUntilClose('key');
        dict[key] = readValue(depth + 1);
      }
      expectClose('dict');
      return dict;
    }
    if (t.name === 'true' || t.name === 'false') {
      expectClose(t.name);
      return t.name === 'true';
    }
    const body = textUntilClose(t.name);
    switch (t.name) {
      case 'string': return body;
      case 'integer': {
        if (!/^\s*[+-]?\d+\s*$/.test(body)) throw new PlistError(`<integer>${body}</integer> is not an integer`);
        const big = BigInt(body.trim());
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      case 'real': {
        const n = Number(body.trim());
        if (body.trim() === '' || Number.isNaN(n)) throw new PlistError(`<real>${body}</real> is not a number`);
        return n;
      }
      case 'date': {
        const ms = Date.parse(body.trim());
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(body.trim()) || Number.isNaN(ms)) throw new PlistError(`<date>${body}</date> is not a date`);
        return new Date(ms);
      }
      case 'data': {
        const compact = body.replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw new PlistError('<data> is not base64');
        return Buffer.from(compact, 'base64');
      }
      default:
        throw new PlistError(`<${t.name}> is not a plist value`);
    }
  }

  function textUntilClose(name: string): string {
    let body = '';
    while (tokens[i]?.kind === 'text') body += (tokens[i++] as TextToken).text;
    expectClose(name);
    return body;
  }

  function expectClose(name: string): void {
    const t = next();
    if (t.kind !== 'close' || t.name !== name) throw new PlistError(`expected </${name}>, found ${describe(t)}`);
  }
}

interface OpenToken { kind: 'open'; name: string; selfClosing: boolean }
interface CloseToken { kind: 'close'; name: string }
interface TextToken { kind: 'text'; text: string }
type Token = OpenToken | CloseToken | TextToken;

function describe(t: Token): string {
  if (t.kind === 'text') return 'text';
  return t.kind === 'open' ? `<${t.name}>` : `</${t.name}>`;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const s = text.replace(/^\uFEFF/, '');
  while (at < s.length) {
    const lt = s.indexOf('<', at);
    const textEnd = lt < 0 ? s.length : lt;
    if (textEnd > at) {
      const raw = s.slice(at, textEnd);
      // Whitespace between elements means nothing; inside <string> it is kept (the parser joins it).
      tokens.push({ kind: 'text', text: decodeEntities(raw) });
    }
    if (lt < 0) break;
    if (s.startsWith('<?', lt)) {
      at = closeAt(s, '?>', lt) + 2;
    } else if (s.startsWith('<!--', lt)) {
      at = closeAt(s, '-->', lt) + 3;
    } else if (s.startsWith('<![CDATA[', lt)) {
      const end = closeAt(s, ']]>', lt);
      tokens.push({ kind: 'text', text: s.slice(lt + 9, end) });
      at = end + 3;
    } else if (s.startsWith('<!', lt)) {
      at = closeAt(s, '>', lt) + 1; // DOCTYPE
    } else {
      const end = closeAt(s, '>', lt);
      const inner = s.slice(lt + 1, end).trim();
      if (inner.startsWith('/')) tokens.push({ kind: 'close', name: inner.slice(1).trim() });
      else {
        const selfClosing = inner.endsWith('/');
        const name = (selfClosing ? inner.slice(0, -1) : inner).trim().split(/\s+/)[0] ?? '';
        tokens.push({ kind: 'open', name, selfClosing });
      }
      at = end + 1;
    }
  }
  return tokens;
}

function closeAt(s: string, what: string, from: number): number {
  const end = s.indexOf(what, from);
  if (end < 0) throw new PlistError('the XML ends inside a tag');
  return end;
}

function decodeEntities(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);|&/g, (whole, name: string | undefined) => {
    if (name === undefined) throw new PlistError('a bare & in the XML');
    if (name.startsWith('#x') || name.startsWith('#')) {
      const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) throw new PlistError(`bad character reference ${whole}`);
      return String.fromCodePoint(code);
    }
    const known: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    const value = known[name];
    if (value === undefined) throw new PlistError(`unknown entity ${whole}`);
    return value;
  });
}
