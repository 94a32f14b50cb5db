/**
 * x-obex/folder-listing (the OBEX Folder Browsing object, an XML document of <folder> and <file>
 * elements) read by a small parser made for hostile input: no DTD is processed and no declared
 * entity is ever expanded (only the five XML ones and numeric character references), the input
 * size is bounded by the caller's GET, the number of entries is bounded here, and a name that
 * could climb out of its folder or hide in a terminal ("..", "/", "\", control characters, empty,
 * longer than 255) is refused with the reason, never used.
 */

export interface ListingEntry {
  kind: 'file' | 'folder';
  name: string;
  /** Bytes, when the phone says. */
  size?: number;
  /** UTC milliseconds, when the phone says ("modified", else "created"). */
  modifiedMs?: number;
}

export interface RefusedEntry {
  kind: 'file' | 'folder';
  /** The name made printable (control characters as "?", cut at 80 characters). */
  shownName: string;
  reason: string;
}

export interface FolderListing {
  entries: ListingEntry[];
  refused: RefusedEntry[];
}

export const MAX_LISTING_ENTRIES = 20_000;
const MAX_NAME_LENGTH = 255;

export class FolderListingError extends Error {
  override readonly name = 'FolderListingError';
}

export function parseFolderListing(bytes: Uint8Array): FolderListing {
  const text = decodeText(bytes);
  const out: FolderListing = { entries: [], refused: [] };
  let at = 0;
  let sawRoot = false;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    if (lt < 0) break;
    if (text.startsWith('<?', lt)) {
      at = endOf(text, '?>', lt, 'a processing instruction');
    } else if (text.startsWith('<!--', lt)) {
      at = endOf(text, '-->', lt, 'a comment');
    } else if (text.startsWith('<![CDATA[', lt)) {
      at = endOf(text, ']]>', lt, 'a CDATA section');
    } else if (text.startsWith('<!', lt)) {
      at = skipDeclaration(text, lt);
    } else if (text.startsWith('</', lt)) {
      at = endOf(text, '>', lt, 'an end tag');
    } else {
      const tag = readTag(text, lt);
      at = tag.end;
      if (tag.name === 'folder-listing') sawRoot = true;
      if (tag.name !== 'file' && tag.name !== 'folder') continue;
      if (out.entries.length + out.refused.length >= MAX_LISTING_ENTRIES) {
        throw new FolderListingError(`the folder listing holds more than ${MAX_LISTING_ENTRIES} entries`);
      }
      addEntry(out, tag.name, tag.attributes);
    }
  }
  if (!sawRoot) throw new FolderListingError('the answer is not a folder listing (no <folder-listing> element)');
  return out;
}

function addEntry(out: FolderListing, kind: 'file' | 'folder', attributes: Map<string, string | Error>): void {
  const rawName = attributes.get('name');
  if (rawName === undefined) return void out.refused.push({ kind, shownName: '', reason: 'it has no name' });
  if (rawName instanceof Error) return void out.refused.push({ kind, shownName: '', reason: rawName.message });
  const problem = nameProblem(rawName);
  if (problem) return void out.refused.push({ kind, shownName: shown(rawName), reason: problem });
  const entry: ListingEntry = { kind, name: rawName };
  const size = attributes.get('size');
  if (typeof size === 'string' && /^\s*\d{1,16}\s*$/.test(size)) {
    const n = Number(size.trim());
    if (Number.isSafeInteger(n)) entry.size = n;
  }
  const modified = attributes.get('modified') ?? attributes.get('created');
  if (typeof modified === 'string') {
    const ms = parseObexTime(modified);
    if (ms !== undefined) entry.modifiedMs = ms;
  }
  out.entries.push(entry);
}

/** Why a name from the phone cannot be used as one level of a path; undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (name === '') return 'its name is empty';
  if (name === '.' || name === '..') return `its name is "${name}"`;
  if (/[/\\]/.test(name)) return 'its name holds a path separator';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'its name holds control characters';
  if (name.length > MAX_NAME_LENGTH) return `its name is ${name.length} characters long`;
  return undefined;
}

function shown(name: string): string {
  const printable = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}

/** "20240612T101500Z" (UTC) or "20240612T101500" (the phone's clock, read as UTC: its zone is unknown). */
export function parseObexTime(text: string): number | undefined {
  const m = /^\s*(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(Z)?\s*$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return new Date(ms).getUTCDate() === d ? ms : undefined;
}

function decodeText(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = /<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'windows-1252') return Buffer.from(bytes).toString('latin1');
  return new TextDecoder('utf-8').decode(bytes);
}

function endOf(text: string, terminator: string, from: number, what: string): number {
  const end = text.indexOf(terminator, from);
  if (end < 0) throw new FolderListingError(`the folder listing ends inside ${what}`);
  return end + terminator.length;
}

/** <!DOCTYPE ...> with or without an internal subset [...]: skipped whole, nothing in it is used. */
function skipDeclaration(text: string, from: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = from + 2; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === '>' && depth === 0) return i + 1;
  }
  throw new FolderListingError('the folder listing ends inside a declaration');
}

interface Tag {
  name: string;
  attributes: Map<string, string | Error>;
  end: number;
}

function readTag(text: string, lt: number): Tag {
  const nameMatch = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(lt, lt + 64));
  if (!nameMatch) throw new FolderListingError(`the folder listing has a "<" that starts no element (at character ${lt})`);
  const name = nameMatch[1]!.toLowerCase();
  const attributes = new Map<string, string | Error>();
  let i = lt + nameMatch[0].length;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) throw new FolderListingError('the folder listing ends inside a tag');
    if (text[i] === '>') return { name, attributes, end: i + 1 };
    if (text.startsWith('/>', i)) return { name, attributes, end: i + 2 };
    const attr = /^([A-Za-z_][\w.:-]*)\s*=\s*/.exec(text.slice(i, i + 128));
    if (!attr) throw new FolderListingError(`the folder listing has a malformed attribute in <${name}>`);
    i += attr[0].length;
    const quote = text[i];
    if (quote !== '"' && quote !== "'") throw new FolderListingError(`an attribute of <${name}> is not quoted`);
    const close = text.indexOf(quote, i + 1);
    if (close < 0) throw new FolderListingError('the folder listing ends inside an attribute');
    const key = attr[1]!.toLowerCase();
    if (!attributes.has(key)) attributes.set(key, decodeReferences(text.slice(i + 1, close)));
    i = close + 1;
  }
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** The five predefined entities and numeric references; any other entity is refused, never looked up. */
function decodeReferences(value: string): string | Error {
  let failure: Error | undefined;
  const decoded = value.replace(/&([^;&\s]{0,32});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) {
      failure ??= new Error('its name holds a bare "&"');
      return whole;
    }
    if (ref in PREDEFINED) return PREDEFINED[ref]!;
    const numeric = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        failure ??= new Error(`its name holds the invalid character reference &${ref};`);
        return whole;
      }
      return String.fromCodePoint(code);
    }
    failure ??= new Error(`its name uses the entity &${ref.slice(0, 20)}; which Lifeboat does not expand`);
    return whole;
  });
  return failure ?? decoded;
}
