import type { Adb } from '@yume-chan/adb';
import type { CalendarEvent, CalendarInfo } from '../../model/event.ts';
import {
  eventFromRow, seriesOf, type AttendeeRow, type CalendarEventRow, type ReminderRow,
} from '../../readers/android-calendar-db.ts';
import { CONTENT_BLOB, contentInteger, type ContentRow, type ContentValue } from './content-query-output.ts';
import { contentQuery, ContentQueryError } from './content-query.ts';
import type { Heartbeat } from './stall-watchdog.ts';

/**
 * Calendar events over ADB, through CalendarProvider (`content query`), turned into
 * CalendarEvent objects by the same code that reads calendar.db (eventFromRow), so a rescue over
 * ADB and one of a device image give the same events.
 *
 * Events stream in (calendar, _id) order like the calendar.db reader's. Attendees and reminders
 * are read first into maps by event id: `content query` cannot fetch them per event cheaply (one
 * process on the phone per query), and they cannot be merge-joined with events in calendar order.
 * They are small rows (tens of bytes each); 100,000 of them stay well under 50 MB. A recurring
 * series' time zone, needed for an exception, is asked for when an exception is met (they are few).
 */
export async function* readAdbCalendar(adb: Adb, onSkip?: (reason: string) => void, heartbeat?: Heartbeat): AsyncGenerator<CalendarEvent> {
  const calendars = new Map<string, ContentRow>();
  const deletedCalendars = new Set<string>();
  const readCalendars = async (projection: string[]) => {
    calendars.clear();
    deletedCalendars.clear();
    for await (const row of contentQuery(adb, { uri: CALENDARS_URI, projection, sort: '_id' })) {
      const key = idText(row._id);
      if (key === undefined) continue;
      if (isDeleted(row)) deletedCalendars.add(key);
      else calendars.set(key, row);
    }
  };
  try {
    await readCalendars(CALENDAR_COLUMNS);
  } catch (error) {
    // Calendars.DELETED is a sync column some releases do not project; without it, all count as live.
    if (!(error instanceof ContentQueryError)) throw error;
    await readCalendars(CALENDAR_COLUMNS.filter((name) => name !== 'deleted'));
  }
  // Loading these is one long step before the first event: each row counts as a sign of life.
  const attendees = await groupByEvent(contentQuery(adb, { uri: ATTENDEES_URI, projection: ATTENDEE_COLUMNS, sort: 'event_id, _id' }), heartbeat);
  const reminders = await groupByEvent(contentQuery(adb, { uri: REMINDERS_URI, projection: REMINDER_COLUMNS, sort: 'event_id, _id' }), heartbeat);
  const seriesZones = new Map<string, unknown>();
  const infos = new Map<string, CalendarInfo>();

  for await (const row of contentQuery(adb, { uri: EVENTS_URI, projection: EVENT_COLUMNS, sort: 'calendar_id, _id' })) {
    const eventId = idText(row._id);
    if (eventId === undefined) {
      onSkip?.(`an event row has no usable _id (${String(row._id)})`);
      continue;
    }
    if (isDeleted(row)) continue;
    const calendarKey = idText(row.calendar_id);
    if (calendarKey !== undefined && deletedCalendars.has(calendarKey)) continue;
    const eventRow = toEventRow(row, calendarKey === undefined ? undefined : calendars.get(calendarKey));
    const series = seriesOf(eventRow);
    const event = eventFromRow(
      eventRow,
      {
        attendees: (attendees.get(eventId) ?? []).map(toAttendeeRow),
        reminders: (reminders.get(eventId) ?? []).map((r) => ({ minutes: plain(r.minutes), method: plain(r.method) }) satisfies ReminderRow),
        ...(series ? { seriesTimeZone: await seriesTimeZone(adb, series, calendarKey, seriesZones) } : {}),
      },
      infos,
      onSkip,
    );
    if (event) yield event;
  }
}

const CALENDARS_URI = 'content://com.android.calendar/calendars';
const EVENTS_URI = 'content://com.android.calendar/events';
const ATTENDEES_URI = 'content://com.android.calendar/attendees';
const REMINDERS_URI = 'content://com.android.calendar/reminders';

// First an integer id (the parser relies on it), then short values, free text last.
const CALENDAR_COLUMNS = [
  '_id', 'deleted', 'calendar_color', 'account_type', 'calendar_timezone', 'account_name', 'ownerAccount', 'name', 'calendar_displayName',
];
const EVENT_COLUMNS = [
  '_id', 'calendar_id', 'deleted', 'dtstart', 'dtend', 'allDay', 'eventStatus', 'original_id', 'originalInstanceTime',
  'originalAllDay', 'eventTimezone', 'eventEndTimezone', 'duration', 'rrule', 'rdate', 'exrule', 'exdate',
  'original_sync_id', '_sync_id', 'uid2445', 'organizer', 'eventLocation', 'title', 'description',
];
const ATTENDEE_COLUMNS = ['_id', 'event_id', 'attendeeStatus', 'attendeeRelationship', 'attendeeType', 'attendeeEmail', 'attendeeName'];
const REMINDER_COLUMNS = ['_id', 'event_id', 'minutes', 'method'];

function toEventRow(row: ContentRow, calendar: ContentRow | undefined): CalendarEventRow {
  return {
    _id: plain(row._id),
    calendar_id: plain(row.calendar_id),
    title: plain(row.title),
    description: plain(row.description),
    eventLocation: plain(row.eventLocation),
    dtstart: plain(row.dtstart),
    dtend: plain(row.dtend),
    eventTimezone: plain(row.eventTimezone),
    eventEndTimezone: plain(row.eventEndTimezone),
    duration: plain(row.duration),
    allDay: plain(row.allDay),
    rrule: plain(row.rrule),
    rdate: plain(row.rdate),
    exrule: plain(row.exrule),
    exdate: plain(row.exdate),
    original_id: plain(row.original_id),
    original_sync_id: plain(row.original_sync_id),
    originalInstanceTime: plain(row.originalInstanceTime),
    originalAllDay: plain(row.originalAllDay),
    eventStatus: plain(row.eventStatus),
    organizer: plain(row.organizer),
    uid2445: plain(row.uid2445),
    _sync_id: plain(row._sync_id),
    cal_id: plain(calendar?._id),
    cal_account_name: plain(calendar?.account_name),
    cal_account_type: plain(calendar?.account_type),
    cal_name: plain(calendar?.name),
    cal_display_name: plain(calendar?.calendar_displayName),
    cal_color: plain(calendar?.calendar_color),
    cal_time_zone: plain(calendar?.calendar_timezone),
    cal_owner_account: plain(calendar?.ownerAccount),
  };
}

function toAttendeeRow(row: ContentRow): AttendeeRow {
  return {
    attendeeName: plain(row.attendeeName),
    attendeeEmail: plain(row.attendeeEmail),
    attendeeStatus: plain(row.attendeeStatus),
    attendeeRelationship: plain(row.attendeeRelationship),
    attendeeType: plain(row.attendeeType),
  };
}

/** The series' eventTimezone, by its _id, else by its _sync_id in the same calendar (as calendar.db's reader). */
async function seriesTimeZone(
  adb: Adb,
  series: { id?: number; syncId?: string },
  calendarKey: string | undefined,
  cache: Map<string, unknown>,
): Promise<unknown> {
  const where =
    series.id !== undefined
      ? `_id=${series.id}`
      : calendarKey !== undefined
        ? `_sync_id=${sqlText(series.syncId!)} AND calendar_id=${calendarKey}`
        : undefined;
  if (where === undefined) return undefined;
  if (cache.has(where)) return cache.get(where);
  let zone: unknown;
  for await (const row of contentQuery(adb, { uri: EVENTS_URI, projection: ['_id', 'eventTimezone'], where, sort: '_id' })) {
    zone = plain(row.eventTimezone);
    break;
  }
  cache.set(where, zone);
  return zone;
}

async function groupByEvent(rows: AsyncIterable<ContentRow>, heartbeat?: Heartbeat): Promise<Map<string, ContentRow[]>> {
  const byEvent = new Map<string, ContentRow[]>();
  for await (const row of rows) {
    heartbeat?.beat();
    const key = idText(row.event_id);
    if (key === undefined) continue;
    let list = byEvent.get(key);
    if (!list) byEvent.set(key, (list = []));
    list.push(row);
  }
  return byEvent;
}

function isDeleted(row: ContentRow): boolean {
  const deleted = contentInteger(row.deleted);
  return deleted !== undefined && deleted !== 0;
}

function idText(value: ContentValue | undefined): string | undefined {
  const n = contentInteger(value);
  return n === undefined ? undefined : String(n);
}

/** An SQL string literal for --where (the whole argument is shell-quoted separately). */
function sqlText(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function plain(value: ContentValue | undefined): string | null {
  return value === undefined || value === null || value === CONTENT_BLOB ? null : value;
}
