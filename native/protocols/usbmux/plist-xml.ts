/**
 * Apple's XML property lists, the message format of usbmuxd (protocol version 1) and lockdownd.
 *
 * A phone or a daemon is not trusted here: the parser refuses anything past a size, a nesting
 * depth and an item count, takes no DOCTYPE or entity definitions (only XML's five named entities
 * and character references), and never recurses deeper than `maxDepth`.
 */

export type PlistValue = string | number | bigint | boolean | Buffer | Date | PlistValue[] | PlistDict;
export interface PlistDict {
  [key: string]: PlistValue;
}

export class PlistError extends Error {
  override readonly name = 'PlistError';
}

export interface PlistLimits {
  maxBytes: number;
  maxDepth: number;
  maxItems: number;
}

export const DEFAULT_PLIST_LIMITS: PlistLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 32, maxItems: 200_000 };

// ---------------------------------------------------------------- writing

/** An XML plist as libplist writes it (tabs, `<dict>` keys in the order given). */
export function encodeXmlPlist(value: PlistValue): Buffer {
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
  ];
  writeValue(value, 0, lines);
  lines.push('</plist>', '');
  return Buffer.from(lines.join('\n'), 'utf8');
}

function writeValue(value: PlistValue, depth: number, out: string[]): void {
  const pad = '\t'.repeat(depth);
  if (typeof value === 'string') out.push(`${pad}<string>${escapeXml(value)}</string>`);
  else if (typeof value === 'bigint') out.push(`${pad}<integer>${value.toString()}</integer>`);
  else if (typeof value === 'number') {
    if (Number.isInteger(value)) out.push(`${pad}<integer>${value}</integer>`);
    else if (Number.isFinite(value)) out.push(`${pad}<real>${value}</real>`);
    else throw new PlistError(`a plist cannot hold ${value}`);
  } else if (typeof value === 'boolean') out.push(`${pad}<${value ? 'true' : 'false'}/>`);
  else if (Buffer.isBuffer(value)) {
    const base64 = value.toString('base64');
    if (base64.length === 0) out.push(`${pad}<data></data>`);
    else {
      out.push(`${pad}<data>`);
      for (let i = 0; i < base64.length; i += 68) out.push(`${pad}${base64.slice(i, i + 68)}`);
      out.push(`${pad}</data>`);
    }
  } else if (value instanceof Date) out.push(`${pad}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>`);
  else if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${pad}<array/>`);
    else {
      out.push(`${pad}<array>`);
      for (const item of value) writeValue(item, depth + 1, out);
      out.push(`${pad}</array>`);
    }
  } else {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push(`${pad}<dict/>`);
    else {
      out.push(`${pad}<dict>`);
      for (const [key, item] of entries) {
        out.push(`${pad}\t<key>${escapeXml(key)}</key>`);
        writeValue(item, depth + 1, out);
      }
      out.push(`${pad}</dict>`);
    }
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

// ---------------------------------------------------------------- reading

/** Parses an XML plist; throws PlistError with what was wrong and where. */
export function decodeXmlPlist(bytes: Uint8Array, limits: PlistLimits = DEFAULT_PLIST_LIMITS): PlistValue {
  if (bytes.byteLength > limits.maxBytes) throw new PlistError(`a plist of ${bytes.byteLength} bytes is over the limit of ${limits.maxBytes}`);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const parser = new XmlPlistParser(text, limits);
  return parser.parseDocument();
}

interface Tag {
  name: string;
  closing: boolean;
  selfClosing: boolean;
}

class XmlPlistParser {
  #pos = 0;
  #items = 0;
  readonly #text: string;
  readonly #limits: PlistLimits;

  constructor(text: string, limits: PlistLimits) {
    this.#text = text;
    this.#limits = limits;
  }

  parseDocument(): PlistValue {
    const top = this.#nextTag();
    if (top.name !== 'plist' || top.closing) throw this.#error(`expected <plist>, found <${top.closing ? '/' : ''}${top.name}>`);
    if (top.selfClosing) throw this.#error('the plist is empty');
    const value = this.#parseValue(this.#nextTag(), 1);
    const end = this.#nextTag();
    if (end.name !== 'plist' || !end.closing) throw this.#error(`expected </plist>, found <${end.name}>`);
    return value;
  }

  #parseValue(tag: Tag, depth: number): PlistValue {
    if (depth > this.#limits.maxDepth) throw this.#error(`nested deeper than ${this.#limits.maxDepth} levels`);
    if (++this.#items > this.#limits.maxItems) throw this.#error(`more than ${this.#limits.maxItems} items`);
    if (tag.closing) throw this.#error(`unexpected </${tag.name}>`);
    switch (tag.name) {
      case 'dict': {
        const dict: PlistDict = Object.create(null) as PlistDict;
        if (tag.selfClosing) return dict;
        for (;;) {
          const keyTag = this.#nextTag();
          if (keyTag.closing && keyTag.name === 'dict') return dict;
          if (keyTag.name !== 'key' || keyTag.closing) throw this.#error(`expected <key> in a <dict>, found <${keyTag.name}>`);
          const key = keyTag.selfClosing ? '' : this.#textUntil('key');
          dict[key] = this.#parseValue(this.#nextTag(), depth + 1);
        }
      }
      case 'array': {
        const array: PlistValue[] = [];
        if (tag.selfClosing) return array;
        for (;;) {
          const next = this.#nextTag();
          if (next.closing && next.name === 'array') return array;
          array.push(this.#parseValue(next, depth + 1));
        }
      }
      case 'string':
        return tag.selfClosing ? '' : this.#textUntil('string');
      case 'integer': {
        const text = tag.selfClosing ? '' : this.#textUntil('integer').trim();
        if (!/^[+-]?(\d+|0x[0-9a-fA-F]+)$/.test(text)) throw this.#error(`"${text.slice(0, 40)}" is not an integer`);
        const big = text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text.replace(/^\+/, ''));
        return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      case 'real': {
        const text = tag.selfClosing ? '' : this.#textUntil('real').trim();
        const n = Number(text);
        if (text === '' || Number.isNaN(n)) throw this.#error(`"${text.slice(0, 40)}" is not a number`);
        return n;
      }
      case 'true':
      case 'false':
        if (!tag.selfClosing) this.#textUntil(tag.name);
        return tag.name === 'true';
      case 'data': {
        const text = tag.selfClosing ? '' : this.#textUntil('data');
        const compact = text.replace(/\s+/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw this.#error('<data> is not base64');
        return Buffer.from(compact, 'base64');
      }
      case 'date': {
        const text = tag.selfClosing ? '' : this.#textUntil('date').trim();
        const ms = Date.parse(text);
        if (Number.isNaN(ms)) throw this.#error(`"${text.slice(0, 40)}" is not a date`);
        return new Date(ms);
      }
      default:
        throw this.#error(`unknown element <${tag.name.slice(0, 40)}>`);
    }
  }

  /** The next element tag, skipping the prolog, comments, DOCTYPE and whitespace. */
  #nextTag(): Tag {
    const text = this.#text;
    for (;;) {
      const lt = text.indexOf('<', this.#pos);
      if (lt < 0) throw this.#error('the plist ends too early');
      if (text.slice(this.#pos, lt).trim() !== '') throw this.#error('text outside an element');
      if (text.startsWith('<?', lt)) {
        this.#pos = this.#after('?>', lt);
        continue;
      }
      if (text.startsWith('<!--', lt)) {
        this.#pos = this.#after('-->', lt);
        continue;
      }
      if (text.startsWith('<!', lt)) {
        // A DOCTYPE: its internal subset (entity definitions) is refused rather than expanded.
        const end = text.indexOf('>', lt);
        if (end < 0) throw this.#error('the plist ends too early');
        if (text.slice(lt, end).includes('[')) throw this.#error('a DOCTYPE with definitions is not accepted');
        this.#pos = end + 1;
        continue;
      }
      const gt = text.indexOf('>', lt);
      if (gt < 0) throw this.#error('the plist ends too early');
      const inner = text.slice(lt + 1, gt);
      const match = /^(\/?)([A-Za-z][A-Za-z0-9]*)(\s[^>]*?)?(\/?)\s*$/.exec(inner);
      if (!match) throw this.#error(`a malformed tag <${inner.slice(0, 40)}>`);
      this.#pos = gt + 1;
      return { name: match[2]!, closing: match[1] === '/', selfClosing: match[4] === '/' };
    }
  }

  #textUntil(name: string): string {
    const close = `</${name}>`;
    const end = this.#text.indexOf(close, this.#pos);
    if (end < 0) throw this.#error(`<${name}> is never closed`);
    const raw = this.#text.slice(this.#pos, end);
    if (raw.includes('<')) throw this.#error(`<${name}> holds markup`);
    this.#pos = end + close.length;
    return unescapeXml(raw, (msg) => this.#error(msg));
  }

  #after(marker: string, from: number): number {
    const end = this.#text.indexOf(marker, from);
    if (end < 0) throw this.#error('the plist ends too early');
    return end + marker.length;
  }

  #error(message: string): PlistError {
    return new PlistError(`not a valid plist: ${message} (at character ${this.#pos})`);
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(raw: string, error: (message: string) => Error): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]{0,10});/g, (_, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return codePoint(parseInt(name.slice(2), 16), error);
    if (name.startsWith('#')) return codePoint(parseInt(name.slice(1), 10), error);
    const named = NAMED_ENTITIES[name];
    if (named === undefined) throw error(`unknown entity &${name};`);
    return named;
  });
}

function codePoint(n: number, error: (message: string) => Error): string {
  if (!Number.isInteger(n) || n < 0 || n > 0x10ffff) throw error('a bad character reference');
  return String.fromCodePoint(n);
}

// ---------------------------------------------------------------- reading values safely

/** Type-checked field access for a decoded dict: phones and daemons send what they like. */
export function asDict(value: PlistValue | undefined, what: string): PlistDict {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value) || value instanceof Date) {
    throw new PlistError(`${what} is not a dictionary`);
  }
  return value;
}

export function optionalString(dict: PlistDict, key: string): string | undefined {
  const v = dict[key];
  return typeof v === 'string' ? v : undefined;
}

export function optionalInteger(dict: PlistDict, key: string): number | undefined {
  const v = dict[key];
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

export function optionalData(dict: PlistDict, key: string): Buffer | undefined {
  const v = dict[key];
  return Buffer.isBuffer(v) ? v : undefined;
}
