/**
 * vCalendar 1.0 (.vcs, feature phones: quoted-printable text, TZ offsets, its own RRULE syntax,
 * AALARM/DALARM) and iCalendar 2.0 (.ics, RFC 5545) into the model's events. VTODO, VJOURNAL and
 * the like are not events and are left out; an event without a readable start is reported
 * through onSkip, never dropped in silence.
 */
import type { Attendee, CalendarEvent, CalendarInfo, EventTime, Reminder } from '../model/event.ts';
import { parseContentLines, splitStructured, unescapeText, type ContentLine } from './vcard-lines.ts';

export interface VCalendarReadOptions {
  /** The object's path on the phone: the calendar's key, and events without UID are PREFIX#N. */
  readonly sourceKeyPrefix: string;
  /** The calendar's name when the file gives none (X-WR-CALNAME). */
  readonly calendarName: string;
  readonly onSkip?: (reason: string) => void;
}

interface Component {
  name: string;
  lines: ContentLine[];
  children: Component[];
}

export function readVCalendar(bytes: Uint8Array, options: VCalendarReadOptions): CalendarEvent[] {
  const roots = components(parseContentLines(bytes));
  const events: CalendarEvent[] = [];
  for (const root of roots.filter((c) => c.name === 'VCALENDAR')) {
    const version = root.lines.find((l) => l.name === 'VERSION')?.value.trim() ?? '2.0';
    const calendar: CalendarInfo = {
      sourceKey: options.sourceKeyPrefix,
      displayName: root.lines.find((l) => l.name === 'X-WR-CALNAME')?.value.trim() || options.calendarName,
    };
    const zone = root.lines.find((l) => l.name === 'X-WR-TIMEZONE')?.value.trim();
    if (zone && isKnownZone(zone)) calendar.timeZone = zone;
    // vCalendar 1.0: TZ:+01:00 is the offset of every floating time in the file.
    const tz = root.lines.find((l) => l.name === 'TZ')?.value.trim();
    const offsetMinutes = tz ? parseOffset(tz) : undefined;
    const context = { version, offsetMinutes, defaultZone: calendar.timeZone };
    for (const vevent of root.children.filter((c) => c.name === 'VEVENT')) {
      const index = events.length + 1;
      try {
        events.push(toEvent(vevent, calendar, `${options.sourceKeyPrefix}#${index}`, context));
      } catch (error) {
        const summary = vevent.lines.find((l) => l.name === 'SUMMARY')?.value;
        options.onSkip?.(`${options.sourceKeyPrefix}: event ${index}${summary ? ` "${unescapeText(summary)}"` : ''} left out: ${(error as Error).message}`);
      }
    }
  }
  return events;
}

function components(lines: ContentLine[]): Component[] {
  const roots: Component[] = [];
  const stack: Component[] = [];
  for (const line of lines) {
    if (line.name === 'BEGIN') {
      const c: Component = { name: line.value.trim().toUpperCase(), lines: [], children: [] };
      (stack.at(-1)?.children ?? roots).push(c);
      stack.push(c);
    } else if (line.name === 'END') {
      const name = line.value.trim().toUpperCase();
      while (stack.length > 0 && stack.pop()!.name !== name) {
        // an END without its BEGIN closes what is open, as lenient readers do
      }
    } else stack.at(-1)?.lines.push(line);
  }
  return roots;
}

interface Context {
  version: string;
  offsetMinutes: number | undefined;
  defaultZone: string | undefined;
}

function toEvent(c: Component, calendar: CalendarInfo, fallbackKey: string, context: Context): CalendarEvent {
  const get = (name: string) => c.lines.find((l) => l.name === name);
  const all = (name: string) => c.lines.filter((l) => l.name === name);
  const dtstart = get('DTSTART');
  if (!dtstart) throw new Error('it has no DTSTART');
  const start = parseTime(dtstart, context);
  if (!start) throw new Error(`its start "${dtstart.value}" is not a date`);
  const uid = get('UID')?.value.trim();
  // IrMC calendars (telecom/cal.vcs) carry no UID but a per-entry LUID that stays put across reads.
  const luid = get('X-IRMC-LUID')?.value.trim();
  const event: CalendarEvent = {
    sourceKey: uid ? `uid:${uid}` : luid ? `irmc-luid:${luid}` : fallbackKey,
    calendar,
    start,
    allDay: start.kind === 'date',
    rrule: [],
    rdate: [],
    exrule: [],
    exdate: [],
    attendees: [],
    reminders: [],
  };
  if (uid) event.uid = uid;
  const text = (name: string) => {
    const l = get(name);
    const v = l ? unescapeText(l.value) : '';
    return v.trim() ? v : undefined;
  };
  const title = text('SUMMARY');
  if (title) event.title = title;
  const description = text('DESCRIPTION');
  if (description) event.description = description;
  const location = text('LOCATION');
  if (location) event.location = location;
  const dtend = get('DTEND');
  if (dtend) {
    const end = parseTime(dtend, context);
    if (end) event.end = end;
  } else {
    const duration = get('DURATION')?.value.trim();
    if (duration) event.duration = duration;
  }
  const status = get('STATUS')?.value.trim().toLowerCase();
  if (status === 'confirmed' || status === 'tentative' || status === 'cancelled') event.status = status;
  else if (status === 'declined') event.status = 'cancelled';

  for (const l of all('RRULE')) {
    const rule = context.version.startsWith('1') ? convertVCal1Rule(l.value.trim(), context) : l.value.trim();
    if (rule) event.rrule.push(rule);
  }
  for (const l of all('EXRULE')) if (!context.version.startsWith('1')) event.exrule.push(l.value.trim());
  for (const [name, list] of [['EXDATE', event.exdate], ['RDATE', event.rdate]] as const) {
    for (const l of all(name)) {
      const tzid = l.params.get('TZID')?.[0];
      const items = l.value.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
      const floating = items.map((item) => toUtcText(item, tzid, context) ?? item);
      list.push(`${name}${tzid && floating.every((f, i) => f === items[i]) ? `;TZID=${tzid}` : ''}:${floating.join(',')}`);
    }
  }
  const recurrenceId = get('RECURRENCE-ID');
  if (recurrenceId) {
    const instanceStart = parseTime(recurrenceId, context);
    if (instanceStart) event.original = { ...(uid ? { syncId: uid } : {}), instanceStart };
  }
  const organizer = get('ORGANIZER');
  if (organizer) event.organizer = organizer.value.replace(/^mailto:/i, '').trim();
  for (const l of all('ATTENDEE')) event.attendees.push(attendeeOf(l));
  for (const alarm of c.children.filter((x) => x.name === 'VALARM')) {
    const reminder = reminderOf(alarm, start);
    if (reminder) event.reminders.push(reminder);
  }
  for (const name of ['AALARM', 'DALARM', 'PALARM', 'MALARM']) {
    const l = get(name);
    if (!l) continue;
    const when = parseTimeText(splitStructured(l.value)[0]!.trim(), undefined, context);
    const startMs = start.kind === 'instant' ? start.utcMillis : undefined;
    if (when?.kind === 'instant' && startMs !== undefined) {
      event.reminders.push({ minutes: Math.max(0, Math.round((startMs - when.utcMillis) / 60_000)), method: name === 'DALARM' ? 'alert' : name === 'MALARM' ? 'email' : 'alarm' });
    }
  }
  return event;
}

function attendeeOf(l: ContentLine): Attendee {
  const param = (k: string) => l.params.get(k)?.[0]?.toLowerCase();
  const email = l.value.replace(/^mailto:/i, '').trim();
  const a: Attendee = {
    status: ({ accepted: 'accepted', declined: 'declined', tentative: 'tentative', 'needs-action': 'invited' } as Record<string, string>)[param('PARTSTAT') ?? param('STATUS') ?? ''] ?? 'none',
    role: ({ 'req-participant': 'required', 'opt-participant': 'optional', 'non-participant': 'none', chair: 'required' } as Record<string, string>)[param('ROLE') ?? ''] ?? 'none',
    relationship: 'attendee',
  };
  if (email) a.email = email;
  const cn = l.params.get('CN')?.[0];
  if (cn) a.name = cn;
  return a;
}

function reminderOf(alarm: Component, start: EventTime): Reminder | undefined {
  const trigger = alarm.lines.find((l) => l.name === 'TRIGGER');
  if (!trigger) return undefined;
  const action = alarm.lines.find((l) => l.name === 'ACTION')?.value.trim().toLowerCase();
  const method = action === 'email' ? 'email' : action === 'audio' ? 'alarm' : 'alert';
  const duration = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(trigger.value.trim());
  if (duration) {
    const [, sign, w, d, h, m, s] = duration;
    const minutes = (Number(w ?? 0) * 7 * 24 + Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0) + Math.round(Number(s ?? 0) / 60);
    return { minutes: sign === '-' ? minutes : -minutes, method };
  }
  const at = parseTimeText(trigger.value.trim(), undefined, { version: '2.0', offsetMinutes: undefined, defaultZone: undefined });
  if (at?.kind === 'instant' && start.kind === 'instant') return { minutes: Math.round((start.utcMillis - at.utcMillis) / 60_000), method };
  return undefined;
}

function parseTime(l: ContentLine, context: Context): EventTime | undefined {
  const valueDate = l.params.get('VALUE')?.[0]?.toUpperCase() === 'DATE';
  const t = parseTimeText(l.value.trim(), l.params.get('TZID')?.[0], context);
  if (valueDate && t?.kind === 'instant') {
    const d = new Date(t.utcMillis);
    return { kind: 'date', year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  return t;
}

const TIME = /^(\d{4})-?(\d{2})-?(\d{2})(?:T(\d{2}):?(\d{2}):?(\d{2})?(Z)?)?$/i;

function parseTimeText(text: string, tzid: string | undefined, context: Context): EventTime | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCDate() !== day) return undefined;
  if (m[4] === undefined) return { kind: 'date', year, month, day };
  const wall = Date.UTC(year, month - 1, day, Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (m[7]) return { kind: 'instant', utcMillis: wall, timeZone: tzid && isKnownZone(tzid) ? tzid : 'UTC' };
  const zone = tzid ?? context.defaultZone;
  if (zone && isKnownZone(zone)) return { kind: 'instant', utcMillis: wallToUtc(wall, zone), timeZone: zone };
  // vCalendar 1.0's TZ offset, else floating: the phone's own clock, read as UTC.
  if (context.offsetMinutes !== undefined) return { kind: 'instant', utcMillis: wall - context.offsetMinutes * 60_000, timeZone: 'UTC' };
  return { kind: 'instant', utcMillis: wall, timeZone: 'UTC' };
}

/** An EXDATE/RDATE item as UTC text when its zone cannot travel as a TZID (vCalendar 1.0 offsets). */
function toUtcText(item: string, tzid: string | undefined, context: Context): string | undefined {
  if (tzid && isKnownZone(tzid)) return undefined;
  const t = parseTimeText(item, undefined, { ...context, defaultZone: undefined });
  if (!t || t.kind !== 'instant' || /Z$/i.test(item)) return undefined;
  const d = new Date(t.utcMillis);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

function isKnownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The UTC instant of a wall-clock time (given as if UTC) in an IANA zone. */
function wallToUtc(wallAsUtc: number, zone: string): number {
  let guess = wallAsUtc;
  for (let i = 0; i < 3; i++) guess = wallAsUtc - offsetAt(guess, zone);
  return guess;
}

function offsetAt(utc: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(new Date(utc));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(utc / 1000) * 1000;
}

function parseOffset(text: string): number | undefined {
  const m = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(text);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

const VCAL1_DAYS = new Set(['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA']);

/**
 * vCalendar 1.0 recurrence ("D1 #5", "W2 MO WE #0", "MD1 15 #12", "MP1 1+ MO #0", "YM1 6 #0",
 * "YD1 100 20241231T000000") as an RFC 5545 RRULE; undefined when it cannot be read.
 */
export function convertVCal1Rule(rule: string, context: Pick<Context, 'offsetMinutes'> = { offsetMinutes: undefined }): string | undefined {
  const words = rule.split(/\s+/).filter(Boolean);
  const first = /^(D|W|MP|MD|YM|YD)(\d+)$/i.exec(words[0] ?? '');
  if (!first) return undefined;
  const freq = { D: 'DAILY', W: 'WEEKLY', MP: 'MONTHLY', MD: 'MONTHLY', YM: 'YEARLY', YD: 'YEARLY' }[first[1]!.toUpperCase()]!;
  const parts = [`FREQ=${freq}`];
  if (Number(first[2]) > 1) parts.push(`INTERVAL=${Number(first[2])}`);
  const rest = words.slice(1);
  let end = rest.at(-1);
  const modifiers = rest.slice(0, -1);
  if (end !== undefined && !end.startsWith('#') && !TIME.test(end)) {
    modifiers.push(end);
    end = '#2'; // vCalendar 1.0: no end given means two occurrences
  }
  const kind = first[1]!.toUpperCase();
  if (kind === 'W') {
    const days = modifiers.filter((d) => VCAL1_DAYS.has(d.toUpperCase())).map((d) => d.toUpperCase());
    if (days.length) parts.push(`BYDAY=${days.join(',')}`);
  } else if (kind === 'MD') {
    const days = modifiers.map((d) => /^(\d+)([+-])?$/.exec(d)).filter(Boolean).map((m) => (m![2] === '-' ? `-${m![1]}` : m![1]!));
    if (days.length) parts.push(`BYMONTHDAY=${days.join(',')}`);
  } else if (kind === 'MP') {
    const byday: string[] = [];
    let ordinal = '';
    for (const m of modifiers) {
      const o = /^(\d)([+-])$/.exec(m);
      if (o) ordinal = `${o[2] === '-' ? '-' : ''}${o[1]}`;
      else if (VCAL1_DAYS.has(m.toUpperCase())) byday.push(`${ordinal}${m.toUpperCase()}`);
    }
    if (byday.length) parts.push(`BYDAY=${byday.join(',')}`);
  } else if (kind === 'YM') {
    const months = modifiers.filter((m) => /^\d+$/.test(m));
    if (months.length) parts.push(`BYMONTH=${months.join(',')}`);
  } else if (kind === 'YD') {
    const days = modifiers.filter((m) => /^\d+$/.test(m));
    if (days.length) parts.push(`BYYEARDAY=${days.join(',')}`);
  }
  if (end?.startsWith('#')) {
    const count = Number(end.slice(1));
    if (!Number.isInteger(count)) return undefined;
    if (count > 0) parts.push(`COUNT=${count}`);
  } else if (end) {
    const until = toUtcText(end, undefined, { version: '1.0', offsetMinutes: context.offsetMinutes, defaultZone: undefined }) ?? end;
    parts.push(`UNTIL=${until}`);
  }
  return parts.join(';');
}
