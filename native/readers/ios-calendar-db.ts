import type Database from 'better-sqlite3';
import { BadInputError } from '../adapters/errors.ts';
import type { Attendee, CalendarEvent, CalendarInfo, EventTime, Reminder } from '../model/event.ts';
import {
  ALARM_EMAIL, ATTENDEE_ENTITY, EVENT_ENTITY, EVENT_STATUS, FLOATING_TZ, FREQUENCY, ORGANIZER_ENTITY, PARTICIPANT_ROLE,
  PARTICIPANT_STATUS, SPECIFIER_PARTS,
} from './ios-calendar-vocabulary.ts';
import { MAC_EPOCH_OFFSET_SECONDS } from './ios-plist.ts';
import { asBadInput, columnOrNull, openProviderDb, type ProviderDb } from './provider-db.ts';

export interface IosCalendarReadOptions {
  onSkip?: (reason: string) => void;
}

const KIND = 'an iPhone calendar database (Calendar.sqlitedb)';
const DAY_SECONDS = 86_400;

/**
 * Reads iOS's Calendar.sqlitedb: one CalendarEvent per event row of CalendarItem (a single
 * event, a series, or a changed occurrence, which names its series in orig_item_id and the
 * start it replaces in orig_date). Times are Mac absolute seconds (+978307200 = Unix);
 * start_tz holds the Olson zone, "_float" for floating times and all-day events (whose days are
 * UTC midnights, the end being 23:59:59 of the last day). Recurrence rows become RRULEs,
 * ExceptionDate rows EXDATEs (deleted occurrences), Alarm rows reminders.
 */
export function* readIosCalendar(dbPath: string, options: IosCalendarReadOptions = {}): Generator<CalendarEvent> {
  const source = openProviderDb(dbPath, KIND);
  try {
    const st = prepare(source, dbPath);
    const calendars = new Map<string, CalendarInfo>();
    for (const row of st.items.iterate() as Iterable<ItemRow>) {
      const event = eventOf(row, st, calendars, options.onSkip);
      if (event) yield event;
    }
  } catch (error) {
    throw asBadInput(dbPath, KIND, error);
  } finally {
    source.close();
  }
}

interface ItemRow {
  ROWID: number;
  UUID: unknown;
  unique_identifier: unknown;
  summary: unknown;
  description: unknown;
  start_date: unknown;
  start_tz: unknown;
  end_date: unknown;
  end_tz: unknown;
  all_day: unknown;
  status: unknown;
  orig_item_id: unknown;
  orig_date: unknown;
  calendar_id: unknown;
  location_title: unknown;
  location_address: unknown;
  cal_title: unknown;
  cal_uuid: unknown;
  cal_color: unknown;
  store_name: unknown;
}

type Statement = Database.Statement<unknown[], unknown>;

interface Statements {
  items: Statement;
  master: Statement;
  recurrences?: Statement;
  exceptions?: Statement;
  alarms?: Statement;
  participants?: Statement;
}

function prepare(source: ProviderDb, dbPath: string): Statements {
  if (!source.hasTable('CalendarItem')) throw new BadInputError(`${dbPath} is not ${KIND}: it has no CalendarItem table`);
  const ci = source.columns('CalendarItem');
  const missing = ['start_date', 'calendar_id'].filter((c) => !ci.has(c));
  if (missing.length) throw new BadInputError(`${dbPath} is not ${KIND}: table CalendarItem has no column ${missing.join(', ')}`);
  const col = (name: string) => `${columnOrNull(ci, 'ci', name)} AS ${name}`;
  const hasLocation = source.columns('Location').has('title');
  const cal = source.columns('Calendar');
  const hasStore = cal.has('store_id') && source.columns('Store').has('name');
  const where = [ci.has('entity_type') ? `ci.entity_type = ${EVENT_ENTITY}` : '', ci.has('hidden') ? 'COALESCE(ci.hidden, 0) = 0' : '']
    .filter(Boolean);
  const items = source.db.prepare(
    `SELECT ci.ROWID AS ROWID, ${['UUID', 'unique_identifier', 'summary', 'description', 'start_date', 'start_tz', 'end_date', 'end_tz',
      'all_day', 'status', 'orig_item_id', 'orig_date', 'calendar_id'].map(col).join(', ')},
      ${hasLocation ? 'l.title' : 'NULL'} AS location_title,
      ${hasLocation && source.columns('Location').has('address') ? 'l.address' : 'NULL'} AS location_address,
      ${cal.has('title') ? 'c.title' : 'NULL'} AS cal_title, ${columnOrNull(cal, 'c', 'UUID')} AS cal_uuid, ${columnOrNull(cal, 'c', 'color')} AS cal_color,
      ${hasStore ? 's.name' : 'NULL'} AS store_name
      FROM CalendarItem ci
      ${hasLocation && ci.has('location_id') ? 'LEFT JOIN Location l ON l.ROWID = ci.location_id' : hasLocation ? 'LEFT JOIN Location l ON 0' : ''}
      ${cal.size ? 'LEFT JOIN Calendar c ON c.ROWID = ci.calendar_id' : ''}
      ${hasStore ? 'LEFT JOIN Store s ON s.ROWID = c.store_id' : ''}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ci.calendar_id, ci.ROWID`,
  );
  const master = source.db.prepare(`SELECT ${['UUID', 'unique_identifier', 'start_tz'].map(col).join(', ')} FROM CalendarItem ci WHERE ci.ROWID = ?`);
  const r = source.columns('Recurrence');
  const recurrences = r.has('owner_id') && r.has('frequency')
    ? source.db.prepare(
        `SELECT r.frequency AS frequency, ${['interval', 'count', 'end_date', 'specifier'].map((c) => `${columnOrNull(r, 'r', c)} AS ${c}`).join(', ')}
           FROM Recurrence r WHERE r.owner_id = ? ORDER BY r.ROWID`,
      )
    : undefined;
  const x = source.columns('ExceptionDate');
  const exceptions = x.has('owner_id') && x.has('date')
    ? source.db.prepare('SELECT x.date AS date FROM ExceptionDate x WHERE x.owner_id = ? ORDER BY x.date, x.ROWID').pluck()
    : undefined;
  const a = source.columns('Alarm');
  const alarmOwner = a.has('calendaritem_owner_id') ? 'calendaritem_owner_id' : a.has('owner_id') ? 'owner_id' : undefined;
  const alarms = alarmOwner
    ? source.db.prepare(
        `SELECT ${['trigger_date', 'trigger_interval', 'type'].map((c) => `${columnOrNull(a, 'a', c)} AS ${c}`).join(', ')}
           FROM Alarm a WHERE a.${alarmOwner} = ? ORDER BY a.ROWID`,
      )
    : undefined;
  const p = source.columns('Participant');
  const hasIdentity = p.has('identity_id') && source.columns('Identity').has('display_name');
  const participants = p.has('owner_id') && p.has('entity_type')
    ? source.db.prepare(
        `SELECT p.entity_type AS entity_type, ${['status', 'role', 'email'].map((c) => `${columnOrNull(p, 'p', c)} AS ${c}`).join(', ')},
                ${hasIdentity ? 'i.display_name' : 'NULL'} AS name
           FROM Participant p ${hasIdentity ? 'LEFT JOIN Identity i ON i.ROWID = p.identity_id' : ''}
          WHERE p.owner_id = ? ORDER BY p.ROWID`,
      )
    : undefined;
  return { items, master, recurrences, exceptions, alarms, participants };
}

function eventOf(row: ItemRow, st: Statements, calendars: Map<string, CalendarInfo>, onSkip?: (reason: string) => void): CalendarEvent | undefined {
  const key = text(row.UUID) ?? String(row.ROWID);
  const start = seconds(row.start_date);
  if (start === undefined) {
    onSkip?.(`event ${key} (${text(row.summary) ?? 'untitled'}) has no usable start time (start_date ${String(row.start_date)})`);
    return undefined;
  }
  const allDay = flag(row.all_day);
  const zone = zoneOf(row.start_tz);
  const event: CalendarEvent = {
    sourceKey: key,
    calendar: { ...calendarOf(row, calendars) },
    start: allDay ? utcDay(start) : instant(start, zone),
    allDay,
    rrule: [],
    rdate: [],
    exrule: [],
    exdate: [],
    attendees: [],
    reminders: [],
  };
  const end = seconds(row.end_date);
  if (end !== undefined) {
    if (allDay) {
      // The last day ends at 23:59:59; the model (like iCalendar) wants the next day, exclusive.
      const days = Math.max(1, Math.round((end - start) / DAY_SECONDS));
      event.end = utcDay(start + days * DAY_SECONDS);
    } else {
      event.end = instant(end, text(row.end_tz) ? zoneOf(row.end_tz) : zone);
    }
  }
  setText(event, 'uid', row.unique_identifier);
  setText(event, 'title', row.summary);
  setText(event, 'description', row.description);
  const location = [text(row.location_title), text(row.location_address)].filter((s): s is string => s !== undefined);
  if (location.length === 2 && location[0] === location[1]) location.pop();
  if (location.length) event.location = location.join('\n');
  const status = EVENT_STATUS[int(row.status) ?? -1];
  if (status) event.status = status;

  for (const r of (st.recurrences?.all(row.ROWID) ?? []) as RecurrenceRow[]) {
    const rule = rruleOf(r, allDay);
    if (rule.ok) event.rrule.push(rule.value);
    else onSkip?.(`event ${key}: a recurrence was left out (${rule.why})`);
  }
  for (const date of (st.exceptions?.all(row.ROWID) ?? []) as unknown[]) {
    const s = seconds(date);
    if (s !== undefined) event.exdate.push(allDay ? dateText(s) : dateTimeText(s));
  }
  event.reminders = remindersOf((st.alarms?.all(row.ROWID) ?? []) as AlarmRow[], start);
  for (const p of (st.participants?.all(row.ROWID) ?? []) as ParticipantRow[]) {
    const email = text(p.email);
    if (int(p.entity_type) === ORGANIZER_ENTITY) {
      if (email) event.organizer = email;
      continue;
    }
    if (int(p.entity_type) !== ATTENDEE_ENTITY) continue;
    const attendee: Attendee = {
      status: PARTICIPANT_STATUS[int(p.status) ?? -1] ?? 'none',
      role: PARTICIPANT_ROLE[int(p.role) ?? -1] ?? 'none',
      relationship: 'attendee',
    };
    setText(attendee, 'name', p.name);
    if (email) attendee.email = email;
    event.attendees.push(attendee);
  }

  const masterId = int(row.orig_item_id);
  const originalStart = seconds(row.orig_date);
  if (masterId !== undefined && masterId > 0 && originalStart !== undefined) {
    const master = st.master.get(masterId) as { UUID: unknown; unique_identifier: unknown; start_tz: unknown } | undefined;
    event.original = {
      sourceKey: text(master?.UUID) ?? String(masterId),
      instanceStart: allDay ? utcDay(originalStart) : instant(originalStart, master ? zoneOf(master.start_tz) : zone),
    };
    if (event.uid === undefined) setText(event, 'uid', master?.unique_identifier);
  }
  return event;
}

function calendarOf(row: ItemRow, calendars: Map<string, CalendarInfo>): CalendarInfo {
  const key = text(row.cal_uuid) ?? String(row.calendar_id);
  let info = calendars.get(key);
  if (!info) {
    info = { sourceKey: key, displayName: text(row.cal_title) ?? text(row.store_name) ?? 'Calendar' };
    setText(info, 'accountName', row.store_name);
    const color = colorOf(row.cal_color);
    if (color !== undefined) info.color = color;
    calendars.set(key, info);
  }
  return info;
}

/** Calendar.color is "#RRGGBB" (sometimes with alpha); the model keeps 0xAARRGGBB. */
function colorOf(value: unknown): number | undefined {
  const t = text(value);
  const m = t ? /^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$/.exec(t) : null;
  if (!m) return undefined;
  return (parseInt(m[2] ?? 'ff', 16) * 0x1000000 + parseInt(m[1]!, 16)) >>> 0;
}

interface RecurrenceRow {
  frequency: unknown;
  interval: unknown;
  count: unknown;
  end_date: unknown;
  specifier: unknown;
}

export function rruleOf(r: RecurrenceRow, allDay: boolean): { ok: true; value: string } | { ok: false; why: string } {
  const freq = FREQUENCY[int(r.frequency) ?? -1];
  if (!freq) return { ok: false, why: `unknown frequency ${String(r.frequency)}` };
  const parts = [`FREQ=${freq}`];
  const interval = int(r.interval);
  if (interval !== undefined && interval > 1) parts.push(`INTERVAL=${interval}`);
  const count = int(r.count);
  const until = seconds(r.end_date);
  if (count !== undefined && count > 0) parts.push(`COUNT=${count}`);
  else if (until !== undefined && until !== 0) parts.push(`UNTIL=${allDay ? dateText(until) : dateTimeText(until)}`);
  const spec = text(r.specifier);
  if (spec !== undefined) {
    const given = new Map<string, string>();
    for (const piece of spec.split(';')) {
      if (piece.trim() === '') continue;
      const m = /^([A-Z])=(.+)$/.exec(piece.trim());
      if (!m) return { ok: false, why: `unreadable specifier "${spec}"` };
      given.set(m[1]!, m[2]!);
    }
    for (const [key, name] of SPECIFIER_PARTS) {
      const values = given.get(key);
      if (values === undefined) continue;
      given.delete(key);
      const items = values.split(',').filter(Boolean);
      if (key === 'D') {
        const days: string[] = [];
        for (const item of items) {
          const d = /^([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(item);
          if (!d) return { ok: false, why: `unreadable weekday "${item}" in "${spec}"` };
          const ordinal = Number(d[1] ?? '0');
          days.push(ordinal === 0 ? d[2]! : `${ordinal}${d[2]}`);
        }
        parts.push(`${name}=${days.join(',')}`);
      } else {
        if (!items.every((i) => /^[+-]?\d+$/.test(i))) return { ok: false, why: `unreadable ${name} "${values}" in "${spec}"` };
        parts.push(`${name}=${items.map((i) => String(Number(i))).join(',')}`);
      }
    }
    if (given.size) return { ok: false, why: `unknown specifier part ${[...given.keys()].join(', ')} in "${spec}"` };
  }
  return { ok: true, value: parts.join(';') };
}

interface AlarmRow {
  trigger_date: unknown;
  trigger_interval: unknown;
  type: unknown;
}

function remindersOf(rows: AlarmRow[], start: number): Reminder[] {
  const out: Reminder[] = [];
  for (const a of rows) {
    const at = seconds(a.trigger_date);
    const interval = seconds(a.trigger_interval);
    let beforeSeconds: number | undefined;
    if (at !== undefined && at !== 0) beforeSeconds = start - at;
    else if (interval !== undefined) beforeSeconds = -interval;
    if (beforeSeconds === undefined) continue;
    out.push({ minutes: Math.round(beforeSeconds / 60), method: int(a.type) === ALARM_EMAIL ? 'email' : 'alert' });
  }
  return out;
}

interface ParticipantRow {
  entity_type: unknown;
  status: unknown;
  role: unknown;
  email: unknown;
  name: unknown;
}

function zoneOf(tz: unknown): string {
  const t = text(tz);
  // Floating times have no zone on the phone; UTC keeps their wall clock as the phone showed it.
  return t === undefined || t === FLOATING_TZ || t.startsWith('_') ? 'UTC' : t;
}

function instant(macSeconds: number, timeZone: string): EventTime {
  return { kind: 'instant', utcMillis: Math.round((macSeconds + MAC_EPOCH_OFFSET_SECONDS) * 1000), timeZone };
}

function utcDay(macSeconds: number): EventTime {
  const d = new Date((macSeconds + MAC_EPOCH_OFFSET_SECONDS) * 1000);
  return { kind: 'date', year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function dateText(macSeconds: number): string {
  return new Date((macSeconds + MAC_EPOCH_OFFSET_SECONDS) * 1000).toISOString().slice(0, 10).replace(/-/g, '');
}

function dateTimeText(macSeconds: number): string {
  return new Date(Math.round((macSeconds + MAC_EPOCH_OFFSET_SECONDS)) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Mac absolute seconds within what a Date holds; undefined otherwise. */
function seconds(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) && Math.abs(n) < 1e11 ? n : undefined;
}

function int(value: unknown): number | undefined {
  const n = seconds(value);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

function flag(value: unknown): boolean {
  return int(value) === 1;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function setText<T extends object>(target: T, key: keyof T & string, value: unknown): void {
  const t = text(value);
  if (t !== undefined) (target as Record<string, unknown>)[key] = t;
}
