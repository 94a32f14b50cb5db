/**
 * Local wall-clock times from UTC instants and back, with the host's IANA database (Intl).
 * Only the UTC offset is taken from Intl; the calendar arithmetic is done on Date's UTC fields,
 * which are proleptic Gregorian like iCalendar (ICU formats dates before 1582 as Julian).
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat | null>();

function offsetFormatter(zone: string): Intl.DateTimeFormat | null {
  let f = offsetFormatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset', year: 'numeric' });
    } catch {
      f = null; // RangeError: a zone this host does not know
    }
    offsetFormatters.set(zone, f);
  }
  return f;
}

/** Whether Intl on this host knows the zone. */
export function intlKnowsZone(zone: string): boolean {
  return offsetFormatter(zone) !== null;
}

/** The zone's UTC offset at an instant, in milliseconds (east positive); undefined for an unknown zone. */
export function offsetMillisAt(zone: string, utcMillis: number): number | undefined {
  const f = offsetFormatter(zone);
  if (!f) return undefined;
  const name = f.formatToParts(utcMillis).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/.exec(name);
  if (!m) return undefined;
  if (!m[1]) return 0;
  const abs = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
  return m[1] === '-' ? -abs : abs;
}

/** Splits an instant into its UTC calendar fields (proleptic Gregorian), dropping milliseconds. */
export function utcFields(utcMillis: number): WallClock {
  const d = new Date(utcMillis);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** The wall-clock fields read as if they were UTC, in milliseconds; years 0-99 stay themselves. */
export function wallAsUtcMillis(w: WallClock): number {
  const d = new Date(Date.UTC(2000, 0, 1, w.hour, w.minute, w.second));
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  return d.getTime();
}

/** Days in a month of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

/** The local wall clock of an instant in a zone; undefined when the zone is unknown here. */
export function wallClockAt(zone: string, utcMillis: number): WallClock | undefined {
  const offset = offsetMillisAt(zone, utcMillis);
  return offset === undefined ? undefined : utcFields(utcMillis + offset);
}

/**
 * The instant a wall-clock time in a zone stands for, read as RFC 5545 §3.3.5 says: a time that
 * occurs twice (autumn) is the first occurrence, a time that does not occur (spring gap) is
 * read with the offset in force before the gap.
 */
export function utcFromWallClock(zone: string, wall: WallClock): number | undefined {
  return utcFromLocal(wallAsUtcMillis(wall), (t) => offsetMillisAt(zone, t));
}

const DAY = 86_400_000;

/**
 * Shared by the Intl zone and the VTIMEZONE model: `local` is the wall clock as if UTC, `offsetAt`
 * the zone's offset at an instant. Offsets a day and a half either side are the candidates;
 * transitions are months apart in every zone, so no third offset can be involved.
 */
export function utcFromLocal(local: number, offsetAt: (utcMillis: number) => number | undefined): number | undefined {
  const before = offsetAt(local - 1.5 * DAY);
  const after = offsetAt(local + 1.5 * DAY);
  if (before === undefined || after === undefined) return undefined;
  const valid = [...new Set([before, after])]
    .map((offset) => local - offset)
    .filter((candidate) => offsetAt(candidate) === local - candidate)
    .sort((a, b) => a - b);
  return valid[0] ?? local - before;
}
