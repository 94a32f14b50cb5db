import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../adapters/errors.ts';
import type { CalendarEvent, CalendarInfo } from '../model/event.ts';
import { writeCalendarDb, writeContactsDb } from '../sim/android-provider-writer.ts';
import { DELETED_EVENT, demoEvents, PERSONAL, WORK } from '../sim/images/demo-data.ts';
import { readAndroidCalendar } from './android-calendar-db.ts';
import { ATTENDEE_RELATIONSHIP, ATTENDEE_STATUS, ATTENDEE_TYPE, REMINDER_METHOD } from './android-calendar-vocabulary.ts';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-calendar-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function dbWith(events: CalendarEvent[], options?: Parameters<typeof writeCalendarDb>[2]): string {
  const file = path.join(tmp, `cal${++counter}.db`);
  writeCalendarDb(file, events, options);
  return file;
}

function edit(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  if (params.length > 0) db.prepare(sql).run(...params);
  else db.exec(sql);
  db.close();
}

const CAL: CalendarInfo = { sourceKey: '1', displayName: 'Test' };

function event(sourceKey: string, fill: (e: CalendarEvent) => void = () => {}, calendar = CAL): CalendarEvent {
  const e: CalendarEvent = {
    sourceKey, calendar: { ...calendar }, start: { kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 9), timeZone: 'Europe/Berlin' },
    allDay: false, rrule: [], rdate: [], exrule: [], exdate: [], attendees: [], reminders: [],
  };
  fill(e);
  return e;
}

const read = (file: string, options?: Parameters<typeof readAndroidCalendar>[1]) => [...readAndroidCalendar(file, options)];

describe('readAndroidCalendar', () => {
  it('gives back every field of the model, event by event', () => {
    const expected = demoEvents();
    expect(read(dbWith(expected))).toEqual(expected);
  });

  it('skips deleted events and every event of a deleted calendar', () => {
    const expected = demoEvents();
    const file = dbWith(expected, { deletedEvents: [DELETED_EVENT] });
    expect(read(file).map((e) => e.title)).not.toContain(DELETED_EVENT.title);
    expect(read(file)).toEqual(expected);
    edit(file, `UPDATE Calendars SET deleted = 1 WHERE _id = ${WORK.sourceKey}`);
    expect(read(file)).toEqual(expected.filter((e) => e.calendar.sourceKey === PERSONAL.sourceKey));
  });

  it('orders by calendar, then by event id, whatever the insertion order', () => {
    const other: CalendarInfo = { sourceKey: '2', displayName: 'Other' };
    const file = dbWith([event('5', undefined, other), event('3'), event('4', undefined, other), event('1')]);
    expect(read(file).map((e) => `${e.calendar.sourceKey}/${e.sourceKey}`)).toEqual(['1/1', '1/3', '2/4', '2/5']);
  });

  it('reads all-day events as UTC dates, with Android’s exclusive end', () => {
    const file = dbWith([
      event('1', (e) => {
        e.allDay = true;
        e.start = { kind: 'date', year: 2024, month: 12, day: 31 };
        e.end = { kind: 'date', year: 2025, month: 1, day: 1 };
      }),
    ]);
    // The phone's zone must not move the day: it is read in UTC.
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT dtstart, dtend, eventTimezone FROM Events').get()).toEqual({
      dtstart: Date.UTC(2024, 11, 31), dtend: Date.UTC(2025, 0, 1), eventTimezone: 'UTC',
    });
    db.close();
    const [e] = read(file);
    expect(e!.start).toEqual({ kind: 'date', year: 2024, month: 12, day: 31 });
    expect(e!.end).toEqual({ kind: 'date', year: 2025, month: 1, day: 1 });
    expect(e!.allDay).toBe(true);
  });

  it('falls back to UTC without eventTimezone, and to the start zone without eventEndTimezone', () => {
    const file = dbWith([event('1', (e) => (e.end = { kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 10), timeZone: 'Europe/Berlin' }))]);
    edit(file, 'UPDATE Events SET eventEndTimezone = NULL');
    expect(read(file)[0]!.end).toEqual({ kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 10), timeZone: 'Europe/Berlin' });
    edit(file, "UPDATE Events SET eventTimezone = ''");
    expect(read(file)[0]!.start).toEqual({ kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 9), timeZone: 'UTC' });
  });

  it('keeps duration, rrule, rdate, exrule and exdate exactly as stored, one line each', () => {
    const file = dbWith([event('1')]);
    edit(
      file,
      'UPDATE Events SET duration = ?, rrule = ?, rdate = ?, exrule = ?, exdate = ?',
      'P3600S',
      'FREQ=WEEKLY;BYDAY=SU,FR,SA;UNTIL=20100326T190000Z;WKST=MO\nFREQ=MONTHLY;BYMONTHDAY=13\n',
      'America/New_York;20240101T100000,20240108T100000\n20240115T150000Z',
      'FREQ=YEARLY;BYMONTH=12',
      '20240101\nEurope/Berlin;20240102T100000',
    );
    const [e] = read(file);
    expect(e!.duration).toBe('P3600S');
    expect(e!.end).toBeUndefined();
    expect(e!.rrule).toEqual(['FREQ=WEEKLY;BYDAY=SU,FR,SA;UNTIL=20100326T190000Z;WKST=MO', 'FREQ=MONTHLY;BYMONTHDAY=13']);
    expect(e!.rdate).toEqual(['America/New_York;20240101T100000,20240108T100000', '20240115T150000Z']);
    expect(e!.exrule).toEqual(['FREQ=YEARLY;BYMONTH=12']);
    expect(e!.exdate).toEqual(['20240101', 'Europe/Berlin;20240102T100000']);
  });

  it('with both dtend and duration (a sync adapter’s leftover), keeps what the recurrence uses', () => {
    const file = dbWith([
      event('1', (e) => (e.end = { kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 10), timeZone: 'Europe/Berlin' })),
      event('2', (e) => {
        e.end = { kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 10), timeZone: 'Europe/Berlin' };
        e.rrule = ['FREQ=DAILY;COUNT=2'];
      }),
    ]);
    edit(file, "UPDATE Events SET duration = 'PT1H'");
    const [single, recurring] = read(file);
    expect([single!.end?.kind, single!.duration]).toEqual(['instant', undefined]);
    expect([recurring!.end, recurring!.duration]).toEqual([undefined, 'PT1H']);
  });

  it('links an exception to its series by id or by sync id, in the series’ time zone', () => {
    const series = event('1', (e) => {
      e.syncId = 'series-sync';
      e.rrule = ['FREQ=DAILY;COUNT=5'];
      e.duration = 'PT1H';
      e.start = { kind: 'instant', utcMillis: Date.UTC(2024, 0, 1, 14), timeZone: 'America/New_York' };
    });
    const byId = event('2', (e) => {
      e.start = { kind: 'instant', utcMillis: Date.UTC(2024, 0, 2, 15), timeZone: 'Asia/Tokyo' };
      e.original = { sourceKey: '1', instanceStart: { kind: 'instant', utcMillis: Date.UTC(2024, 0, 2, 14), timeZone: 'America/New_York' } };
    });
    const bySyncId = event('3', (e) => {
      e.start = { kind: 'instant', utcMillis: Date.UTC(2024, 0, 3, 15), timeZone: 'Asia/Tokyo' };
      e.original = { syncId: 'series-sync', instanceStart: { kind: 'instant', utcMillis: Date.UTC(2024, 0, 3, 14), timeZone: 'America/New_York' } };
    });
    const allDayInstance = event('4', (e) => {
      e.original = { sourceKey: '1', instanceStart: { kind: 'date', year: 2024, month: 1, day: 4 } };
    });
    expect(read(dbWith([series, byId, bySyncId, allDayInstance]))).toEqual([series, byId, bySyncId, allDayInstance]);
  });

  it('maps every status, attendee and reminder code', () => {
    const e = event('1', (e) => {
      e.status = 'tentative';
      e.attendees = Object.values(ATTENDEE_STATUS).flatMap((status) =>
        Object.values(ATTENDEE_TYPE).flatMap((role) =>
          Object.values(ATTENDEE_RELATIONSHIP).map((relationship) => ({ email: `${status}.${role}.${relationship}@x.example`, status, role, relationship })),
        ),
      );
      e.reminders = Object.values(REMINDER_METHOD).map((method, i) => ({ minutes: i * 5, method }));
    });
    const file = dbWith([e, event('2', (x) => (x.status = 'confirmed')), event('3', (x) => (x.status = 'cancelled')), event('4')]);
    const events = read(file);
    expect(events[0]).toEqual(e);
    expect(events.map((x) => x.status)).toEqual(['tentative', 'confirmed', 'cancelled', undefined]);
    edit(file, 'UPDATE Attendees SET attendeeStatus = 77, attendeeType = NULL, attendeeRelationship = -3; UPDATE Reminders SET method = 9');
    const odd = read(file)[0]!;
    expect(new Set(odd.attendees.map((a) => `${a.status}/${a.role}/${a.relationship}`))).toEqual(new Set(['none/none/none']));
    expect(new Set(odd.reminders.map((r) => r.method))).toEqual(new Set(['default']));
  });

  it('reads 64-bit times safely and leaves out, with a reason, a row whose start no Date can hold', () => {
    const file = dbWith([event('1'), event('2'), event('3'), event('4'), event('5')]);
    edit(file, `
      UPDATE Events SET dtstart = 9223372036854775807 WHERE _id = 1;
      UPDATE Events SET dtstart = NULL WHERE _id = 2;
      UPDATE Events SET dtstart = '1704099600000' WHERE _id = 3;
      UPDATE Events SET dtstart = -2208988800000 WHERE _id = 4;
      UPDATE Events SET dtstart = 8640000000000000, dtend = 9007199254740993 WHERE _id = 5;`);
    const skipped: string[] = [];
    const events = read(file, { onSkip: (reason) => skipped.push(reason) });
    expect(events.map((e) => e.sourceKey)).toEqual(['3', '4', '5']);
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toMatch(/event 1 .*9223372036854775807/);
    expect(events[0]!.start).toMatchObject({ utcMillis: 1704099600000 });
    expect(events[1]!.start).toMatchObject({ utcMillis: -2208988800000 }); // 1900
    expect(events[2]!.start).toMatchObject({ utcMillis: 8640000000000000 });
    expect(events[2]!.end).toBeUndefined(); // beyond what a Date holds: dropped, not rounded
  });

  it('names a calendar by calendar_displayName, else name, else account, else "Calendar"', () => {
    const cal = (sourceKey: string): CalendarInfo => ({ sourceKey, displayName: `Cal ${sourceKey}` });
    const file = dbWith(['1', '2', '3', '4'].map((k) => event(k, undefined, cal(k))));
    edit(file, `
      UPDATE Calendars SET calendar_displayName = NULL, name = 'By Name' WHERE _id = 2;
      UPDATE Calendars SET calendar_displayName = NULL, name = NULL, account_name = 'me@example.com' WHERE _id = 3;
      DELETE FROM Calendars WHERE _id = 4;`);
    expect(read(file).map((e) => e.calendar)).toEqual([
      { sourceKey: '1', displayName: 'Cal 1' },
      { sourceKey: '2', displayName: 'By Name' },
      { sourceKey: '3', displayName: 'me@example.com', accountName: 'me@example.com' },
      { sourceKey: '4', displayName: 'Calendar' }, // its calendar row is gone: the event is still kept
    ]);
  });

  it('gives each event its own calendar object', () => {
    const [a, b] = read(dbWith([event('1'), event('2')]));
    expect(a!.calendar).toEqual(b!.calendar);
    expect(a!.calendar).not.toBe(b!.calendar);
  });

  it('reads the column names of Android before 4.0, and databases without Attendees or Reminders', () => {
    const file = path.join(tmp, 'old-calendar.db');
    edit(file, `
      CREATE TABLE Calendars (_id INTEGER PRIMARY KEY, _sync_account TEXT, _sync_account_type TEXT, name TEXT,
        displayName TEXT, color INTEGER, timezone TEXT, ownerAccount TEXT);
      CREATE TABLE Events (_id INTEGER PRIMARY KEY, calendar_id INTEGER, title TEXT, dtstart INTEGER, dtend INTEGER,
        eventTimezone TEXT, allDay INTEGER, eventStatus INTEGER);
      INSERT INTO Calendars VALUES (1, 'old@example.com', 'com.google', 'old', 'Old Phone', -16777216, 'Europe/Paris', 'old@example.com');
      INSERT INTO Events VALUES (1, 1, 'Froyo era', 1262340000000, 1262343600000, 'Europe/Paris', 0, 1);`);
    expect(read(file)).toEqual([{
      sourceKey: '1',
      calendar: {
        sourceKey: '1', displayName: 'Old Phone', accountName: 'old@example.com', accountType: 'com.google',
        ownerAccount: 'old@example.com', color: -16777216, timeZone: 'Europe/Paris',
      },
      title: 'Froyo era',
      start: { kind: 'instant', utcMillis: 1262340000000, timeZone: 'Europe/Paris' },
      end: { kind: 'instant', utcMillis: 1262343600000, timeZone: 'Europe/Paris' },
      allDay: false, status: 'confirmed',
      rrule: [], rdate: [], exrule: [], exdate: [], attendees: [], reminders: [],
    }]);
  });
});

describe('readAndroidCalendar refuses what is not a calendar database', () => {
  const expectBadInput = (file: string, message: RegExp) => {
    expect(() => read(file)).toThrow(BadInputError);
    expect(() => read(file)).toThrow(/is not an Android calendar database: /);
    expect(() => read(file)).toThrow(message);
  };

  it('a missing file', () => expectBadInput(path.join(tmp, 'nope.db'), /no such file/));
  it('a text file', () => {
    fs.writeFileSync(path.join(tmp, 'text.db'), 'this is not a database at all'.repeat(100));
    expectBadInput(path.join(tmp, 'text.db'), /not an SQLite database/);
  });
  it('a contacts database', () => {
    const file = path.join(tmp, 'contacts2.db');
    writeContactsDb(file, []);
    expectBadInput(file, /it has no Events table/);
  });
  it('an Events table without dtstart', () => {
    const file = path.join(tmp, 'odd.db');
    edit(file, 'CREATE TABLE Events (_id INTEGER PRIMARY KEY, calendar_id INTEGER); CREATE TABLE Calendars (_id INTEGER PRIMARY KEY);');
    expectBadInput(file, /table Events has no column dtstart/);
  });
});
