import type Database from 'better-sqlite3';
import type { Attendee, CalendarEvent, CalendarInfo, EventTime, Reminder } from '../model/event.ts';
import { BadInputError } from '../adapters/errors.ts';
import { ATTENDEE_RELATIONSHIP, ATTENDEE_STATUS, ATTENDEE_TYPE, EVENT_STATUS, REMINDER_METHOD } from './android-calendar-vocabulary.ts';
import { asBadInput, columnOrNull, openProviderDb, type ProviderDb } from './provider-db.ts';

export interface CalendarReadOptions {
  /** Told about each row that cannot become an event (e.g. no start time), which is then left out. */
  onSkip?: (reason: string) => void;
}

/**
 * Reads Android's calendar.db (AOSP CalendarProvider): one CalendarEvent per live Events row (a
 * single event, a recurring series, or one changed instance of a series), in calendar then _id
 * order. Rows are streamed; attendees and reminders are fetched per event.
 *
 * Values that iCalendar export needs verbatim (duration, rrule, rdate, exrule, exdate) are kept
 * exactly as Android stores them; the exporter is the one place that normalises them.
 */
export function* readAndroidCalendar(dbPath: string, options: CalendarReadOptions = {}): Generator<CalendarEvent> {
  const source = openProviderDb(dbPath, KIND);
  try {
    const statements = prepare(source, dbPath);
    const calendars = new Map<string, CalendarInfo>();
    for (const row of statements.events.iterate() as Iterable<CalendarEventRow>) {
      const event = eventFromRow(row, relatedRows(row, statements), calendars, options.onSkip);
      if (event) yield event;
    }
  } catch (error) {
    throw asBadInput(dbPath, KIND, error);
  } finally {
    source.close();
  }
}

const KIND = 'an Android calendar database';

/**
 * One Events row with its calendar's columns (cal_*). Other sources (ADB's `content query`)
 * build the same rows, so that every source gives the same CalendarEvent objects. Values may be
 * text, numbers or BigInts; 64-bit times are read exactly from any of them.
 */
export interface CalendarEventRow {
  _id: unknown;
  calendar_id: unknown;
  title: unknown;
  description: unknown;
  eventLocation: unknown;
  dtstart: unknown;
  dtend: unknown;
  eventTimezone: unknown;
  eventEndTimezone: unknown;
  duration: unknown;
  allDay: unknown;
  rrule: unknown;
  rdate: unknown;
  exrule: unknown;
  exdate: unknown;
  original_id: unknown;
  original_sync_id: unknown;
  originalInstanceTime: unknown;
  originalAllDay: unknown;
  eventStatus: unknown;
  organizer: unknown;
  uid2445: unknown;
  _sync_id: unknown;
  cal_id: unknown;
  cal_account_name: unknown;
  cal_account_type: unknown;
  cal_name: unknown;
  cal_display_name: unknown;
  cal_color: unknown;
  cal_time_zone: unknown;
  cal_owner_account: unknown;
}

type Statement = Database.Statement<unknown[], unknown>;

interface Statements {
  events: Statement;
  attendees?: Statement;
  reminders?: Statement;
  seriesTimeZoneById: Statement;
  seriesTimeZoneBySyncId?: Statement;
}

function prepare(source: ProviderDb, dbPath: string): Statements {
  for (const table of ['Events', 'Calendars']) {
    if (!source.hasTable(table)) throw new BadInputError(`${dbPath} is not ${KIND}: it has no ${table} table`);
  }
  const e = source.columns('Events');
  const c = source.columns('Calendars');
  const absent = ['_id', 'calendar_id', 'dtstart'].filter((name) => !e.has(name));
  if (absent.length > 0) throw new BadInputError(`${dbPath} is not ${KIND}: table Events has no column ${absent.join(', ')}`);

  const eventColumn = (name: string) => `${columnOrNull(e, 'e', name)} AS ${name}`;
  const eventColumns = [
    'title', 'description', 'eventLocation', 'dtstart', 'dtend', 'eventTimezone', 'eventEndTimezone', 'duration', 'allDay',
    'rrule', 'rdate', 'exrule', 'exdate', 'original_id', 'original_sync_id', 'originalInstanceTime', 'originalAllDay',
    'eventStatus', 'organizer', 'uid2445', '_sync_id',
  ].map(eventColumn);
  // Names before Android 4.0 (calendar.db version < 300) come second.
  const calendarColumns = [
    `c._id AS cal_id`,
    `${columnOrNull(c, 'c', 'account_name', '_sync_account')} AS cal_account_name`,
    `${columnOrNull(c, 'c', 'account_type', '_sync_account_type')} AS cal_account_type`,
    `${columnOrNull(c, 'c', 'name')} AS cal_name`,
    `${columnOrNull(c, 'c', 'calendar_displayName', 'displayName')} AS cal_display_name`,
    `${columnOrNull(c, 'c', 'calendar_color', 'color')} AS cal_color`,
    `${columnOrNull(c, 'c', 'calendar_timezone', 'timezone')} AS cal_time_zone`,
    `${columnOrNull(c, 'c', 'ownerAccount')} AS cal_owner_account`,
  ];
  const live = [
    e.has('deleted') ? 'COALESCE(e.deleted, 0) = 0' : '',
    c.has('deleted') ? 'COALESCE(c.deleted, 0) = 0' : '',
  ].filter(Boolean);
  const events = source.db
    .prepare(
      `SELECT e._id AS _id, e.calendar_id AS calendar_id, ${eventColumns.join(', ')}, ${calendarColumns.join(', ')}
         FROM Events e LEFT JOIN Calendars c ON c._id = e.calendar_id
        ${live.length ? `WHERE ${live.join(' AND ')}` : ''}
        ORDER BY e.calendar_id, e._id`,
    )
    // dtstart and friends are 64-bit: read them as BigInt and check before making numbers.
    .safeIntegers(true);

  const a = source.columns('Attendees');
  const attendees = a.has('event_id')
    ? source.db.prepare(
        `SELECT ${['attendeeName', 'attendeeEmail', 'attendeeStatus', 'attendeeRelationship', 'attendeeType']
          .map((name) => `${columnOrNull(a, 'a', name)} AS ${name}`)
          .join(', ')}
           FROM Attendees a WHERE a.event_id = ? ORDER BY a._id`,
      )
    : undefined;
  const r = source.columns('Reminders');
  const reminders = r.has('event_id')
    ? source.db.prepare(
        `SELECT ${columnOrNull(r, 'r', 'minutes')} AS minutes, ${columnOrNull(r, 'r', 'method')} AS method
           FROM Reminders r WHERE r.event_id = ? ORDER BY r._id`,
      )
    : undefined;
  const seriesTimeZoneById = source.db.prepare(`SELECT ${columnOrNull(e, 'e', 'eventTimezone')} AS tz FROM Events e WHERE e._id = ?`);
  const seriesTimeZoneBySyncId = e.has('_sync_id')
    ? source.db.prepare(
        `SELECT ${columnOrNull(e, 'e', 'eventTimezone')} AS tz FROM Events e WHERE e._sync_id = ? AND e.calendar_id = ? ORDER BY e._id LIMIT 1`,
      )
    : undefined;
  return { events, attendees, reminders, seriesTimeZoneById, seriesTimeZoneBySyncId };
}

/** What an event row needs from other tables: its attendees, reminders, and its series' time zone. */
export interface EventRelatedRows {
  attendees: AttendeeRow[];
  reminders: ReminderRow[];
  /** For an exception (see `seriesOf`): the eventTimezone of the series it belongs to, if found. */
  seriesTimeZone?: unknown;
}

/** The series an exception row belongs to (original_id or original_sync_id), else undefined. */
export function seriesOf(row: CalendarEventRow): { id?: number; syncId?: string } | undefined {
  const id = int(row.original_id);
  const syncId = text(row.original_sync_id);
  if ((id === undefined && syncId === undefined) || millis(row.originalInstanceTime) === undefined) return undefined;
  return { ...(id !== undefined ? { id } : {}), ...(syncId !== undefined ? { syncId } : {}) };
}

function relatedRows(row: CalendarEventRow, statements: Statements): EventRelatedRows {
  const id = row._id;
  const related: EventRelatedRows = {
    attendees: statements.attendees ? (statements.attendees.all(id) as AttendeeRow[]) : [],
    reminders: statements.reminders ? (statements.reminders.all(id) as ReminderRow[]) : [],
  };
  const series = seriesOf(row);
  if (series) {
    const found =
      series.id !== undefined
        ? (statements.seriesTimeZoneById.get(series.id) as { tz: unknown } | undefined)
        : (statements.seriesTimeZoneBySyncId?.get(series.syncId, row.calendar_id) as { tz: unknown } | undefined);
    related.seriesTimeZone = found?.tz;
  }
  return related;
}

/**
 * Turns one Events row into a CalendarEvent, or undefined (told to `onSkip`) when it has no
 * usable start. `calendars` caches CalendarInfo by calendar id across calls.
 */
export function eventFromRow(
  row: CalendarEventRow,
  related: EventRelatedRows,
  calendars: Map<string, CalendarInfo>,
  onSkip?: (reason: string) => void,
): CalendarEvent | undefined {
  const id = String(row._id);
  const dtstart = millis(row.dtstart);
  if (dtstart === undefined) {
    onSkip?.(`event ${id} (${text(row.title) ?? 'untitled'}) has no usable start time (dtstart ${String(row.dtstart)})`);
    return undefined;
  }
  const allDay = flag(row.allDay);
  const timeZone = text(row.eventTimezone) ?? 'UTC';
  const endTimeZone = text(row.eventEndTimezone) ?? timeZone;
  const at = (utcMillis: number, zone: string, asDate: boolean): EventTime =>
    asDate ? utcDate(utcMillis) : { kind: 'instant', utcMillis, timeZone: zone };

  const rrule = lines(row.rrule);
  const rdate = lines(row.rdate);
  const event: CalendarEvent = {
    sourceKey: id,
    calendar: { ...calendarOf(row, calendars) },
    start: at(dtstart, timeZone, allDay),
    allDay,
    rrule,
    rdate,
    exrule: lines(row.exrule),
    exdate: lines(row.exdate),
    attendees: attendeesOf(related.attendees),
    reminders: remindersOf(related.reminders),
  };
  setText(event, 'uid', row.uid2445);
  setText(event, 'syncId', row._sync_id);
  setText(event, 'title', row.title);
  setText(event, 'description', row.description);
  setText(event, 'location', row.eventLocation);
  setText(event, 'organizer', row.organizer);
  const status = EVENT_STATUS[int(row.eventStatus) ?? -1];
  if (status) event.status = status;

  // Android keeps either dtend (single events) or duration (recurring ones). When a sync adapter
  // left both, the recurrence decides, as it does for the provider's own instance expansion.
  const dtend = millis(row.dtend);
  const duration = text(row.duration);
  const recurring = rrule.length > 0 || rdate.length > 0;
  if (duration !== undefined && (recurring || dtend === undefined)) event.duration = duration;
  else if (dtend !== undefined) event.end = at(dtend, endTimeZone, allDay);

  const original = originalOf(row, related.seriesTimeZone, timeZone);
  if (original) event.original = original;
  return event;
}

function calendarOf(row: CalendarEventRow, calendars: Map<string, CalendarInfo>): CalendarInfo {
  const key = String(row.calendar_id);
  let info = calendars.get(key);
  if (!info) {
    info = {
      sourceKey: key,
      displayName: text(row.cal_display_name) ?? text(row.cal_name) ?? text(row.cal_account_name) ?? 'Calendar',
    };
    setText(info, 'accountName', row.cal_account_name);
    setText(info, 'accountType', row.cal_account_type);
    setText(info, 'ownerAccount', row.cal_owner_account);
    setText(info, 'timeZone', row.cal_time_zone);
    const color = int(row.cal_color);
    if (color !== undefined) info.color = color;
    calendars.set(key, info);
  }
  return info;
}

/**
 * An exception row names its series (original_id, or original_sync_id when it came from a
 * server) and the start of the instance it replaces. That start is in the series' time zone.
 */
function originalOf(row: CalendarEventRow, seriesTimeZone: unknown, ownTimeZone: string): CalendarEvent['original'] {
  const originalId = int(row.original_id);
  const originalSyncId = text(row.original_sync_id);
  const instanceTime = millis(row.originalInstanceTime);
  if ((originalId === undefined && originalSyncId === undefined) || instanceTime === undefined) return undefined;
  let instanceStart: EventTime;
  if (flag(row.originalAllDay)) {
    instanceStart = utcDate(instanceTime);
  } else {
    instanceStart = { kind: 'instant', utcMillis: instanceTime, timeZone: text(seriesTimeZone) ?? ownTimeZone };
  }
  const original: NonNullable<CalendarEvent['original']> = { instanceStart };
  if (originalId !== undefined) original.sourceKey = String(originalId);
  if (originalSyncId !== undefined) original.syncId = originalSyncId;
  return original;
}

export interface AttendeeRow {
  attendeeName: unknown;
  attendeeEmail: unknown;
  attendeeStatus: unknown;
  attendeeRelationship: unknown;
  attendeeType: unknown;
}

function attendeesOf(rows: AttendeeRow[]): Attendee[] {
  return rows.map((row) => {
    const attendee: Attendee = {
      status: ATTENDEE_STATUS[int(row.attendeeStatus) ?? 0] ?? 'none',
      role: ATTENDEE_TYPE[int(row.attendeeType) ?? 0] ?? 'none',
      relationship: ATTENDEE_RELATIONSHIP[int(row.attendeeRelationship) ?? 0] ?? 'none',
    };
    setText(attendee, 'name', row.attendeeName);
    setText(attendee, 'email', row.attendeeEmail);
    return attendee;
  });
}

export interface ReminderRow {
  minutes: unknown;
  method: unknown;
}

function remindersOf(rows: ReminderRow[]): Reminder[] {
  // Reminders.MINUTES_DEFAULT is -1 ("the calendar's default"); it is kept as stored.
  return rows
    .filter((row) => int(row.minutes) !== undefined)
    .map((row) => ({ minutes: int(row.minutes)!, method: REMINDER_METHOD[int(row.method) ?? 0] ?? 'default' }));
}

/** All-day events sit at UTC midnight; the day is read in UTC whatever the phone's zone. */
function utcDate(utcMillis: number): EventTime {
  const d = new Date(utcMillis);
  return { kind: 'date', year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** rrule, rdate, exrule and exdate hold one rule or date list per line. */
function lines(value: unknown): string[] {
  const s = text(value);
  return s === undefined ? [] : s.split('\n').filter((line) => line.trim() !== '');
}

/** UTC milliseconds within what a Date (and a double) holds exactly; else undefined. */
function millis(value: unknown): number | undefined {
  let big: bigint | undefined;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) big = BigInt(value.trim());
  if (big === undefined) return undefined;
  const MAX_DATE_MILLIS = 8_640_000_000_000_000n;
  if (big > MAX_DATE_MILLIS || big < -MAX_DATE_MILLIS) return undefined;
  return Number(big);
}

function int(value: unknown): number | undefined {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function flag(value: unknown): boolean {
  return (int(value) ?? 0) !== 0;
}

function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const s = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
  return s.trim() === '' ? undefined : s;
}

function setText<T extends object, K extends keyof T>(target: T, key: K, value: unknown): void {
  const s = text(value);
  if (s !== undefined) (target as Record<K, unknown>)[key] = s;
}
