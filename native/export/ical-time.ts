/**
 * The three forms an iCalendar time takes in our files, and their text. Floating times are never
 * written: a phone always knows the zone, and a floating time means something different on every
 * computer that opens the file.
 */
import type { Param } from './content-line.ts';
import { daysInMonth, utcFields, type WallClock } from './wall-clock.ts';

export type IcalTime =
  | { kind: 'date'; year: number; month: number; day: number }
  | { kind: 'utc'; utcMillis: number }
  | { kind: 'zoned'; tzid: string; intlZone: string; wall: WallClock; utcMillis: number };

export function isValidDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/**
 * Whether an instant has a four-digit year in UTC and in every zone (a zone moves it by at most a
 * day, hence the margin of a year). Phones do hold events in year 0 or 275760 from bad imports.
 */
export function isWritableInstant(utcMillis: number): boolean {
  if (!Number.isFinite(utcMillis) || Math.abs(utcMillis) > 8.64e15) return false;
  const year = new Date(utcMillis).getUTCFullYear();
  return year >= 2 && year <= 9998;
}

export function addDays(d: { year: number; month: number; day: number }, n: number): { year: number; month: number; day: number } {
  const date = new Date(0);
  date.setUTCFullYear(d.year, d.month - 1, d.day + n);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatDate(d: { year: number; month: number; day: number }): string {
  return `${pad(d.year, 4)}${pad(d.month)}${pad(d.day)}`;
}

export function formatWallClock(w: WallClock): string {
  return `${formatDate(w)}T${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

export function formatUtc(utcMillis: number): string {
  return `${formatWallClock(utcFields(utcMillis))}Z`;
}

/** The value text of one time. */
export function icalTimeValue(t: IcalTime): string {
  if (t.kind === 'date') return formatDate(t);
  if (t.kind === 'utc') return formatUtc(t.utcMillis);
  return formatWallClock(t.wall);
}

/** The parameters that go with a time: VALUE=DATE for a date, TZID for a zoned time, none for UTC. */
export function icalTimeParams(t: IcalTime): Param[] {
  if (t.kind === 'date') return [['VALUE', 'DATE']];
  if (t.kind === 'zoned') return [['TZID', t.tzid]];
  return [];
}

/** Two times can share one EXDATE/RDATE line when they have the same form and zone. */
export function sameForm(a: IcalTime, b: IcalTime): boolean {
  return a.kind === b.kind && (a.kind !== 'zoned' || a.tzid === (b as { tzid: string }).tzid);
}
