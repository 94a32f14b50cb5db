/**
 * Content lines of vCard (2.1, 3.0, 4.0) and vCalendar / iCalendar files, as the files really
 * are: CRLF or LF, folded lines (CRLF + space or tab), vCard 2.1 / vCalendar 1.0
 * quoted-printable values whose soft line breaks ("=" at the end of a line) continue on the next
 * line, bare 2.1 parameters ("TEL;CELL;PREF:"), CHARSET parameters, and item groups
 * ("item1.EMAIL"). Values are decoded to text here (quoted-printable and charset); splitting of
 * structured values and backslash escapes is left to the caller, which knows the property.
 */

export interface ContentLine {
  group?: string;
  /** Upper case. */
  name: string;
  /** Parameter names upper case; bare 2.1 parameters are TYPE values. Values keep their case. */
  params: Map<string, string[]>;
  /** The value as text (quoted-printable and charset decoded); base64 stays base64. */
  value: string;
  /** Whether the value was base64 (ENCODING=BASE64 / ENCODING=b). */
  base64: boolean;
}

/** The file's bytes as one "binary string" (each byte one char), so charsets can be applied per value. */
export function bytesToBinary(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) out += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return out;
}

export function parseContentLines(bytes: Uint8Array): ContentLine[] {
  const text = bytesToBinary(bytes).replace(/^\xef\xbb\xbf/, ''); // a UTF-8 byte order mark
  const physical = text.split(/\r\n|\n|\r/);
  const logical: string[] = [];
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i]!;
    if ((line.startsWith(' ') || line.startsWith('\t')) && logical.length > 0) {
      logical[logical.length - 1] += line.slice(1);
      continue;
    }
    // Quoted-printable soft line breaks: "=" at the end continues on the next physical line.
    if (isQuotedPrintableLine(line)) {
      while (line.endsWith('=') && i + 1 < physical.length) line = line.slice(0, -1) + physical[++i]!;
    }
    logical.push(line);
  }
  const lines: ContentLine[] = [];
  for (const raw of logical) {
    if (raw.trim() === '') continue;
    const parsed = parseLine(raw);
    if (parsed) lines.push(parsed);
  }
  return lines;
}

function isQuotedPrintableLine(line: string): boolean {
  const colon = indexOfValueColon(line);
  if (colon < 0) return false;
  return /;\s*(ENCODING\s*=\s*)?QUOTED-PRINTABLE\s*(;|$)/i.test(line.slice(0, colon) + ';');
}

/** The colon that ends the name and parameters (not one inside a quoted parameter value). */
function indexOfValueColon(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) return i;
  }
  return -1;
}

function parseLine(raw: string): ContentLine | undefined {
  const colon = indexOfValueColon(raw);
  if (colon <= 0) return undefined;
  const head = raw.slice(0, colon);
  const rawValue = raw.slice(colon + 1);
  const parts = splitOutsideQuotes(head, ';');
  let name = parts[0]!.trim();
  let group: string | undefined;
  const dot = name.lastIndexOf('.');
  if (dot > 0) {
    group = name.slice(0, dot);
    name = name.slice(dot + 1);
  }
  const params = new Map<string, string[]>();
  const add = (key: string, values: string[]) => params.set(key, [...(params.get(key) ?? []), ...values]);
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      const bare = part.trim();
      if (bare === '') continue;
      const upper = bare.toUpperCase();
      if (['QUOTED-PRINTABLE', 'BASE64', '8BIT', '7BIT', 'B'].includes(upper)) add('ENCODING', [upper]);
      else add('TYPE', [bare]);
      continue;
    }
    const key = part.slice(0, eq).trim().toUpperCase();
    const values = splitOutsideQuotes(part.slice(eq + 1), ',').map((v) => v.trim().replace(/^"(.*)"$/, '$1'));
    add(key, values);
  }
  const encoding = (params.get('ENCODING')?.[0] ?? '').toUpperCase();
  const charset = params.get('CHARSET')?.[0];
  const base64 = encoding === 'BASE64' || encoding === 'B';
  let value: string;
  if (base64) value = rawValue.replace(/\s+/g, '');
  else if (encoding === 'QUOTED-PRINTABLE') value = decodeBytes(decodeQuotedPrintable(rawValue), charset);
  else value = decodeBytes(binaryToBytes(rawValue), charset);
  return { group, name: name.toUpperCase(), params, value, base64 };
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let current = '';
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (c === separator && !quoted) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

function binaryToBytes(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i) & 0xff;
  return bytes;
}

function decodeQuotedPrintable(binary: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < binary.length; i++) {
    const c = binary[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(binary.slice(i + 1, i + 3))) {
      out.push(parseInt(binary.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '=' && i === binary.length - 1) {
      // a soft break at the very end
    } else out.push(c.charCodeAt(0) & 0xff);
  }
  return Uint8Array.from(out);
}

/**
 * Bytes to text by the declared charset; without one, UTF-8 when the bytes are valid UTF-8, else
 * Windows-1252 (what old phones and Outlook wrote): never U+FFFD where the bytes had a letter.
 */
export function decodeBytes(bytes: Uint8Array, charset?: string): string {
  const label = charset?.trim().toLowerCase();
  if (label && label !== 'utf-8' && label !== 'utf8') {
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // an unknown charset: fall through to the guess
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Splits a structured value on unescaped `separator` and removes backslash escapes. */
export function splitStructured(value: string, separator = ';'): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === separator) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out.map(unescapeText);
}

export function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN:])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Lower-case TYPE values of a line (TYPE=a,b; bare 2.1 types), without "pref" and "internet". */
export function typesOf(line: ContentLine): Set<string> {
  const types = new Set<string>();
  for (const v of line.params.get('TYPE') ?? []) for (const t of v.split(',')) types.add(t.trim().toLowerCase());
  return types;
}

export function isPreferred(line: ContentLine): boolean {
  return typesOf(line).has('pref') || (line.params.get('PREF') ?? []).length > 0;
}
