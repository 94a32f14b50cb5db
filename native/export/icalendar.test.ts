import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { contentLineProblems, timezoneCoverage, unfoldedLines } from '../../test/validators/content-checks.ts';
import { day, event, instant } from '../../test/validators/export-fixtures.ts';
import { validateICalendarWithPython, type PyEvent } from '../../test/validators/python-validators.ts';
import type { CalendarEvent } from '../model/event.ts';
import type { ExportNote } from './export-note.ts';
import { calendarFooter, calendarHeader, formatEvent, timeZoneIdsOf } from './icalendar.ts';
import { sanitizeText } from './content-line.ts';

const DTSTAMP = '2024-06-01T12:00:00.000Z';

interface Exported {
  ics: string;
  notes: ExportNote[];
}

/** The streaming API used the way the exporter uses it: a first pass for zones, then the text. */
function exportCalendar(events: CalendarEvent[], name = 'Personal'): Exported {
  const notes: ExportNote[] = [];
  const zones = new Set<string>();
  for (const e of events) for (const z of timeZoneIdsOf(e)) zones.add(z);
  let ics = calendarHeader({ prodId: '-//Lifeboat//Lifeboat 0.1//EN', name, timeZoneIds: zones, onNote: (n) => notes.push(n) });
  events.forEach((e, i) => {
    ics += formatEvent(e, { uid: e.uid ?? `uid-${i}@lifeboat`, dtstamp: DTSTAMP, onNote: (n) => notes.push(n) });
  });
  ics += calendarFooter();
  return { ics, notes };
}

/** All independent checks; returns what python-icalendar/vobject decoded. */
function validated(ics: string): PyEvent[] {
  expect(contentLineProblems(ics)).toEqual([]);
  const coverage = timezoneCoverage(ics);
  expect(coverage.missing, 'TZIDs without VTIMEZONE').toEqual([]);
  expect(coverage.duplicated, 'VTIMEZONE twice').toEqual([]);
  expect(coverage.unused, 'VTIMEZONE nobody uses').toEqual([]);
  const py = validateICalendarWithPython(ics);
  if (!py.ok) throw new Error(`python validators rejected the calendar: ${py.error}\n${ics}`);
  // ical.js must parse it too, and see the same number of events.
  const cal = new ICAL.Component(ICAL.parse(ics));
  expect(cal.getAllSubcomponents('vevent')).toHaveLength(py.items.length);
  return py.items;
}

function icalJsEvents(ics: string): ICAL.Event[] {
  return new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
}

/** The unfolded lines outside VTIMEZONE blocks (their DTSTART/RRULE lines are not the events'). */
function eventLines(ics: string): string[] {
  let inZone = false;
  return unfoldedLines(ics).filter((l) => {
    if (l === 'BEGIN:VTIMEZONE') inZone = true;
    const keep = !inZone;
    if (l === 'END:VTIMEZONE') inZone = false;
    return keep;
  });
}
const linesOf = (ics: string, name: string): string[] => eventLines(ics).filter((l) => l.startsWith(`${name}:`) || l.startsWith(`${name};`));
const lineOf = (ics: string, name: string): string | undefined => linesOf(ics, name)[0];

describe('known facts', () => {
  it('2024-03-31T01:30Z in Europe/Berlin is 03:30 local, just after the spring change', () => {
    const { ics } = exportCalendar([event({ title: 'After the change', start: instant('2024-03-31T01:30:00Z', 'Europe/Berlin') })]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART;TZID=Europe/Berlin:20240331T033000');
    const [py] = validated(ics);
    expect(py!.dtstart.utcViaVtimezone).toBe('20240331T013000Z');
    expect(icalJsEvents(ics)[0]!.startDate.toUnixTime()).toBe(Date.parse('2024-03-31T01:30:00Z') / 1000);
  });

  it('an all-day 2024-02-29 ends (exclusively) on 2024-03-01', () => {
    for (const e of [
      event({ allDay: true, start: day(2024, 2, 29) }),
      event({ allDay: true, start: day(2024, 2, 29), end: day(2024, 2, 29) }),
      event({ allDay: true, start: day(2024, 2, 29), end: day(2024, 3, 1) }),
      // Android: all-day rows are UTC midnights in zone UTC
      event({ allDay: true, start: instant('2024-02-29T00:00:00Z', 'UTC'), end: instant('2024-03-01T00:00:00Z', 'UTC') }),
    ]) {
      const { ics } = exportCalendar([e]);
      expect(lineOf(ics, 'DTSTART')).toBe('DTSTART;VALUE=DATE:20240229');
      expect(lineOf(ics, 'DTEND')).toBe('DTEND;VALUE=DATE:20240301');
      const [py] = validated(ics);
      expect(py!.dtstart).toMatchObject({ value: '2024-02-29', isDate: true });
      expect(py!.dtend).toMatchObject({ value: '2024-03-01', isDate: true });
      const js = icalJsEvents(ics)[0]!;
      expect(js.startDate.isDate).toBe(true);
      expect(js.endDate.toString()).toBe('2024-03-01');
    }
  });

  it('keeps a multi-day all-day event’s end, and uses DURATION when the source gave one', () => {
    const multi = exportCalendar([event({ allDay: true, start: day(2024, 12, 30), end: day(2025, 1, 2) })]).ics;
    expect(lineOf(multi, 'DTEND')).toBe('DTEND;VALUE=DATE:20250102');
    const withDuration = exportCalendar([event({ allDay: true, start: day(2024, 5, 1), duration: 'P1D', rrule: ['FREQ=YEARLY'] })]).ics;
    expect(lineOf(withDuration, 'DURATION')).toBe('DURATION:P1D');
    expect(lineOf(withDuration, 'DTEND')).toBeUndefined();
    // Android writes all-day durations in seconds too; a DATE event needs whole days.
    const seconds = exportCalendar([event({ allDay: true, start: day(2024, 5, 1), duration: 'P86400S', rrule: ['FREQ=WEEKLY'] })]).ics;
    expect(lineOf(seconds, 'DURATION')).toBe('DURATION:P1D');
    validated(multi);
    validated(withDuration);
    validated(seconds);
  });

  it('writes UTC as the Z form, needing no VTIMEZONE', () => {
    const { ics } = exportCalendar([event({ start: instant('2024-06-01T09:00:00Z', 'UTC'), end: instant('2024-06-01T10:00:00Z', 'Etc/UTC') })]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART:20240601T090000Z');
    expect(lineOf(ics, 'DTEND')).toBe('DTEND:20240601T100000Z');
    expect(ics).not.toContain('BEGIN:VTIMEZONE');
    validated(ics);
  });

  it('takes DTSTAMP from the rescue, not the clock', () => {
    const { ics } = exportCalendar([event({ start: instant('2024-06-01T09:00:00Z', 'UTC') })]);
    expect(lineOf(ics, 'DTSTAMP')).toBe('DTSTAMP:20240601T120000Z');
    expect(() => formatEvent(event({ start: instant('2024-06-01T09:00:00Z', 'UTC') }), { uid: 'x', dtstamp: 'yesterday' })).toThrow(/dtstamp/);
  });

  it('writes the calendar header and footer', () => {
    const { ics } = exportCalendar([], 'Work; "shared", calendar');
    expect(unfoldedLines(ics)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Lifeboat//Lifeboat 0.1//EN',
      'CALSCALE:GREGORIAN',
      'X-WR-CALNAME:Work\\; "shared"\\, calendar',
      'END:VCALENDAR',
    ]);
  });
});

describe('durations and ends', () => {
  it('rewrites Android’s P3600S and keeps a valid end', () => {
    const { ics } = exportCalendar([
      event({ start: instant('2024-06-01T09:00:00Z', 'Europe/Berlin'), duration: 'P3600S', rrule: ['FREQ=DAILY;COUNT=3'] }),
      event({ start: instant('2024-06-01T09:00:00Z', 'Europe/Berlin'), duration: 'P90M' }),
      event({ start: instant('2024-06-01T09:00:00Z', 'Europe/Berlin'), duration: 'P1DT2H' }),
    ]);
    expect(linesOf(ics, 'DURATION')).toEqual(['DURATION:PT3600S', 'DURATION:PT90M', 'DURATION:P1DT2H']);
    const py = validated(ics);
    expect(py.map((e) => e.duration)).toEqual(['PT1H', 'PT1H30M', 'P1DT2H']);
  });

  it('leaves out a garbage duration with a note, and uses the end when there is one', () => {
    const { ics, notes } = exportCalendar([
      event({ sourceKey: 'g1', start: instant('2024-06-01T09:00:00Z', 'UTC'), duration: 'one hour' }),
      event({ sourceKey: 'g2', start: instant('2024-06-01T09:00:00Z', 'UTC'), duration: 'P1Y', end: instant('2024-06-01T10:00:00Z', 'UTC') }),
      event({ sourceKey: 'g3', allDay: true, start: day(2024, 6, 1), duration: '-P1D' }),
    ]);
    expect(linesOf(ics, 'DURATION')).toEqual([]);
    expect(linesOf(ics, 'DTEND')).toEqual(['DTEND:20240601T100000Z', 'DTEND;VALUE=DATE:20240602']);
    expect(notes.filter((n) => n.code === 'invalid-duration').map((n) => n.sourceKey)).toEqual(['g1', 'g2', 'g3']);
    validated(ics);
  });

  it('drops an end that is not after the start', () => {
    const { ics, notes } = exportCalendar([event({ start: instant('2024-06-01T09:00:00Z', 'UTC'), end: instant('2024-06-01T08:00:00Z', 'UTC') })]);
    expect(lineOf(ics, 'DTEND')).toBeUndefined();
    expect(notes.map((n) => n.code)).toContain('end-adjusted');
    validated(ics);
  });

  it('writes the end in its own zone when it has one', () => {
    const flight = event({ start: instant('2024-06-01T08:00:00Z', 'Europe/Berlin'), end: instant('2024-06-01T16:00:00Z', 'America/New_York') });
    expect(timeZoneIdsOf(flight).sort()).toEqual(['America/New_York', 'Europe/Berlin']);
    const { ics } = exportCalendar([flight]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART;TZID=Europe/Berlin:20240601T100000');
    expect(lineOf(ics, 'DTEND')).toBe('DTEND;TZID=America/New_York:20240601T120000');
    const [py] = validated(ics);
    expect(py!.dtend!.utcViaVtimezone).toBe('20240601T160000Z');
  });
});

describe('time zones', () => {
  it('falls back to UTC for an unknown zone, and says so', () => {
    const e = event({ sourceKey: 'mars', start: instant('2024-06-01T09:00:00Z', 'Mars/Olympus_Mons'), exdate: ['20240608T090000Z'] });
    expect(timeZoneIdsOf(e)).toEqual([]);
    const notes: ExportNote[] = [];
    const header = calendarHeader({ prodId: 'x', name: 'x', timeZoneIds: ['Mars/Olympus_Mons', 'Europe/Berlin'], onNote: (n) => notes.push(n) });
    expect(header.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
    expect(notes[0]).toMatchObject({ code: 'unknown-time-zone' });
    const { ics, notes: eventNotes } = exportCalendar([{ ...e, rrule: ['FREQ=WEEKLY;COUNT=3'] }]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART:20240601T090000Z');
    expect(lineOf(ics, 'EXDATE')).toBe('EXDATE:20240608T090000Z');
    expect(eventNotes).toContainEqual({ sourceKey: 'mars', code: 'unknown-time-zone', message: expect.stringContaining('Mars/Olympus_Mons') });
    validated(ics);
  });

  it('writes an alias under the library’s TZID, one VTIMEZONE for both names', () => {
    const { ics } = exportCalendar([
      event({ start: instant('2024-06-01T09:00:00Z', 'Asia/Calcutta') }),
      event({ start: instant('2024-06-02T09:00:00Z', 'Asia/Kolkata') }),
    ]);
    expect(linesOf(ics, 'DTSTART')).toEqual(['DTSTART;TZID=Asia/Kolkata:20240601T143000', 'DTSTART;TZID=Asia/Kolkata:20240602T143000']);
    expect(timezoneCoverage(ics).defined).toEqual(['Asia/Kolkata']);
    validated(ics);
  });

  it('writes the second 02:30 of the autumn night in UTC: with TZID it would mean the first', () => {
    const { ics, notes } = exportCalendar([
      event({ sourceKey: 'first', start: instant('2024-10-27T00:30:00Z', 'Europe/Berlin') }),
      event({ sourceKey: 'second', start: instant('2024-10-27T01:30:00Z', 'Europe/Berlin') }),
    ]);
    expect(linesOf(ics, 'DTSTART')).toEqual(['DTSTART;TZID=Europe/Berlin:20241027T023000', 'DTSTART:20241027T013000Z']);
    expect(notes).toContainEqual(expect.objectContaining({ sourceKey: 'second', code: 'zone-rules-differ' }));
    const py = validated(ics);
    expect(py.map((e) => e.dtstart.utcViaVtimezone)).toEqual(['20241027T003000Z', '20241027T013000Z']);
  });

  it('writes a time before the VTIMEZONE’s rules begin (1970) in UTC', () => {
    const { ics } = exportCalendar([event({ start: instant('1965-07-01T10:00:00Z', 'Europe/Berlin') })]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART:19650701T100000Z');
    validated(ics);
  });

  it('every instant, in every kind of zone, comes back exactly through our VTIMEZONEs (vobject, ical.js)', () => {
    const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'America/Sao_Paulo', 'Pacific/Chatham', 'Australia/Lord_Howe', 'America/St_Johns', 'Europe/London', 'America/Vancouver', 'Africa/Casablanca', 'UTC'];
    const events: CalendarEvent[] = [];
    let seed = 42;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 360; i++) {
      const zone = zones[i % zones.length]!;
      // Half the samples land within a day of a March/October/November change.
      const t = i % 2 === 0
        ? Date.UTC(1971 + Math.floor(random() * 66), Math.floor(random() * 12), 1) + Math.floor(random() * 31 * 86_400) * 1000
        : Date.UTC(2000 + Math.floor(random() * 30), [2, 3, 9, 10][i % 4]!, 1) + Math.floor(random() * 14 * 86_400) * 1000;
      events.push(event({ sourceKey: `r${i}`, start: { kind: 'instant', utcMillis: t, timeZone: zone } }));
    }
    const { ics } = exportCalendar(events);
    const py = validated(ics);
    const js = icalJsEvents(ics);
    events.forEach((e, i) => {
      const expected = new Date((e.start as { utcMillis: number }).utcMillis).toISOString().replace(/[-:]|\.\d{3}/g, '');
      expect(py[i]!.dtstart.utcViaVtimezone, `${e.sourceKey} ${lineOf(ics.split('BEGIN:VEVENT')[i + 1]!, 'DTSTART')}`).toBe(expected);
      expect(js[i]!.startDate.toUnixTime() * 1000, e.sourceKey).toBe((e.start as { utcMillis: number }).utcMillis);
    });
    // Most of them keep their zone.
    expect(linesOf(ics, 'DTSTART').filter((l) => l.includes('TZID=')).length).toBeGreaterThan(200);
  });
});

describe('recurrence', () => {
  const weekly = event({
    sourceKey: 'series',
    uid: 'series-1@example.com',
    title: 'Weekly sync',
    start: instant('2024-03-08T09:00:00Z', 'Europe/Berlin'), // Friday 10:00 CET
    duration: 'P3600S',
    rrule: ['FREQ=WEEKLY;BYDAY=FR;UNTIL=20240412T100000'],
    // Android: one line per zone; a UTC value and a Berlin local one
    exdate: ['20240315T090000Z', 'Europe/Berlin;20240405T100000'],
  });

  it('writes the series with EXDATEs in DTSTART’s zone and UNTIL in UTC', () => {
    const { ics } = exportCalendar([weekly]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART;TZID=Europe/Berlin:20240308T100000');
    expect(lineOf(ics, 'DURATION')).toBe('DURATION:PT3600S');
    expect(lineOf(ics, 'RRULE')).toBe('RRULE:FREQ=WEEKLY;BYDAY=FR;UNTIL=20240412T080000Z');
    expect(lineOf(ics, 'EXDATE')).toBe('EXDATE;TZID=Europe/Berlin:20240315T100000,20240405T100000');
    const [py] = validated(ics);
    // python-icalendar re-serialises the parts in its own order
    expect(py!.rrule.map((r) => r.split(';').sort().join(';'))).toEqual(['BYDAY=FR;FREQ=WEEKLY;UNTIL=20240412T080000Z']);
    expect(py!.exdate.map((d) => [d.value, d.tzid, d.utcViaVtimezone])).toEqual([
      ['2024-03-15T10:00:00+01:00', 'Europe/Berlin', '20240315T090000Z'],
      ['2024-04-05T10:00:00+02:00', 'Europe/Berlin', '20240405T080000Z'],
    ]);
  });

  it('expands (ical.js) to 10:00 Berlin every Friday across the DST change, without the EXDATEs', () => {
    const { ics } = exportCalendar([weekly]);
    const it = icalJsEvents(ics)[0]!.iterator();
    const instances: ICAL.Time[] = [];
    for (let next = it.next(); next && instances.length < 20; next = it.next()) instances.push(next);
    expect(instances.map((t) => t.toString())).toEqual(['2024-03-08T10:00:00', '2024-03-22T10:00:00', '2024-03-29T10:00:00', '2024-04-12T10:00:00']);
    expect(instances.every((t) => t.zone?.tzid === 'Europe/Berlin')).toBe(true);
    expect(instances.map((t) => new Date(t.toUnixTime() * 1000).toISOString())).toEqual([
      '2024-03-08T09:00:00.000Z',
      '2024-03-22T09:00:00.000Z',
      '2024-03-29T09:00:00.000Z', // CET, the last Friday before 31 March
      '2024-04-12T08:00:00.000Z', // CEST
    ]);
  });

  it('writes an exception with RECURRENCE-ID in its series’ form, and a cancelled instance', () => {
    const moved = event({
      sourceKey: 'moved',
      title: 'Weekly sync (moved)',
      start: instant('2024-03-22T13:00:00Z', 'Europe/Berlin'),
      end: instant('2024-03-22T14:00:00Z', 'Europe/Berlin'),
      original: { sourceKey: 'series', instanceStart: instant('2024-03-22T09:00:00Z', 'Europe/Berlin') },
    });
    const cancelled = event({
      sourceKey: 'gone',
      status: 'cancelled',
      start: instant('2024-03-29T09:00:00Z', 'Europe/Berlin'),
      original: { syncId: 's1', instanceStart: instant('2024-03-29T09:00:00Z', 'Europe/Berlin') },
    });
    const allDaySeries = event({ sourceKey: 'bday', allDay: true, start: day(2024, 5, 4), duration: 'P1D', rrule: ['FREQ=YEARLY'] });
    const allDayException = event({
      sourceKey: 'bday-2025',
      allDay: true,
      start: day(2025, 5, 5),
      original: { sourceKey: 'bday', instanceStart: instant('2025-05-04T00:00:00Z', 'UTC') },
    });
    const { ics } = exportCalendar([
      { ...weekly, uid: 'series-1@example.com' },
      { ...moved, uid: 'series-1@example.com' },
      { ...cancelled, uid: 'series-1@example.com' },
      { ...allDaySeries, uid: 'bday@example.com' },
      { ...allDayException, uid: 'bday@example.com' },
    ]);
    expect(linesOf(ics, 'RECURRENCE-ID')).toEqual([
      'RECURRENCE-ID;TZID=Europe/Berlin:20240322T100000',
      'RECURRENCE-ID;TZID=Europe/Berlin:20240329T100000',
      'RECURRENCE-ID;VALUE=DATE:20250504',
    ]);
    expect(linesOf(ics, 'STATUS')).toEqual(['STATUS:CANCELLED']);
    const py = validated(ics);
    expect(py[1]!.recurrenceId).toMatchObject({ tzid: 'Europe/Berlin', utcViaVtimezone: '20240322T090000Z' });
    expect(py[4]!.recurrenceId).toMatchObject({ value: '2025-05-04', isDate: true });
    // ical.js: the moved instance replaces the series' 22 March one.
    const js = icalJsEvents(ics);
    expect(js[1]!.isRecurrenceException()).toBe(true);
    expect(js[1]!.recurrenceId.toString()).toBe('2024-03-22T10:00:00');
  });

  it('keeps TZID on a recurring series even where its VTIMEZONE disagrees, so instances stay on the wall clock', () => {
    const old = event({ start: instant('1965-01-04T09:00:00Z', 'Europe/Berlin'), duration: 'PT1H', rrule: ['FREQ=YEARLY'] });
    const { ics, notes } = exportCalendar([old]);
    expect(lineOf(ics, 'DTSTART')).toBe('DTSTART;TZID=Europe/Berlin:19650104T100000');
    expect(notes.map((n) => n.code)).toContain('zone-rules-differ');
    validated(ics);
  });

  it('writes RDATE, EXRULE and several RRULEs, and keeps an unusable rule only as text', () => {
    const { ics, notes } = exportCalendar([
      event({
        sourceKey: 'multi',
        start: instant('2024-01-01T09:00:00Z', 'America/New_York'),
        duration: 'PT30M',
        rrule: ['FREQ=MONTHLY;BYMONTHDAY=1;COUNT=6\nFREQ=MONTHLY;BYMONTHDAY=15;COUNT=6', 'FREQ=SOMETIMES'],
        exrule: ['FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=1'],
        rdate: ['America/New_York;20240704T040000'],
      }),
    ]);
    expect(linesOf(ics, 'RRULE')).toEqual(['RRULE:FREQ=MONTHLY;BYMONTHDAY=1;COUNT=6', 'RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6']);
    expect(lineOf(ics, 'EXRULE')).toBe('EXRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=1');
    expect(lineOf(ics, 'RDATE')).toBe('RDATE;TZID=America/New_York:20240704T040000');
    expect(lineOf(ics, 'X-LIFEBOAT-UNUSABLE-RRULE')).toBe('X-LIFEBOAT-UNUSABLE-RRULE:FREQ=SOMETIMES');
    expect(notes).toContainEqual(expect.objectContaining({ sourceKey: 'multi', code: 'recurrence-dropped' }));
    const [py] = validated(ics);
    expect(py!.rrule).toHaveLength(2);
    expect(py!.rdate[0]).toMatchObject({ tzid: 'America/New_York', utcViaVtimezone: '20240704T080000Z' });
  });

  it('gives DATE EXDATEs and a DATE UNTIL to an all-day series', () => {
    const { ics } = exportCalendar([
      event({ allDay: true, start: day(2024, 1, 1), duration: 'P1D', rrule: ['FREQ=DAILY;UNTIL=20240110T000000Z'], exdate: ['20240103T000000Z,20240105T000000Z'] }),
    ]);
    expect(lineOf(ics, 'RRULE')).toBe('RRULE:FREQ=DAILY;UNTIL=20240110');
    expect(lineOf(ics, 'EXDATE')).toBe('EXDATE;VALUE=DATE:20240103,20240105');
    const [py] = validated(ics);
    expect(py!.exdate.map((d) => d.value)).toEqual(['2024-01-03', '2024-01-05']);
    const it = icalJsEvents(ics)[0]!.iterator();
    const days: string[] = [];
    for (let next = it.next(); next; next = it.next()) days.push(next.toString());
    expect(days).toEqual(['2024-01-01', '2024-01-02', '2024-01-04', '2024-01-06', '2024-01-07', '2024-01-08', '2024-01-09', '2024-01-10']);
  });
});

describe('people and reminders', () => {
  it('writes organizer and attendees with quoted names, roles and answers', () => {
    const { ics } = exportCalendar([
      event({
        start: instant('2024-06-01T09:00:00Z', 'UTC'),
        organizer: 'boss@example.com',
        attendees: [
          { name: 'Boss', email: 'boss@example.com', status: 'accepted', role: 'required', relationship: 'organizer' },
          { name: 'Doe, John; "JD"', email: 'john@example.com', status: 'tentative', role: 'optional', relationship: 'attendee' },
          { name: 'Room 4: Sol', email: 'room4@resource.example.com', status: 'accepted', role: 'resource', relationship: 'attendee' },
          { name: 'Nameonly', status: 'invited', role: 'none', relationship: 'attendee' },
          { status: 'none', role: 'none', relationship: 'none' },
        ],
      }),
    ]);
    expect(lineOf(ics, 'ORGANIZER')).toBe('ORGANIZER;CN=Boss:mailto:boss@example.com');
    expect(linesOf(ics, 'ATTENDEE')).toEqual([
      'ATTENDEE;CN=Boss;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:boss@example.com',
      'ATTENDEE;CN="Doe, John; JD";ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE:mailto:john@example.com',
      'ATTENDEE;CN="Room 4: Sol";CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:room4@resource.example.com',
      'ATTENDEE;CN=Nameonly;PARTSTAT=NEEDS-ACTION:invalid:nomail',
    ]);
    const [py] = validated(ics);
    expect(py!.attendees[1]).toEqual({ value: 'mailto:john@example.com', params: { CN: 'Doe, John; JD', ROLE: 'OPT-PARTICIPANT', PARTSTAT: 'TENTATIVE' } });
    expect(py!.attendees[2]!.params.CUTYPE).toBe('RESOURCE');
  });

  it('takes the organizer from the attendee marked so when the event has none', () => {
    const { ics } = exportCalendar([
      event({ start: instant('2024-06-01T09:00:00Z', 'UTC'), attendees: [{ name: 'Ann', email: 'ann@example.com', status: 'accepted', role: 'required', relationship: 'organizer' }] }),
    ]);
    expect(lineOf(ics, 'ORGANIZER')).toBe('ORGANIZER;CN=Ann:mailto:ann@example.com');
    validated(ics);
  });

  it('writes one VALARM per reminder; e-mail ones only when there is an address', () => {
    const base = { start: instant('2024-06-01T09:00:00Z', 'UTC'), title: 'Dentist' };
    const withOwner = exportCalendar([event({ ...base, reminders: [{ minutes: 10, method: 'alert' }, { minutes: 1440, method: 'email' }, { minutes: 0, method: 'alarm' }, { minutes: 10, method: 'alert' }] })]);
    const py = validated(withOwner.ics)[0]!;
    expect(py.alarms).toEqual([
      { action: 'DISPLAY', triggerSeconds: -600, attendees: [], description: 'Dentist' },
      { action: 'EMAIL', triggerSeconds: -86400, attendees: ['mailto:owner@example.com'], description: 'Dentist' },
      { action: 'DISPLAY', triggerSeconds: 0, attendees: [], description: 'Dentist' },
    ]);
    const noOwner = exportCalendar([
      event({ ...base, calendar: { sourceKey: 'local', displayName: 'Phone', accountName: 'Phone' }, reminders: [{ minutes: 30, method: 'email' }] }),
    ]);
    expect(validated(noOwner.ics)[0]!.alarms).toEqual([{ action: 'DISPLAY', triggerSeconds: -1800, attendees: [], description: 'Dentist' }]);
    expect(noOwner.notes.map((n) => n.code)).toContain('reminder-changed');
  });

  it("writes Android's default reminder (-1) as 10 minutes before, never after the start", () => {
    const { ics, notes } = exportCalendar([event({ start: instant('2024-06-01T09:00:00Z', 'UTC'), title: 'Dentist', reminders: [{ minutes: -1, method: 'alert' }] })]);
    expect(validated(ics)[0]!.alarms).toEqual([{ action: 'DISPLAY', triggerSeconds: -600, attendees: [], description: 'Dentist' }]);
    expect(notes.map((n) => n.message)).toContain("Android's default reminder written as 10 minutes before");
  });
});

describe('hostile text', () => {
  const hostile = [
    'commas, semicolons; backslash \\ and a \\n that is not a newline',
    'line one\nline two\r\nline three\rline four',
    'END:VEVENT\r\nBEGIN:VEVENT\r\nUID:injected\r\nEND:VCALENDAR',
    `${'x'.repeat(73)}😀${'y'.repeat(72)}中文${'z'.repeat(71)}é`,
    'ctrl\u0000\u0001\u0007\u001b\u007f chars\tand tab',
    'zero width\u200b joiner\u200d and RTL \u202e mark',
    '\u2028 line sep \u2029 para sep \u0085 NEL',
    'a lone \ud800 surrogate',
  ];

  it('keeps every value a value, and decodes back to the text (vobject/icalendar, ical.js)', () => {
    const events = hostile.map((text, i) =>
      event({ sourceKey: `h${i}`, title: text, description: text, location: text, start: instant('2024-06-01T09:00:00Z', 'Europe/Berlin') }),
    );
    const { ics } = exportCalendar(events);
    const py = validated(ics);
    expect(py).toHaveLength(hostile.length);
    const js = icalJsEvents(ics);
    hostile.forEach((text, i) => {
      const expected = sanitizeText(text);
      expect(py[i]!.summary).toBe(expected);
      expect(py[i]!.description).toBe(expected);
      expect(py[i]!.location).toBe(expected);
      expect(js[i]!.summary).toBe(expected);
      expect(js[i]!.description).toBe(expected);
    });
    expect(unfoldedLines(ics).filter((l) => l.startsWith('UID:'))).toHaveLength(hostile.length);
  });

  it('percent-encodes what cannot stand in an address', () => {
    const { ics } = exportCalendar([
      event({
        start: instant('2024-06-01T09:00:00Z', 'UTC'),
        organizer: 'My Phone',
        attendees: [{ name: 'Odd', email: 'odd name\n"x"\ud800@example.com', status: 'none', role: 'none', relationship: 'attendee' }],
      }),
    ]);
    expect(lineOf(ics, 'ORGANIZER')).toBe('ORGANIZER:mailto:My%20Phone');
    expect(lineOf(ics, 'ATTENDEE')).toBe('ATTENDEE;CN=Odd:mailto:odd%20name%0A%22x%22%EF%BF%BD@example.com');
    validated(ics);
  });

  it('carries a 10,000-character description intact', () => {
    const long = Array.from({ length: 10_000 }, (_, i) => 'aé中😀,;\\\n'[i % 9]).join('');
    const { ics } = exportCalendar([event({ description: long, start: instant('2024-06-01T09:00:00Z', 'UTC') })]);
    const [py] = validated(ics);
    expect(py!.description).toBe(long);
    expect(icalJsEvents(ics)[0]!.description).toBe(long);
  });
});

describe('odd events', () => {
  it('skips, with a note, an event whose start no file can hold', () => {
    const notes: ExportNote[] = [];
    const e = event({ sourceKey: 'far', start: { kind: 'instant', utcMillis: 8.64e15, timeZone: 'UTC' } });
    expect(formatEvent(e, { uid: 'x', dtstamp: DTSTAMP, onNote: (n) => notes.push(n) })).toBe('');
    expect(timeZoneIdsOf(e)).toEqual([]);
    expect(notes).toEqual([expect.objectContaining({ sourceKey: 'far', code: 'event-skipped' })]);
    expect(formatEvent(event({ allDay: true, start: day(2023, 2, 29) }), { uid: 'x', dtstamp: DTSTAMP })).toBe('');
  });

  it('writes an event with nothing but a start', () => {
    const { ics } = exportCalendar([event({ start: instant('2024-06-01T09:00:00Z', 'Europe/Berlin') })]);
    const vevent = eventLines(ics).slice(eventLines(ics).indexOf('BEGIN:VEVENT'));
    expect(vevent).toEqual([
      'BEGIN:VEVENT',
      'UID:uid-0@lifeboat',
      'DTSTAMP:20240601T120000Z',
      'DTSTART;TZID=Europe/Berlin:20240601T110000',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
    validated(ics);
  });

  it('writes a calendar of many mixed events that all validators accept', () => {
    const events: CalendarEvent[] = [];
    for (let i = 0; i < 400; i++) {
      const zone = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Adelaide'][i % 5]!;
      const start = Date.UTC(2024, 0, 1) + i * 7 * 3_600_000 + 60_000 * (i % 60);
      events.push(
        event({
          sourceKey: `m${i}`,
          title: `Event ${i}, with; text`,
          allDay: i % 7 === 0,
          start: i % 7 === 0 ? day(2024, 1 + (i % 12), 1 + (i % 28)) : { kind: 'instant', utcMillis: start, timeZone: zone },
          duration: i % 3 === 0 ? ['P3600S', 'PT45M', 'P1D', 'garbage'][i % 4] : undefined,
          end: i % 3 === 1 ? { kind: 'instant', utcMillis: start + 3_600_000, timeZone: zone } : undefined,
          rrule: i % 5 === 0 ? ['FREQ=WEEKLY;COUNT=4'] : [],
          exdate: i % 10 === 0 ? [`${new Date(start + 7 * 86_400_000).toISOString().replace(/[-:]|\.\d{3}/g, '')}`] : [],
          reminders: i % 4 === 0 ? [{ minutes: 15, method: 'alert' }] : [],
        }),
      );
    }
    const { ics } = exportCalendar(events);
    expect(validated(ics)).toHaveLength(400);
  });
});
