/**
 * Recurrence data from a phone made consistent with the event's DTSTART, which RFC 5545 requires
 * and clients depend on: RRULE/EXRULE checked and their UNTIL put in the right form, and
 * Android's RDATE/EXDATE text (`[TZID;]date[,date…]`, one such line per `\n`) turned into values
 * of DTSTART's own type and zone, so that EXDATEs hit the instances they were meant to remove.
 */
import { icalTimeValue, isValidDate, type IcalTime } from './ical-time.ts';
import { resolveZone } from './vtimezone.ts';
import { intlKnowsZone, utcFromWallClock, wallAsUtcMillis, wallClockAt, utcFields, type WallClock } from './wall-clock.ts';

const FREQS = new Set(['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY']);
const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';

/** Which values each rule part accepts (RFC 5545 §3.3.10), as a pattern for one list item. */
const PART_PATTERNS: Record<string, RegExp> = {
  INTERVAL: /^0*[1-9]\d{0,8}$/,
  COUNT: /^0*[1-9]\d{0,8}$/,
  BYSECOND: list(/(?:[0-5]?\d|60)/),
  BYMINUTE: list(/[0-5]?\d/),
  BYHOUR: list(/(?:[01]?\d|2[0-3])/),
  BYDAY: list(new RegExp(`(?:[+-]?(?:[1-9]|[1-4]\\d|5[0-3]))?${WEEKDAY}`)),
  BYMONTHDAY: list(/[+-]?(?:[1-9]|[12]\d|3[01])/),
  BYYEARDAY: list(/[+-]?(?:[1-9]\d{0,1}|[12]\d\d|3[0-5]\d|36[0-6])/),
  BYWEEKNO: list(/[+-]?(?:[1-9]|[1-4]\d|5[0-3])/),
  BYMONTH: list(/(?:0?[1-9]|1[0-2])/),
  BYSETPOS: list(/[+-]?(?:[1-9]\d{0,1}|[12]\d\d|3[0-5]\d|36[0-6])/),
  WKST: new RegExp(`^${WEEKDAY}$`),
};

function list(item: RegExp): RegExp {
  return new RegExp(`^${item.source}(?:,${item.source})*$`);
}

export interface RuleResult {
  /** The rule to write, or undefined when it could not be made valid. */
  value?: string;
  /** What was changed or why the rule was dropped, for the export's notes. */
  notes: string[];
}

/**
 * Checks one RRULE/EXRULE value and makes UNTIL agree with DTSTART: a DATE when DTSTART is a
 * DATE, UTC (`Z`) otherwise. A floating UNTIL is read in DTSTART's zone, a DATE UNTIL on a timed
 * event as the end of that day there (UNTIL is inclusive). X- parts are dropped; any other
 * unknown or malformed part makes the whole rule unusable, since dropping a BY part would
 * silently turn a rule into one with more instances.
 */
export function normalizeRecurrenceRule(raw: string, start: IcalTime): RuleResult {
  const notes: string[] = [];
  const text = raw.trim().replace(/^(?:RRULE|EXRULE):/i, '');
  const parts = new Map<string, string>();
  for (const piece of text.split(';')) {
    if (piece.trim() === '') continue;
    const eq = piece.indexOf('=');
    if (eq < 1) return { notes: [`malformed part "${piece}"`] };
    const name = piece.slice(0, eq).trim().toUpperCase();
    const value = piece.slice(eq + 1).trim().toUpperCase();
    if (name.startsWith('X-')) {
      notes.push(`dropped extension part ${name}`);
      continue;
    }
    if (parts.has(name)) return { notes: [`${name} given twice`] };
    parts.set(name, value);
  }
  const freq = parts.get('FREQ');
  if (freq === undefined || !FREQS.has(freq)) return { notes: [`no valid FREQ in "${text}"`] };
  for (const [name, value] of parts) {
    if (name === 'FREQ' || name === 'UNTIL') continue;
    const pattern = PART_PATTERNS[name];
    if (!pattern) return { notes: [`unknown part ${name}`] };
    if (!pattern.test(value)) return { notes: [`invalid ${name}=${value}`] };
  }
  const until = parts.get('UNTIL');
  if (until !== undefined) {
    const converted = convertUntil(until, start);
    if (converted === undefined) return { notes: [`invalid UNTIL=${until}`] };
    if (converted !== until) notes.push(`UNTIL ${until} written as ${converted}`);
    parts.set('UNTIL', converted);
    if (parts.has('COUNT')) {
      // RFC 5545: UNTIL and COUNT MUST NOT both occur. UNTIL is the absolute one.
      parts.delete('COUNT');
      notes.push('COUNT dropped because UNTIL is given');
    }
  }
  // FREQ first: RFC 2445 required it and some parsers still do.
  const ordered = ['FREQ', ...[...parts.keys()].filter((k) => k !== 'FREQ')];
  return { value: ordered.map((k) => `${k}=${parts.get(k)}`).join(';'), notes };
}

function convertUntil(until: string, start: IcalTime): string | undefined {
  const parsed = parseIcalDateText(until);
  if (!parsed) return undefined;
  if (start.kind === 'date') {
    // Android keeps all-day events at UTC midnight, so a UTC UNTIL names its UTC day.
    const d = parsed.kind === 'utc' ? utcFields(parsed.utcMillis) : parsed.date;
    return icalTimeValue({ kind: 'date', year: d.year, month: d.month, day: d.day });
  }
  const zone = start.kind === 'zoned' ? start.intlZone : 'UTC';
  let utcMillis: number | undefined;
  if (parsed.kind === 'utc') utcMillis = parsed.utcMillis;
  else if (parsed.kind === 'floating') utcMillis = utcFromWallClock(zone, parsed.wall);
  else utcMillis = utcFromWallClock(zone, { ...parsed.date, hour: 23, minute: 59, second: 59 });
  return utcMillis === undefined ? undefined : icalTimeValue({ kind: 'utc', utcMillis });
}

type ParsedDateText =
  | { kind: 'date'; date: { year: number; month: number; day: number } }
  | { kind: 'utc'; utcMillis: number }
  | { kind: 'floating'; wall: WallClock; date: { year: number; month: number; day: number } };

/** `20240101`, `20240101T100000` or `20240101T100000Z`; undefined for anything else. */
export function parseIcalDateText(s: string): ParsedDateText | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/i.exec(s.trim());
  if (!m) return undefined;
  const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (!isValidDate(date.year, date.month, date.day)) return undefined;
  if (m[4] === undefined) return { kind: 'date', date };
  const wall = { ...date, hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) };
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 60) return undefined;
  if (wall.second === 60) wall.second = 59; // a leap second names the last second of its minute
  if (m[7]) return { kind: 'utc', utcMillis: wallAsUtcMillis(wall) };
  return { kind: 'floating', wall, date };
}

export interface DateListResult {
  values: IcalTime[];
  notes: string[];
}

/**
 * Android's RDATE/EXDATE text as values shaped like `start`. Lines may also come as RFC 5545
 * properties (`EXDATE;TZID=…:…`) from sources that kept them so. A floating date-time with no
 * TZID is UTC, as Android's RecurrenceSet reads it. A DATE on a timed series stands for the
 * instance on that day, at DTSTART's time of day.
 */
export function convertDateList(entries: readonly string[], start: IcalTime): DateListResult {
  const values: IcalTime[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  for (const line of entries.flatMap((e) => e.split(/\r\n|\r|\n/))) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    const { zone, items } = splitDateLine(trimmed);
    for (const item of items) {
      if (item.trim() === '') continue;
      const parsed = parseIcalDateText(item);
      const converted = parsed ? toStartForm(parsed, zone, start, notes) : undefined;
      if (!converted) {
        notes.push(`dropped unreadable date "${item}"`);
        continue;
      }
      const key = icalTimeValue(converted);
      if (seen.has(key)) continue;
      seen.add(key);
      values.push(converted);
    }
  }
  return { values, notes };
}

function splitDateLine(line: string): { zone: string | undefined; items: string[] } {
  const rfc = /^(?:EXDATE|RDATE)((?:;[^:]*)?):(.*)$/i.exec(line);
  if (rfc) {
    const tz = /;TZID=("?)([^";:]*)\1/i.exec(rfc[1]!);
    return { zone: tz?.[2], items: rfc[2]!.split(',') };
  }
  const semi = line.indexOf(';');
  if (semi < 0) return { zone: undefined, items: line.split(',') };
  return { zone: line.slice(0, semi).replace(/^TZID=/i, '').trim(), items: line.slice(semi + 1).split(',') };
}

function toStartForm(parsed: ParsedDateText, zone: string | undefined, start: IcalTime, notes: string[]): IcalTime | undefined {
  if (start.kind === 'date') {
    const d = parsed.kind === 'utc' ? utcFields(parsed.utcMillis) : parsed.date;
    return { kind: 'date', year: d.year, month: d.month, day: d.day };
  }
  let utcMillis: number | undefined;
  if (parsed.kind === 'utc') {
    utcMillis = parsed.utcMillis;
  } else if (parsed.kind === 'floating') {
    utcMillis = floatingToUtc(parsed.wall, zone, notes);
  } else {
    // The instance on that day, at the series' time of day, in the series' zone.
    const time = start.kind === 'zoned' ? start.wall : utcFields(start.utcMillis);
    const wall = { ...parsed.date, hour: time.hour, minute: time.minute, second: time.second };
    utcMillis = start.kind === 'zoned' ? utcFromWallClock(start.intlZone, wall) : wallAsUtcMillis(wall);
  }
  if (utcMillis === undefined) return undefined;
  if (start.kind === 'utc') return { kind: 'utc', utcMillis };
  const wall = wallClockAt(start.intlZone, utcMillis);
  return wall ? { kind: 'zoned', tzid: start.tzid, intlZone: start.intlZone, wall, utcMillis } : undefined;
}

function floatingToUtc(wall: WallClock, zone: string | undefined, notes: string[]): number | undefined {
  const r = resolveZone(zone ?? 'UTC');
  if (r.kind === 'zone') return utcFromWallClock(r.intlZone, wall);
  // The library may lack a zone Intl knows; the instant can still be found.
  if (r.kind === 'unknown' && zone !== undefined && intlKnowsZone(zone)) return utcFromWallClock(zone, wall);
  if (r.kind === 'unknown') notes.push(`unknown time zone "${r.id}" in a date list, read as UTC`);
  return wallAsUtcMillis(wall);
}
