import fs from 'node:fs';
import path from 'node:path';
import { BadInputError } from '../../adapters/errors.ts';

/** The feature phone's own file in a device image: IMAGE/phonebook.json (see README.md). */
export const PHONE_FILE = 'phonebook.json';
/** The phone's OBEX objects in a device image: IMAGE/obex/ (see README.md). */
export const OBEX_FOLDER = 'obex';
/**
 * Phones of the era stated small OBEX packets on their serial ports. 500 is also the most that
 * Debian's obexftp 0.24 can take over a serial line: its cable transport reads 500 bytes at a
 * time and OpenOBEX 1.7.2 gives up on a packet that needs a second read.
 */
export const DEFAULT_OBEX_PACKET = 500;

export const FLAVOURS = ['standard', 'samsung', 'motorola', 'siemens'] as const;
export type Flavour = (typeof FLAVOURS)[number];

export interface SimNumber {
  number: string;
  /** mobile | home | work | fax | other (Samsung's five slots; Motorola's kinds) */
  kind?: string;
}

export interface SimEntry {
  index: number;
  name?: string;
  firstName?: string;
  lastName?: string;
  /** The first number; `numbers` for more (Samsung +SPBR carries five). */
  number?: string;
  numbers?: SimNumber[];
  /** Type of address; default 145 for a number starting with "+", else 129. */
  type?: number;
  email?: string;
  note?: string;
}

export interface SimMemory {
  capacity: number;
  /** First slot number (1 on most phones, 0 for Siemens ^SBNR). */
  first: number;
  numberLength: number;
  textLength: number;
  entries: SimEntry[];
}

export interface SimQuirks {
  /** Extra fields after <text> on each +CPBR line, e.g. [",0"] (Samsung's hidden flag) or [",0,\"\",\"\",129"]. */
  cpbrTrailer?: string;
  /** Milliseconds to wait before answering commands that start with these texts (e.g. {"AT+CPBS=\"SM\"": 1500}). */
  slow?: Record<string, number>;
  /** Fixed final answers for exact commands, e.g. {"AT+CPBR=5": "+CME ERROR: 21"}. */
  errors?: Record<string, string>;
  /** Answer ERROR to every range read (a,b with a≠b), as some phones do: slots must be read one by one. */
  noRangeReads?: boolean;
  /** How an empty slot read alone is answered: "ok" (OK alone, most phones) or "not-found" (+CME ERROR: 22). */
  emptySlot?: 'ok' | 'not-found';
  /** +CPBS=? answers ERROR (readers must fall back to SM and ME). */
  noMemoryList?: boolean;
  /** Numbers are sent in the link's character set too (UCS2 hex when UCS2 is set), as 27.007 says. */
  numbersInCharset?: boolean;
}

export interface SimPhone {
  flavour: Flavour;
  charsets: string[];
  /** The character set at power-on. */
  initialCharset: string;
  firmware: string;
  /** Offers OBEX on the same port (AT+CPROT=0, or the flavour's AT+MODE=22 / AT^SQWE=3), served from `obexDir`. */
  obex: boolean;
  /** IMAGE/obex: telecom/pb.vcf, telecom/cal.vcs, telecom/devinfo.txt and folders of pictures (see README.md). */
  obexDir?: string;
  /** The OBEX packet size the phone states at CONNECT and keeps its answers within (255 to 65535). */
  obexPacketLength: number;
  memories: Record<string, SimMemory>;
  quirks: SimQuirks;
}

/** Reads and checks IMAGE/phonebook.json; every complaint names the field. */
export function loadSimPhone(imageDir: string): SimPhone {
  const file = path.join(imageDir, PHONE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new BadInputError(`${imageDir}: a feature-phone image needs ${PHONE_FILE} (its phonebook memories); see native/sim/at/README.md`);
  }
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new BadInputError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadInputError(`${file} must hold a JSON object`);
  const wrong = (field: string, expected: string) => new BadInputError(`${file}: "${field}" must be ${expected}`);
  const flavour = (raw.flavour ?? 'standard') as Flavour;
  if (!FLAVOURS.includes(flavour)) throw wrong('flavour', FLAVOURS.map((f) => `"${f}"`).join(', '));
  const charsets = raw.charsets ?? ['GSM', 'IRA', 'UCS2'];
  if (!Array.isArray(charsets) || charsets.length === 0 || !charsets.every((c) => typeof c === 'string')) throw wrong('charsets', 'a list of +CSCS names, e.g. ["GSM","UCS2"]');
  const initialCharset = raw.initialCharset ?? charsets[0];
  if (typeof initialCharset !== 'string' || !charsets.includes(initialCharset)) throw wrong('initialCharset', 'one of "charsets"');
  const memoriesRaw = raw.memories;
  if (typeof memoriesRaw !== 'object' || memoriesRaw === null || Array.isArray(memoriesRaw)) throw wrong('memories', 'an object like {"SM": {"capacity": 250, "entries": [...]}}');
  const memories: Record<string, SimMemory> = {};
  for (const [name, value] of Object.entries(memoriesRaw as Record<string, unknown>)) {
    if (!/^[A-Z]{2}$/.test(name)) throw wrong(`memories.${name}`, 'named by two capital letters (SM, ME, ON, DC ...)');
    const m = value as Record<string, unknown>;
    const capacity = m.capacity;
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0 || capacity > 100_000) throw wrong(`memories.${name}.capacity`, 'a whole number of slots');
    const first = m.first ?? (flavour === 'siemens' && name === 'ME' ? 0 : 1);
    if (typeof first !== 'number' || !Number.isInteger(first) || first < 0) throw wrong(`memories.${name}.first`, 'the first slot number (0 or 1)');
    const entries = m.entries ?? [];
    if (!Array.isArray(entries)) throw wrong(`memories.${name}.entries`, 'a list');
    const seen = new Set<number>();
    const checked: SimEntry[] = [];
    for (const [i, e] of (entries as Record<string, unknown>[]).entries()) {
      const where = `memories.${name}.entries[${i}]`;
      if (typeof e !== 'object' || e === null) throw wrong(where, 'an object');
      if (e.empty === true) continue; // an empty slot, written down for people reading the file
      const index = e.index;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < first || index >= first + capacity) {
        throw wrong(`${where}.index`, `a slot from ${first} to ${first + capacity - 1}`);
      }
      if (seen.has(index)) throw wrong(`${where}.index`, 'used once only');
      seen.add(index);
      for (const key of ['name', 'firstName', 'lastName', 'number', 'email', 'note'] as const) {
        if (e[key] !== undefined && typeof e[key] !== 'string') throw wrong(`${where}.${key}`, 'a string');
      }
      checked.push(e as unknown as SimEntry);
    }
    checked.sort((a, b) => a.index - b.index);
    memories[name] = {
      capacity,
      first,
      numberLength: typeof m.numberLength === 'number' ? m.numberLength : 40,
      textLength: typeof m.textLength === 'number' ? m.textLength : 20,
      entries: checked,
    };
  }
  const obexDir = path.join(imageDir, OBEX_FOLDER);
  const hasObexDir = fs.existsSync(obexDir) && fs.statSync(obexDir).isDirectory();
  if (raw.obex !== undefined && typeof raw.obex !== 'boolean') throw wrong('obex', 'true or false');
  if (raw.obex === true && !hasObexDir) throw new BadInputError(`${file}: "obex" is true but the image has no ${OBEX_FOLDER}/ folder to serve`);
  const obexPacketLength = raw.obexPacketLength ?? DEFAULT_OBEX_PACKET;
  if (typeof obexPacketLength !== 'number' || !Number.isInteger(obexPacketLength) || obexPacketLength < 255 || obexPacketLength > 0xffff) {
    throw wrong('obexPacketLength', 'a whole number of bytes from 255 to 65535');
  }
  return {
    flavour,
    charsets: charsets as string[],
    initialCharset,
    firmware: typeof raw.firmware === 'string' ? raw.firmware : 'V 1.0',
    // The folder is the offer; "obex": false hides it (a phone whose cable lacks OBEX).
    obex: typeof raw.obex === 'boolean' ? raw.obex : hasObexDir,
    ...(hasObexDir ? { obexDir } : {}),
    obexPacketLength,
    memories,
    quirks: (raw.quirks ?? {}) as SimQuirks,
  };
}

/** All numbers of an entry, first one first. */
export function entryNumbers(entry: SimEntry): SimNumber[] {
  const list: SimNumber[] = [];
  if (entry.number) list.push({ number: entry.number });
  for (const n of entry.numbers ?? []) list.push(n);
  return list;
}

export function entryName(entry: SimEntry): string {
  return entry.name ?? [entry.firstName, entry.lastName].filter(Boolean).join(' ');
}
