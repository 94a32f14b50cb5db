import { decodeNumber, decodeText, withNumberType, type AtCharset } from './at-charset.ts';
import { afterPrefix, fieldInt, fieldString, quotedStrings, splitFields, type AtField } from './at-fields.ts';

/** One stored phonebook entry, whichever command read it. */
export interface PhonebookEntry {
  index: number;
  name: string;
  numbers: PhonebookNumber[];
  emails: string[];
  firstName?: string;
  lastName?: string;
  notes: string[];
  group?: string;
  birthday?: { year: number; month: number; day: number };
}

export interface PhonebookNumber {
  number: string;
  /** general | mobile | home | work | fax | pager | other */
  kind: string;
  /** The type of address as the phone gave it (129 national/unknown, 145 international ...). */
  type?: number;
}

export class AtParseError extends Error {
  override readonly name = 'AtParseError';
}

/** "+CSCS: ("GSM","IRA","UCS2")" → the names; phones that leave out the parentheses are read too. */
export function parseCharsetList(lines: readonly string[]): string[] {
  for (const line of lines) {
    const payload = afterPrefix(line, '+CSCS:');
    if (payload !== undefined) return quotedStrings(payload);
  }
  return [];
}

/** "+CPBS: ("SM","ME","ON")" → ["SM","ME","ON"] (upper case, unique, in the phone's order). */
export function parseMemoryList(lines: readonly string[]): string[] {
  for (const line of lines) {
    const payload = afterPrefix(line, '+CPBS:');
    if (payload !== undefined) return [...new Set(quotedStrings(payload).map((m) => m.trim().toUpperCase()).filter((m) => /^[A-Z]{2}$/.test(m)))];
  }
  return [];
}

/** "+CPBS: "SM",12,250" → used 12 of 250 (either count may be missing on older phones). */
export function parseMemoryStatus(lines: readonly string[]): { memory: string; used?: number; total?: number } | undefined {
  for (const line of lines) {
    const payload = afterPrefix(line, '+CPBS:');
    if (payload === undefined) continue;
    const fields = splitFields(payload);
    return { memory: (fieldString(fields[0]) ?? '').toUpperCase(), used: fieldInt(fields[1]), total: fieldInt(fields[2]) };
  }
  return undefined;
}

export interface ReadRange {
  first: number;
  last: number;
  numberLength?: number;
  textLength?: number;
}

/**
 * The answer to +CPBR=? (and +SPBR=?, +MPBR=?): "(1-250),40,18", Motorola's "1-250,40,18",
 * a single location "(1),40,18". Undefined when no range is given ("()", Sharp).
 */
export function parseReadRange(lines: readonly string[], prefix: string): ReadRange | undefined {
  for (const line of lines) {
    const payload = afterPrefix(line, prefix);
    if (payload === undefined) continue;
    const fields = splitFields(payload);
    const rangeText = fields[0]?.raw ?? '';
    const match = /^\s*(\d{1,9})\s*(?:-\s*(\d{1,9}))?\s*$/.exec(rangeText);
    if (!match) return undefined;
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) return undefined;
    return { first, last, numberLength: fieldInt(fields[1]), textLength: fieldInt(fields[2]) };
  }
  return undefined;
}

/** The Siemens ^SBNR=? answer: ("vcf",(0-499)),("vcs",(0-49)) → the vcf range. */
export function parseSbnrRange(lines: readonly string[]): ReadRange | undefined {
  const text = lines.join(' ');
  const match = /"vcf"\s*,\s*\(\s*(\d{1,6})\s*-\s*(\d{1,6})\s*\)/i.exec(text);
  if (!match) return undefined;
  const first = Number(match[1]);
  const last = Number(match[2]);
  return last >= first ? { first, last } : undefined;
}

/**
 * One "+CPBR:" line (27.007 §8.12):
 *   <index>,<number>,<type>,<text>[,<hidden>][,<group>][,<adnumber>][,<adtype>][,<secondtext>][,<email>][,<sip_uri>][,<tel_uri>]
 * Fields after <text> that do not fit that shape (a call date on a call list, a vendor's extra
 * number) are kept as notes, so nothing the phone said is dropped.
 */
export function parseCpbrLine(line: string, charset: AtCharset): PhonebookEntry | undefined {
  const payload = afterPrefix(line, '+CPBR:');
  if (payload === undefined) return undefined;
  const fields = splitFields(payload);
  const index = fieldInt(fields[0]);
  if (index === undefined) throw new AtParseError(`a +CPBR line without an index: ${printable(line)}`);
  const type = fieldInt(fields[2]);
  const number = withNumberType(decodeNumber(fieldString(fields[1]) ?? '', charset), type);
  const name = decodeText(fieldString(fields[3]) ?? '', charset);
  const entry: PhonebookEntry = { index, name, numbers: [], emails: [], notes: [] };
  if (number !== '') entry.numbers.push({ number, kind: 'general', ...(type !== undefined ? { type } : {}) });

  const rest = fields.slice(4);
  const rel6 = rest.length === 0 || (rest[0]!.kind === 'bare' && /^\d*$/.test(rest[0]!.raw) && rest.slice(1).every((f, i) => (i === 2 ? f.kind === 'bare' : true)));
  if (rel6) {
    const group = text(rest[1], charset);
    if (group) entry.group = group;
    const adType = fieldInt(rest[3]);
    const adNumber = rest[2] && rest[2].raw !== '' ? withNumberType(decodeNumber(rest[2].raw, charset), adType) : '';
    if (adNumber) entry.numbers.push({ number: adNumber, kind: 'other', ...(adType !== undefined ? { type: adType } : {}) });
    const second = text(rest[4], charset);
    if (second) entry.notes.push(`second name: ${second}`);
    const email = text(rest[5], charset);
    if (email) entry.emails.push(email);
    for (const uri of [rest[6], rest[7]]) {
      const value = text(uri, charset);
      if (value) entry.notes.push(value);
    }
    for (const extra of rest.slice(8)) {
      const value = text(extra, charset);
      if (value) entry.notes.push(`more from the phone: ${value}`);
    }
  } else {
    const extras = rest.map((f) => text(f, charset)).filter((v): v is string => !!v);
    if (extras.length) entry.notes.push(`more from the phone: ${extras.join(', ')}`);
  }
  return entry;
}

/**
 * Samsung's "+SPBR:" line (phones without a usable +CPBR for phone memory):
 *   <index>,"<mobile>","<home>","<work>","<fax>","<other>","<email>","<n>,<first>","<n>,<last>","<n>,<note>",...
 * and the form with a birthday: ...,"<n>,<first>","<n>,<last>",<year>,<month>,<day>,"<n>,<note>",...
 * Names come as "<length>,<UTF-8 text>" whatever the character set of the link.
 */
export function parseSpbrLine(line: string, charset: AtCharset): PhonebookEntry | undefined {
  const payload = afterPrefix(line, '+SPBR:');
  if (payload === undefined) return undefined;
  const fields = splitFields(payload);
  const index = fieldInt(fields[0]);
  if (index === undefined) throw new AtParseError(`a +SPBR line without an index: ${printable(line)}`);
  const entry: PhonebookEntry = { index, name: '', numbers: [], emails: [], notes: [] };
  const kinds = ['mobile', 'home', 'work', 'fax', 'other'];
  for (let i = 0; i < 5; i++) {
    const raw = fieldString(fields[1 + i]) ?? '';
    const number = decodeNumber(withoutLength(raw), charset);
    if (number !== '') entry.numbers.push({ number, kind: kinds[i]! });
  }
  const email = text(fields[6], charset, true);
  if (email) entry.emails.push(email);
  const first = samsungText(fields[7]);
  const last = samsungText(fields[8]);
  if (first) entry.firstName = first;
  if (last) entry.lastName = last;
  let next = 9;
  const year = fieldInt(fields[9]);
  if (year !== undefined && fields[9]!.kind === 'bare') {
    const month = fieldInt(fields[10]);
    const day = fieldInt(fields[11]);
    if (year > 1900 && month && day) entry.birthday = { year, month, day };
    next = 12;
  }
  const note = samsungText(fields[next]);
  if (note) entry.notes.push(note);
  entry.name = [first, last].filter(Boolean).join(' ');
  return entry;
}

const MOTOROLA_KINDS: Record<number, string> = { 0: 'work', 1: 'home', 2: 'general', 3: 'mobile', 4: 'fax', 5: 'pager', 10: 'general', 11: 'general' };

/**
 * Motorola's "+MPBR:" line: <index>,"<number or address>",<type>,"<name>",<kind>,... where kind
 * 0 work, 1 home, 2 main, 3 mobile, 4 fax, 5 pager, 6 e-mail, 7 mailing list. Each number of a
 * person is its own line with the same name.
 */
export function parseMpbrLine(line: string, charset: AtCharset): PhonebookEntry | undefined {
  const payload = afterPrefix(line, '+MPBR:');
  if (payload === undefined) return undefined;
  const fields = splitFields(payload);
  const index = fieldInt(fields[0]);
  if (index === undefined) throw new AtParseError(`a +MPBR line without an index: ${printable(line)}`);
  const type = fieldInt(fields[2]);
  const kind = fieldInt(fields[4]) ?? 2;
  const name = decodeText(fieldString(fields[3]) ?? '', charset);
  const entry: PhonebookEntry = { index, name, numbers: [], emails: [], notes: [] };
  const raw = fieldString(fields[1]) ?? '';
  if (kind === 6 || kind === 7) {
    const address = decodeText(raw, charset === 'UCS2' && !/^([0-9A-Fa-f]{4})+$/.test(raw) ? 'IRA' : charset);
    if (address) entry.emails.push(address);
  } else {
    const number = withNumberType(decodeNumber(raw, charset), type);
    if (number) entry.numbers.push({ number, kind: MOTOROLA_KINDS[kind] ?? 'other', ...(type !== undefined ? { type } : {}) });
  }
  return entry;
}

/**
 * Siemens "^SBNR" answers: a header line `^SBNR: "vcf",<index>,<frame>,<frames>` followed by the
 * vCard's bytes in hex, one line per frame. Returns the vCard's bytes, or undefined for an empty slot.
 */
export function parseSbnrVcard(lines: readonly string[]): Uint8Array | undefined {
  const chunks: Buffer[] = [];
  let afterHeader = false;
  for (const line of lines) {
    if (afterPrefix(line, '^SBNR:') !== undefined) {
      afterHeader = true;
      continue;
    }
    if (!afterHeader) continue;
    const hex = line.trim();
    if (!/^([0-9A-Fa-f]{2})*$/.test(hex)) throw new AtParseError(`a ^SBNR frame that is not hex: ${printable(line)}`);
    chunks.push(Buffer.from(hex, 'hex'));
    afterHeader = false;
  }
  if (chunks.length === 0) return undefined;
  return Uint8Array.from(Buffer.concat(chunks));
}

/** "+CBC: <bcs>,<bcl>" → the charge level 0-100, or null when the phone does not know (or lies). */
export function parseBattery(lines: readonly string[]): number | null {
  for (const line of lines) {
    const payload = afterPrefix(line, '+CBC:');
    if (payload === undefined) continue;
    const level = fieldInt(splitFields(payload)[1]);
    return level !== undefined && level >= 0 && level <= 100 ? level : null;
  }
  return null;
}

/** The text of an identity answer ("+CGMI: Nokia" or just "Nokia"), quotes taken off. */
export function parseIdentityLine(lines: readonly string[], prefix: string): string | undefined {
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const payload = afterPrefix(line, prefix) ?? line;
    const text = payload.replace(/^"(.*)"$/, '$1').trim();
    if (text) return text.replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '').slice(0, 120);
  }
  return undefined;
}

function text(field: AtField | undefined, charset: AtCharset, guessPlain = false): string | undefined {
  if (!field || field.kind === 'group') return undefined;
  const raw = field.raw;
  if (raw === '') return undefined;
  if (field.kind === 'bare') return raw;
  if (guessPlain && charset === 'UCS2' && !/^([0-9A-Fa-f]{4})+$/.test(raw)) return decodeText(raw, 'UTF-8');
  try {
    return decodeText(raw, charset);
  } catch {
    return decodeText(raw, 'UTF-8');
  }
}

/** Samsung's "<length>,<UTF-8 text>" strings. */
function samsungText(field: AtField | undefined): string | undefined {
  const raw = fieldString(field);
  if (raw === undefined) return undefined;
  const value = Buffer.from(withoutLength(raw), 'latin1').toString('utf8');
  return value === '' ? undefined : value;
}

function withoutLength(raw: string): string {
  const match = /^\d{1,5},(.*)$/s.exec(raw);
  return match ? match[1]! : raw;
}

function printable(line: string): string {
  const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
  return JSON.stringify(shown);
}
