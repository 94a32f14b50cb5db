import Database from 'better-sqlite3';
import type { CalendarEvent, EventTime } from '../../model/event.ts';
import {
  ALARM_EMAIL, ATTENDEE_ENTITY, EVENT_ENTITY, EVENT_STATUS, FLOATING_TZ, FREQUENCY, ORGANIZER_ENTITY, PARTICIPANT_ROLE,
  PARTICIPANT_STATUS, SPECIFIER_PARTS,
} from '../../readers/ios-calendar-vocabulary.ts';
import { MAC_EPOCH_OFFSET_SECONDS } from '../../readers/ios-plist.ts';

/**
 * The inverse of native/readers/ios-calendar-db.ts, for fixtures: Calendar.sqlitedb in iOS's
 * schema (real table and column names, a subset of the columns). Events come as the model;
 * RRULEs are taken apart into Recurrence rows (FREQ, INTERVAL, COUNT or UNTIL, and the BY*
 * parts the specifier holds), EXDATEs become ExceptionDate rows, a changed occurrence
 * (`original`) a CalendarItem with orig_item_id/orig_date. Anything else throws: a fixture
 * that cannot be written as a phone would hold it must not pass silently.
 */
const SCHEMA = `
  CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
  CREATE TABLE Store (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, default_alarm_offset INTEGER, type INTEGER,
    constraint_path TEXT, disabled INTEGER, external_id TEXT, persistent_id TEXT, flags INTEGER, UUID TEXT);
  CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, flags INTEGER, color TEXT,
    symbolic_color_name TEXT, color_display_only INTEGER, type TEXT, supported_entity_types INTEGER, external_id TEXT,
    external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, display_order INTEGER, UUID TEXT,
    shared_owner_name TEXT, shared_owner_address TEXT, sharing_status INTEGER);
  CREATE TABLE Location (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT, address TEXT, latitude REAL, longitude REAL,
    reference_frame INTEGER, radius REAL, item_owner_id INTEGER, external_rep BLOB, route_type TEXT);
  CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, location_id INTEGER, description TEXT,
    start_date REAL, start_tz TEXT, end_date REAL, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER,
    orig_date REAL, organizer_id INTEGER, self_attendee_id INTEGER, status INTEGER, invitation_status INTEGER,
    availability INTEGER, privacy_level INTEGER, url TEXT, last_modified REAL, sequence_num INTEGER, birthday_id INTEGER,
    modified_properties INTEGER, external_tracking_status INTEGER, external_id TEXT, external_mod_tag TEXT,
    unique_identifier TEXT, external_schedule_id TEXT, external_rep BLOB, response_comment TEXT, hidden INTEGER,
    has_recurrences INTEGER, has_attendees INTEGER, UUID TEXT, entity_type INTEGER, priority INTEGER, due_date REAL,
    due_tz TEXT, due_all_day INTEGER, completion_date REAL, creation_date REAL, conference TEXT, display_order INTEGER,
    phantom_master INTEGER, end_tz TEXT);
  CREATE TABLE Recurrence (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, frequency INTEGER, interval INTEGER, week_start INTEGER,
    count INTEGER, cached_end_date REAL, cached_end_date_tz TEXT, end_date REAL, specifier TEXT, by_month_months INTEGER,
    owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, UUID TEXT);
  CREATE TABLE ExceptionDate (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, date REAL, owner_id INTEGER);
  CREATE TABLE Alarm (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, trigger_date REAL, trigger_interval INTEGER, type INTEGER,
    proximity INTEGER, disabled INTEGER, location_id INTEGER, sound TEXT, email_address TEXT, calendaritem_owner_id INTEGER,
    calendar_owner_id INTEGER, external_id TEXT, external_mod_tag TEXT, external_id_tag TEXT, external_rep BLOB, UUID TEXT);
  CREATE TABLE Identity (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, display_name TEXT, address TEXT, first_name TEXT,
    last_name TEXT, external_id TEXT);
  CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER,
    pending_status INTEGER, role INTEGER, identity_id INTEGER, owner_id INTEGER, external_rep BLOB, UUID TEXT, email TEXT,
    is_self INTEGER, phone_number TEXT, comment TEXT);
  CREATE INDEX CalendarItemCalendarId ON CalendarItem(calendar_id);
  CREATE INDEX RecurrenceOwnerId ON Recurrence(owner_id);
  CREATE INDEX ExceptionDateOwnerId ON ExceptionDate(owner_id);
  CREATE INDEX AlarmOwnerId ON Alarm(calendaritem_owner_id);`;

const DAY_SECONDS = 86_400;

export function writeIosCalendar(dbPath: string, events: CalendarEvent[]): void {
  const db = new Database(dbPath);
  try {
    db.exec(SCHEMA);
    const store = db.prepare('INSERT INTO Store (name, type, disabled) VALUES (?, 0, 0)');
    const calendar = db.prepare('INSERT INTO Calendar (store_id, title, color, UUID, supported_entity_types) VALUES (?, ?, ?, ?, 4)');
    const location = db.prepare('INSERT INTO Location (title) VALUES (?)');
    const item = db.prepare(`INSERT INTO CalendarItem (summary, location_id, description, start_date, start_tz, end_date, end_tz,
      all_day, calendar_id, orig_item_id, orig_date, status, unique_identifier, UUID, entity_type, hidden, has_recurrences,
      has_attendees) VALUES (@summary, @location, @description, @start, @startTz, @end, @endTz, @allDay, @calendar, @origItem,
      @origDate, @status, @uid, @uuid, ${EVENT_ENTITY}, 0, @recurring, @attendees)`);
    const recurrence = db.prepare('INSERT INTO Recurrence (frequency, interval, week_start, count, end_date, specifier, owner_id) VALUES (?, ?, 0, ?, ?, ?, ?)');
    const exception = db.prepare('INSERT INTO ExceptionDate (date, owner_id) VALUES (?, ?)');
    const alarm = db.prepare('INSERT INTO Alarm (trigger_interval, type, calendaritem_owner_id) VALUES (?, ?, ?)');
    const identity = db.prepare('INSERT INTO Identity (display_name, address) VALUES (?, ?)');
    const participant = db.prepare('INSERT INTO Participant (entity_type, status, role, identity_id, owner_id, email) VALUES (?, ?, ?, ?, ?, ?)');

    const stores = new Map<string, number>();
    const calendars = new Map<string, number>();
    const rowOf = new Map<string, number>();
    db.transaction(() => {
      // Series and single events first, so that a changed occurrence can name its series' row.
      const ordered = [...events.filter((e) => !e.original), ...events.filter((e) => e.original)];
      for (const e of ordered) {
        let calendarId = calendars.get(e.calendar.sourceKey);
        if (calendarId === undefined) {
          const storeName = e.calendar.accountName ?? 'Local';
          let storeId = stores.get(storeName);
          if (storeId === undefined) {
            storeId = Number(store.run(storeName).lastInsertRowid);
            stores.set(storeName, storeId);
          }
          const color = e.calendar.color === undefined ? null : `#${(e.calendar.color & 0xffffff).toString(16).padStart(6, '0').toUpperCase()}`;
          calendarId = Number(calendar.run(storeId, e.calendar.displayName, color, e.calendar.sourceKey).lastInsertRowid);
          calendars.set(e.calendar.sourceKey, calendarId);
        }
        if (e.duration !== undefined || e.rdate.length || e.exrule.length) throw new Error(`writeIosCalendar: event ${e.sourceKey} uses duration, RDATE or EXRULE, which iOS does not store`);
        const allDay = e.allDay || e.start.kind === 'date';
        const start = macSeconds(e.start);
        let end: number | null = null;
        if (e.end) end = allDay ? macSeconds(e.end) - 1 : macSeconds(e.end); // all-day: 23:59:59 of the last day
        else if (allDay) end = start + DAY_SECONDS - 1;
        let origItem: number | null = null;
        let origDate: number | null = null;
        if (e.original) {
          const master = e.original.sourceKey !== undefined ? rowOf.get(e.original.sourceKey) : undefined;
          if (master === undefined) throw new Error(`writeIosCalendar: event ${e.sourceKey} names series ${e.original.sourceKey}, which is not among the events`);
          origItem = master;
          origDate = macSeconds(e.original.instanceStart);
        }
        const statusCode = Object.keys(EVENT_STATUS).map(Number).find((k) => EVENT_STATUS[k] === e.status) ?? 0;
        const organizer = e.organizer;
        const row = Number(item.run({
          summary: e.title ?? null,
          location: e.location !== undefined ? Number(location.run(e.location).lastInsertRowid) : null,
          description: e.description ?? null,
          start,
          startTz: e.start.kind === 'instant' ? e.start.timeZone : FLOATING_TZ,
          end,
          endTz: e.end?.kind === 'instant' ? e.end.timeZone : allDay ? FLOATING_TZ : null,
          allDay: allDay ? 1 : 0,
          calendar: calendarId,
          origItem,
          origDate,
          status: statusCode,
          uid: e.uid ?? null,
          uuid: e.sourceKey,
          recurring: e.rrule.length ? 1 : 0,
          attendees: e.attendees.length || organizer ? 1 : 0,
        }).lastInsertRowid);
        rowOf.set(e.sourceKey, row);
        for (const rule of e.rrule) {
          const r = recurrenceRow(rule, e.sourceKey);
          recurrence.run(r.frequency, r.interval, r.count, r.until, r.specifier, row);
        }
        for (const x of e.exdate.flatMap((line) => line.split(','))) exception.run(macSecondsOfText(x, e.sourceKey), row);
        for (const reminder of e.reminders) alarm.run(-reminder.minutes * 60, reminder.method === 'email' ? ALARM_EMAIL : 0, row);
        if (organizer) participant.run(ORGANIZER_ENTITY, null, null, null, row, organizer);
        for (const a of e.attendees) {
          const identityId = a.name !== undefined ? Number(identity.run(a.name, a.email ? `mailto:${a.email}` : null).lastInsertRowid) : null;
          const status = Object.keys(PARTICIPANT_STATUS).map(Number).find((k) => PARTICIPANT_STATUS[k] === a.status) ?? 5;
          const role = Object.keys(PARTICIPANT_ROLE).map(Number).find((k) => PARTICIPANT_ROLE[k] === a.role) ?? 0;
          participant.run(ATTENDEE_ENTITY, status, role, identityId, row, a.email ?? null);
        }
      }
    })();
  } finally {
    db.close();
  }
}

function macSeconds(t: EventTime): number {
  const ms = t.kind === 'instant' ? t.utcMillis : Date.UTC(t.year, t.month - 1, t.day);
  return ms / 1000 - MAC_EPOCH_OFFSET_SECONDS;
}

/** "20240115" (a day, UTC midnight) or "20240115T090000Z". */
function macSecondsOfText(text: string, key: string): number {
  const m = /^(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)Z)?$/.exec(text.trim());
  if (!m) throw new Error(`writeIosCalendar: event ${key}: "${text}" is not YYYYMMDD or YYYYMMDDTHHMMSSZ`);
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000 - MAC_EPOCH_OFFSET_SECONDS;
}

function recurrenceRow(rule: string, key: string): { frequency: number; interval: number; count: number; until: number | null; specifier: string | null } {
  const parts = new Map(rule.split(';').map((p) => p.split('=') as [string, string]));
  const frequency = Number(Object.keys(FREQUENCY).find((k) => FREQUENCY[Number(k)] === parts.get('FREQ')));
  if (!frequency) throw new Error(`writeIosCalendar: event ${key}: "${rule}" has no FREQ iOS knows`);
  parts.delete('FREQ');
  const interval = Number(parts.get('INTERVAL') ?? 1);
  parts.delete('INTERVAL');
  const count = Number(parts.get('COUNT') ?? 0);
  parts.delete('COUNT');
  const until = parts.has('UNTIL') ? macSecondsOfText(parts.get('UNTIL')!, key) : null;
  parts.delete('UNTIL');
  const spec: string[] = [];
  for (const [k, name] of SPECIFIER_PARTS) {
    const v = parts.get(name);
    if (v === undefined) continue;
    parts.delete(name);
    spec.push(`${k}=${k === 'D' ? v.split(',').map((d) => (/^(MO|TU|WE|TH|FR|SA|SU)$/.test(d) ? `0${d}` : d.replace(/^(\d)/, '+$1'))).join(',') : v}`);
  }
  if (parts.size) throw new Error(`writeIosCalendar: event ${key}: "${rule}" has parts iOS does not store (${[...parts.keys()].join(', ')})`);
  return { frequency, interval, count, until, specifier: spec.length ? spec.join(';') : null };
}
