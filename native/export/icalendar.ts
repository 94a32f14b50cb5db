/**
 * iCalendar (RFC 5545) export, one piece at a time so that 50,000 events never sit in memory as
 * one string: `calendarHeader`, then `formatEvent` per event, then `calendarFooter`. The header
 * must list every TZID the events use, so callers collect `timeZoneIdsOf` in a first pass.
 *
 * Times: an instant is written as wall-clock time with TZID (computed with Intl) when a client
 * reading it through our VTIMEZONE gets the same instant back, else in UTC `Z` form, which is
 * always exact. Recurring series keep their TZID regardless, because their instances are defined
 * by wall-clock time in the zone (a weekly 10:00 stays at 10:00 across DST).
 */
import type { CalendarEvent, EventTime, Reminder } from '../model/event.ts';
import { contentLine, sanitizeText, textValue, type Param } from './content-line.ts';
import type { ExportNote, ExportNoteCode, NoteSink } from './export-note.ts';
import { durationSeconds, formatDuration, parseDuration, type DurationParts } from './ical-duration.ts';
import { convertDateList, normalizeRecurrenceRule } from './ical-recurrence.ts';
import {
  addDays,
  formatUtc,
  icalTimeParams,
  icalTimeValue,
  isValidDate,
  isWritableInstant,
  sameForm,
  type IcalTime,
} from './ical-time.ts';
import { resolveZone } from './vtimezone.ts';
import { utcFields, utcFromWallClock, wallClockAt } from './wall-clock.ts';

export { normalizeDuration } from './ical-duration.ts';
export type { ExportNote } from './export-note.ts';

export interface CalendarHeaderOptions {
  prodId: string;
  name: string;
  /** Time zone names as the events carry them (aliases and duplicates are fine). */
  timeZoneIds: Iterable<string>;
  /** Told about names that get no VTIMEZONE (events in them are written in UTC). */
  onNote?: NoteSink;
}

export function calendarHeader(opts: CalendarHeaderOptions): string {
  let out =
    contentLine('BEGIN', 'VCALENDAR') +
    contentLine('VERSION', '2.0') +
    contentLine('PRODID', textValue(opts.prodId)) +
    contentLine('CALSCALE', 'GREGORIAN') +
    contentLine('X-WR-CALNAME', textValue(opts.name));
  const blocks = new Map<string, string>();
  for (const id of opts.timeZoneIds) {
    const r = resolveZone(id);
    if (r.kind === 'zone') blocks.set(r.tzid, r.block);
    else if (r.kind === 'unknown') {
      opts.onNote?.({ sourceKey: '', code: 'unknown-time-zone', message: `no VTIMEZONE for "${id}"; its events are written in UTC` });
    }
  }
  for (const tzid of [...blocks.keys()].sort()) out += blocks.get(tzid)!;
  return out;
}

export function calendarFooter(): string {
  return contentLine('END', 'VCALENDAR');
}

export interface EventOptions {
  uid: string;
  /** ISO instant: when the event was rescued (never the export clock, so re-exports are identical). */
  dtstamp: string;
  onNote?: NoteSink;
}

/** Every TZID `formatEvent` will write for this event (canonical names, each once). */
export function timeZoneIdsOf(event: CalendarEvent): string[] {
  const plan = planEvent(event);
  if ('skipped' in plan) return [];
  const ids = new Set<string>();
  for (const t of [plan.start, plan.end, plan.recurrenceId, ...plan.rdates, ...plan.exdates]) {
    if (t?.kind === 'zoned') ids.add(t.tzid);
  }
  return [...ids];
}

/** One VEVENT, CRLF-terminated and folded; '' (with a note) for an event whose start cannot be written. */
export function formatEvent(event: CalendarEvent, opts: EventOptions): string {
  const plan = planEvent(event);
  if ('skipped' in plan) {
    opts.onNote?.(plan.skipped);
    return '';
  }
  for (const n of plan.notes) opts.onNote?.(n);

  let out = contentLine('BEGIN', 'VEVENT');
  out += contentLine('UID', textValue(opts.uid));
  out += contentLine('DTSTAMP', formatUtc(isoToMillis(opts.dtstamp, 'dtstamp')));
  if (plan.recurrenceId) out += timeLine('RECURRENCE-ID', plan.recurrenceId);
  out += timeLine('DTSTART', plan.start);
  if (plan.end) out += timeLine('DTEND', plan.end);
  else if (plan.duration) out += contentLine('DURATION', plan.duration);
  for (const r of plan.rrules) out += contentLine('RRULE', r);
  for (const r of plan.exrules) out += contentLine('EXRULE', r);
  out += timeListLines('RDATE', plan.rdates);
  out += timeListLines('EXDATE', plan.exdates);
  if (nonBlank(event.title)) out += contentLine('SUMMARY', textValue(event.title));
  if (nonBlank(event.description)) out += contentLine('DESCRIPTION', textValue(event.description));
  if (nonBlank(event.location)) out += contentLine('LOCATION', textValue(event.location));
  const status = STATUS[(event.status ?? '').toLowerCase()];
  if (status) out += contentLine('STATUS', status);
  out += organizerAndAttendees(event);
  // Rules we could not make valid are kept as text, which every client ignores, so nothing the
  // phone had is lost from the file.
  for (const r of plan.unusableRules) out += contentLine(`X-LIFEBOAT-UNUSABLE-${r.name}`, textValue(r.text));
  out += alarms(event, opts.onNote);
  out += contentLine('END', 'VEVENT');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Planning: every time value of the event, decided once, for both timeZoneIdsOf and formatEvent.

interface EventPlan {
  start: IcalTime;
  end?: IcalTime;
  duration?: string;
  recurrenceId?: IcalTime;
  rrules: string[];
  exrules: string[];
  unusableRules: { name: 'RRULE' | 'EXRULE'; text: string }[];
  rdates: IcalTime[];
  exdates: IcalTime[];
  notes: ExportNote[];
}

function planEvent(event: CalendarEvent): EventPlan | { skipped: ExportNote } {
  const notes = new NoteList(event.sourceKey);
  const rruleLines = lines(event.rrule);
  const recurring = rruleLines.length > 0 || lines(event.rdate).length > 0;
  const isDateEvent = event.start.kind === 'date' || event.allDay;

  const start = isDateEvent ? toDate(event.start) : toInstant(event.start, undefined, !recurring, notes);
  if (!start) {
    return { skipped: { sourceKey: event.sourceKey, code: 'event-skipped', message: `start ${describe(event.start)} cannot be written` } };
  }
  const plan: EventPlan = { start, rrules: [], exrules: [], unusableRules: [], rdates: [], exdates: [], notes: notes.items };
  planEnd(event, plan, recurring, notes);

  for (const [name, source, target] of [
    ['RRULE', rruleLines, plan.rrules],
    ['EXRULE', lines(event.exrule), plan.exrules],
  ] as const) {
    for (const text of source) {
      const r = normalizeRecurrenceRule(text, start);
      if (r.value !== undefined) {
        target.push(r.value);
        for (const n of r.notes) notes.add('recurrence-changed', `${name}: ${n}`);
      } else {
        plan.unusableRules.push({ name, text });
        notes.add('recurrence-dropped', `${name} "${text}" not written: ${r.notes.join('; ')}`);
      }
    }
  }
  for (const [name, source, target] of [
    ['RDATE', event.rdate, plan.rdates],
    ['EXDATE', event.exdate, plan.exdates],
  ] as const) {
    const r = convertDateList(source, start);
    target.push(...r.values);
    for (const n of r.notes) notes.add('date-dropped', `${name}: ${n}`);
  }

  if (event.original) {
    const instance = event.original.instanceStart;
    if (start.kind === 'date') {
      plan.recurrenceId = toDate(instance);
    } else if (instance.kind === 'instant') {
      // Must match the series' DTSTART form; only the exception is at hand, so its own zone is
      // the best guess, and (like a series' DTSTART) it keeps its TZID.
      const zone = event.start.kind === 'instant' ? event.start.timeZone : instance.timeZone;
      plan.recurrenceId = toInstant(instance, zone, false, undefined);
    } else {
      plan.recurrenceId = toDate(instance);
      notes.add('recurrence-changed', 'RECURRENCE-ID is a date while the event has a time');
    }
    if (!plan.recurrenceId) notes.add('recurrence-dropped', `RECURRENCE-ID ${describe(instance)} cannot be written`);
  }
  return plan;
}

function planEnd(event: CalendarEvent, plan: EventPlan, recurring: boolean, notes: NoteList): void {
  const start = plan.start;
  const duration = event.duration !== undefined && event.duration.trim() !== '' ? parseDuration(event.duration) : undefined;
  if (event.duration !== undefined && event.duration.trim() !== '' && !duration) {
    notes.add('invalid-duration', `duration "${event.duration}" is not a duration; left out`);
  }
  const positive = duration && !duration.negative && durationSeconds(duration) > 0 ? duration : undefined;
  if (duration && !positive) notes.add('invalid-duration', `duration "${event.duration}" is not positive; left out`);

  if (start.kind === 'date') {
    const end = event.end ? toDate(event.end) : undefined;
    if (end && icalTimeValue(end) > icalTimeValue(start)) {
      plan.end = end;
      return;
    }
    if (event.end) notes.add('end-adjusted', `end ${describe(event.end)} is not after the start day`);
    if (positive) plan.duration = dayDuration(positive);
    else plan.end = { kind: 'date', ...addDays(start, 1) };
    return;
  }

  if (event.end?.kind === 'instant' && isWritableInstant(event.end.utcMillis)) {
    if (Math.floor(event.end.utcMillis / 1000) * 1000 > start.utcMillis) {
      const zone = event.end.timeZone.trim() !== '' ? event.end.timeZone : event.start.kind === 'instant' ? event.start.timeZone : undefined;
      plan.end = toInstant(event.end, zone, !recurring, notes);
      if (plan.end) return;
    } else {
      notes.add('end-adjusted', `end ${describe(event.end)} is not after the start; left out`);
    }
  } else if (event.end) {
    notes.add('end-adjusted', `end ${describe(event.end)} cannot be written for a timed event; left out`);
  }
  if (positive) plan.duration = formatDuration(positive);
}

/** A date event's duration must be whole days or weeks (RFC 5545 §3.8.2.5): time parts round up. */
function dayDuration(p: DurationParts): string {
  const timeSeconds = p.hours * 3600 + p.minutes * 60 + p.seconds;
  if (p.days === 0 && timeSeconds === 0 && p.weeks > 0) return `P${p.weeks}W`;
  const days = p.weeks * 7 + p.days + Math.ceil(timeSeconds / 86_400);
  return `P${Math.max(days, 1)}D`;
}

/** An EventTime as a DATE: a date as it is, an instant as its day in its zone (UTC for Android's all-day). */
function toDate(t: EventTime): IcalTime | undefined {
  if (t.kind === 'date') return isValidDate(t.year, t.month, t.day) ? { kind: 'date', year: t.year, month: t.month, day: t.day } : undefined;
  if (!isWritableInstant(t.utcMillis)) return undefined;
  const r = resolveZone(t.timeZone);
  const wall = r.kind === 'zone' ? wallClockAt(r.intlZone, t.utcMillis) : utcFields(t.utcMillis);
  return wall ? { kind: 'date', year: wall.year, month: wall.month, day: wall.day } : undefined;
}

/**
 * An instant as TZID + wall clock, or as UTC when the zone is unknown or (when `exact`) when our
 * VTIMEZONE would lead a client to a different instant: the zone's rules changed since, or the
 * wall-clock time is the second of an autumn hour that occurs twice.
 */
function toInstant(t: EventTime, zoneOverride: string | undefined, exact: boolean, notes: NoteList | undefined): IcalTime | undefined {
  if (t.kind !== 'instant') return undefined;
  if (!isWritableInstant(t.utcMillis)) return undefined;
  const utcMillis = Math.floor(t.utcMillis / 1000) * 1000;
  const zoneId = zoneOverride ?? t.timeZone;
  const r = resolveZone(zoneId);
  if (r.kind === 'utc') return { kind: 'utc', utcMillis };
  if (r.kind === 'unknown') {
    notes?.add('unknown-time-zone', `time zone "${zoneId}" unknown; times written in UTC`);
    return { kind: 'utc', utcMillis };
  }
  const wall = wallClockAt(r.intlZone, utcMillis)!;
  if (r.rules && r.rules.utcFromWallClock(wall) !== utcMillis) {
    if (exact) {
      const why =
        utcFromWallClock(r.intlZone, wall) !== utcMillis
          ? 'falls in the hour that repeats when the clocks go back'
          : 'is before the rules in its VTIMEZONE (current rules only) took effect';
      notes?.add('zone-rules-differ', `${formatUtc(utcMillis)} in ${r.tzid} ${why}; written in UTC`);
      return { kind: 'utc', utcMillis };
    }
    notes?.add('zone-rules-differ', `${formatUtc(utcMillis)} kept in ${r.tzid} (recurring) although its VTIMEZONE reads it differently`);
  }
  return { kind: 'zoned', tzid: r.tzid, intlZone: r.intlZone, wall, utcMillis };
}

// ---------------------------------------------------------------------------------------------
// Writing.

function timeLine(name: string, t: IcalTime): string {
  return contentLine(name, icalTimeValue(t), icalTimeParams(t));
}

/** Values of one form share a line; a list of mixed forms (rare) gets one line per form. */
function timeListLines(name: string, values: IcalTime[]): string {
  const groups: IcalTime[][] = [];
  for (const v of values) {
    const g = groups.find((group) => sameForm(group[0]!, v));
    if (g) g.push(v);
    else groups.push([v]);
  }
  return groups.map((g) => contentLine(name, g.map(icalTimeValue).join(','), icalTimeParams(g[0]!))).join('');
}

const STATUS: Record<string, string> = { confirmed: 'CONFIRMED', tentative: 'TENTATIVE', cancelled: 'CANCELLED', canceled: 'CANCELLED' };
const PARTSTAT: Record<string, string> = { accepted: 'ACCEPTED', declined: 'DECLINED', invited: 'NEEDS-ACTION', tentative: 'TENTATIVE' };
const ROLE: Record<string, string> = { required: 'REQ-PARTICIPANT', optional: 'OPT-PARTICIPANT', resource: 'REQ-PARTICIPANT' };

function organizerAndAttendees(event: CalendarEvent): string {
  let out = '';
  const organizerAttendee = event.attendees.find((a) => a.relationship === 'organizer' && nonBlank(a.email));
  const organizer = nonBlank(event.organizer) ? event.organizer : organizerAttendee?.email;
  if (nonBlank(organizer)) {
    const named = event.attendees.find((a) => sameAddress(a.email, organizer) && nonBlank(a.name));
    out += contentLine('ORGANIZER', calAddress(organizer), named?.name ? [['CN', named.name]] : []);
  }
  for (const a of event.attendees) {
    if (!nonBlank(a.email) && !nonBlank(a.name)) continue;
    const params: Param[] = [];
    if (nonBlank(a.name)) params.push(['CN', a.name]);
    if (a.role === 'resource') params.push(['CUTYPE', 'RESOURCE']);
    const role = ROLE[a.role];
    if (role) params.push(['ROLE', role]);
    const partstat = PARTSTAT[a.status];
    if (partstat) params.push(['PARTSTAT', partstat]);
    // Google's own exports use "invalid:nomail" for a guest known only by name.
    out += contentLine('ATTENDEE', nonBlank(a.email) ? calAddress(a.email) : 'invalid:nomail', params);
  }
  return out;
}

/** A cal-address URI: `mailto:` unless the source already gave a scheme; unsafe characters percent-encoded. */
function calAddress(address: string): string {
  const a = sanitizeText(address).trim();
  const uri = /^[a-z][a-z0-9+.-]*:/i.test(a) ? a : `mailto:${a}`;
  return uri.replace(/[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]/gu, (c) => encodeURIComponent(c));
}

function sameAddress(a: string | undefined, b: string): boolean {
  const norm = (s: string): string => s.trim().replace(/^mailto:/i, '').toLowerCase();
  return a !== undefined && norm(a) === norm(b);
}

const ANDROID_DEFAULT_REMINDER = -1;

function alarms(event: CalendarEvent, onNote: NoteSink | undefined): string {
  let out = '';
  const seen = new Set<string>();
  const owner = [event.calendar.ownerAccount, event.calendar.accountName].find((s) => s !== undefined && /^[^@\s]+@[^@\s]+$/.test(s.trim()));
  const text = nonBlank(event.title) ? event.title : 'Reminder';
  for (const stored of event.reminders) {
    if (!Number.isFinite(stored.minutes)) continue;
    let r = stored;
    if (stored.minutes === ANDROID_DEFAULT_REMINDER) {
      // Android's -1 means "the calendar app's default"; AOSP Calendar's default is 10 minutes.
      r = { ...stored, minutes: 10 };
      onNote?.({ sourceKey: event.sourceKey, code: 'reminder-changed', message: "Android's default reminder written as 10 minutes before" });
    }
    const minutes = Math.round(r.minutes);
    const email = r.method === 'email' && owner !== undefined;
    const key = `${email}:${minutes}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (r.method === 'email' && !email) {
      onNote?.({ sourceKey: event.sourceKey, code: 'reminder-changed', message: 'e-mail reminder written as a display alarm: no address to send to' });
    }
    out += contentLine('BEGIN', 'VALARM');
    if (email) {
      out += contentLine('ACTION', 'EMAIL');
      out += contentLine('SUMMARY', textValue(text));
      out += contentLine('DESCRIPTION', textValue(text));
      out += contentLine('ATTENDEE', calAddress(owner));
    } else {
      out += contentLine('ACTION', 'DISPLAY');
      out += contentLine('DESCRIPTION', textValue(text));
    }
    out += contentLine('TRIGGER', trigger(r));
    out += contentLine('END', 'VALARM');
  }
  return out;
}

/** Minutes before the start as a TRIGGER; a negative count means after the start. */
function trigger(r: Reminder): string {
  const minutes = Math.round(r.minutes);
  if (minutes === 0) return 'PT0M';
  return minutes > 0 ? `-PT${minutes}M` : `PT${-minutes}M`;
}

// ---------------------------------------------------------------------------------------------

class NoteList {
  readonly items: ExportNote[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly sourceKey: string) {}
  add(code: ExportNoteCode, message: string): void {
    const key = `${code}\u0000${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({ sourceKey: this.sourceKey, code, message });
  }
}

/** The source's multi-line fields (Android keeps several rules or date lines per `\n`). */
function lines(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(/\r\n|\r|\n/)).map((v) => v.trim()).filter((v) => v !== '');
}

/** Whether a value has something to show once control characters are gone. */
function nonBlank(s: string | undefined): s is string {
  return s !== undefined && sanitizeText(s).trim() !== '';
}

function describe(t: EventTime): string {
  return t.kind === 'date' ? `${t.year}-${t.month}-${t.day}` : `${t.utcMillis} ms in "${t.timeZone}"`;
}

function isoToMillis(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`${what} is not an ISO instant: ${JSON.stringify(iso)}`);
  return ms;
}
