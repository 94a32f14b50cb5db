/**
 * VTIMEZONE blocks, offline, from timezones-ical-library, and which TZID an event may use.
 *
 * The library's blocks describe only each zone's current rules (from 1970 on), while the phone
 * computed its wall clocks with the full IANA history. So besides the block, a zone carries a
 * small model of what the block says (`VTimezoneRules`), which lets the event writer check that a
 * client reading our wall clock through our VTIMEZONE arrives at the instant the phone meant.
 */
import { tzlib_get_ical_block, tzlib_get_timezones } from 'timezones-ical-library';
import { foldBlock } from './content-line.ts';
import { daysInMonth, intlKnowsZone, utcFromLocal, wallAsUtcMillis, type WallClock } from './wall-clock.ts';

export type ZoneResolution =
  /** Written in the `Z` form; needs no VTIMEZONE. */
  | { kind: 'utc' }
  /** Written as TZID=`tzid` with the library's block; `intlZone` is what Intl computes wall clocks with. */
  | { kind: 'zone'; tzid: string; intlZone: string; block: string; rules: VTimezoneRules | undefined }
  /** Neither the library nor Intl can describe it: the event falls back to the `Z` form. */
  | { kind: 'unknown'; id: string };

const UTC_NAMES = new Set(['utc', 'z', 'gmt', 'etc/utc', 'etc/gmt', 'ut']);
const UTC_TZIDS = new Set(['Etc/UTC', 'Etc/GMT']);

let libraryZones: Set<string> | undefined;
const resolved = new Map<string, ZoneResolution>();

/**
 * What a source's time zone name becomes in the file. Aliases resolve to the library's canonical
 * TZID (Asia/Calcutta → Asia/Kolkata, US/Pacific → America/Los_Angeles), so the TZID written on an
 * event is always the one its VTIMEZONE carries.
 */
export function resolveZone(id: string | undefined): ZoneResolution {
  const key = (id ?? '').trim();
  let r = resolved.get(key);
  if (!r) {
    r = resolveUncached(key);
    resolved.set(key, r);
  }
  return r;
}

function resolveUncached(id: string): ZoneResolution {
  if (id === '') return { kind: 'unknown', id };
  if (UTC_NAMES.has(id.toLowerCase())) return { kind: 'utc' };
  libraryZones ??= new Set(tzlib_get_timezones() as string[]);
  // Intl canonicalises case ("europe/berlin"); the library is case-sensitive.
  const intlName = intlKnowsZone(id) ? new Intl.DateTimeFormat('en-US', { timeZone: id }).resolvedOptions().timeZone : undefined;
  const libraryName = libraryZones.has(id) ? id : intlName !== undefined && libraryZones.has(intlName) ? intlName : undefined;
  if (libraryName === undefined) return { kind: 'unknown', id };
  const result = tzlib_get_ical_block(libraryName);
  if (!Array.isArray(result) || typeof result[0] !== 'string' || typeof result[1] !== 'string') return { kind: 'unknown', id };
  const tzid = result[1].replace(/^TZID=/, '');
  if (UTC_TZIDS.has(tzid)) return { kind: 'utc' };
  const intlZone = intlName ?? (intlKnowsZone(tzid) ? tzid : undefined);
  if (intlZone === undefined) return { kind: 'unknown', id };
  return { kind: 'zone', tzid, intlZone, block: foldBlock(result[0]), rules: VTimezoneRules.parse(result[0]) };
}

interface Observance {
  offsetFrom: number;
  offsetTo: number;
  start: WallClock;
  /** FREQ=YEARLY;BYMONTH=m;BYDAY=nDD, the only rule shape the library writes. */
  rule?: { month: number; nth: number; weekday: number };
}

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/**
 * The offsets a VTIMEZONE block defines, evaluated as RFC 5545 reads it: the observance whose
 * latest onset is at or before an instant is in force. Understands the shapes the library
 * writes (fixed offsets, and yearly BYMONTH+BYDAY rules); `parse` returns undefined for anything
 * else, and then no check is made.
 */
export class VTimezoneRules {
  private constructor(private readonly observances: Observance[]) {}

  static parse(block: string): VTimezoneRules | undefined {
    const observances: Observance[] = [];
    let current: Partial<Observance> | undefined;
    for (const line of block.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).split(';')[0]!.toUpperCase();
      const value = line.slice(colon + 1);
      if (name === 'BEGIN' && (value === 'STANDARD' || value === 'DAYLIGHT')) current = {};
      else if (name === 'END' && (value === 'STANDARD' || value === 'DAYLIGHT')) {
        if (current?.offsetFrom === undefined || current.offsetTo === undefined || !current.start) return undefined;
        observances.push(current as Observance);
        current = undefined;
      } else if (current) {
        if (name === 'TZOFFSETFROM' || name === 'TZOFFSETTO') {
          const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(value);
          if (!m) return undefined;
          const ms = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * 1000 * (m[1] === '-' ? -1 : 1);
          if (name === 'TZOFFSETFROM') current.offsetFrom = ms;
          else current.offsetTo = ms;
        } else if (name === 'DTSTART') {
          const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(value);
          if (!m) return undefined;
          const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
          current.start = { year: y!, month: mo!, day: d!, hour: h!, minute: mi!, second: s! };
        } else if (name === 'RRULE') {
          const m = /^FREQ=YEARLY;BYMONTH=(\d{1,2});BYDAY=([+-]?\d)(SU|MO|TU|WE|TH|FR|SA)$/.exec(value);
          if (!m) return undefined;
          current.rule = { month: Number(m[1]), nth: Number(m[2]), weekday: WEEKDAYS.indexOf(m[3]!) };
        } else if (name === 'RDATE' || name === 'EXDATE') {
          return undefined;
        }
      }
    }
    return observances.length > 0 ? new VTimezoneRules(observances) : undefined;
  }

  /**
   * The offset (ms) in force at an instant; undefined before the block's first onset, where
   * the block says nothing and clients disagree (ical.js uses offset 0, others the first
   * observance's TZOFFSETFROM), so no wall-clock time there can be trusted.
   */
  offsetAt(utcMillis: number): number | undefined {
    let latest = -Infinity;
    let offset: number | undefined;
    const year = new Date(utcMillis).getUTCFullYear();
    for (const o of this.observances) {
      for (const onset of this.onsets(o, year - 1, year + 1)) {
        if (onset <= utcMillis && onset > latest) {
          latest = onset;
          offset = o.offsetTo;
        }
      }
    }
    if (offset !== undefined) return offset;
    // Before this year's window: the latest onset of an earlier year, if the block reaches back.
    return utcMillis >= this.firstOnset() ? this.offsetAt(utcMillis - 366 * 86_400_000) : undefined;
  }

  /** The instant a wall clock in this zone stands for (RFC 5545 §3.3.5, as `utcFromWallClock`). */
  utcFromWallClock(wall: WallClock): number | undefined {
    return utcFromLocal(wallAsUtcMillis(wall), (t) => this.offsetAt(t));
  }

  private firstOnset(): number {
    return Math.min(...this.observances.map((o) => wallAsUtcMillis(o.start) - o.offsetFrom));
  }

  private onsets(o: Observance, fromYear: number, toYear: number): number[] {
    const first = wallAsUtcMillis(o.start) - o.offsetFrom;
    if (!o.rule) return [first];
    const out: number[] = [];
    for (let y = Math.max(fromYear, o.start.year); y <= toYear; y++) {
      const day = nthWeekdayOfMonth(y, o.rule.month, o.rule.nth, o.rule.weekday);
      const local = wallAsUtcMillis({ ...o.start, year: y, month: o.rule.month, day });
      const onset = local - o.offsetFrom;
      if (onset >= first) out.push(onset);
    }
    return out;
  }
}

/** Day of month of the nth (1..5, or -1..-5 from the end) given weekday (0 = Sunday). */
function nthWeekdayOfMonth(year: number, month: number, nth: number, weekday: number): number {
  const last = daysInMonth(year, month);
  if (nth > 0) {
    const firstWeekday = new Date(wallAsUtcMillis({ year, month, day: 1, hour: 0, minute: 0, second: 0 })).getUTCDay();
    return 1 + ((weekday - firstWeekday + 7) % 7) + (nth - 1) * 7;
  }
  const lastWeekday = new Date(wallAsUtcMillis({ year, month, day: last, hour: 0, minute: 0, second: 0 })).getUTCDay();
  return last - ((lastWeekday - weekday + 7) % 7) + (nth + 1) * 7;
}
