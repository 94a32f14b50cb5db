import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '../model/contact.ts';
import { emptyContact } from '../model/contact.ts';
import type { CalendarEvent } from '../model/event.ts';
import { readAndroidCalendar } from '../readers/android-calendar-db.ts';
import { readAndroidContacts } from '../readers/android-contacts-db.ts';
import { writeCalendarDb, writeContactsDb } from './android-provider-writer.ts';
import { demoContacts, demoEvents } from './images/demo-data.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const realContactsDb = path.resolve(repoRoot, '../shared/real-data/android/contacts2_oldversion.db');
const hasRealData = fs.existsSync(realContactsDb);
if (!hasRealData) console.warn(`${realContactsDb} is absent: the schema comparison with AOSP's real contacts2.db is skipped`);

/**
 * AOSP CalendarDatabaseHelper's columns (createEventsTable, createCalendarsTable, bootstrapDB),
 * as listed in the research notes: every column the writer makes must be one of these.
 */
const AOSP_CALENDAR_COLUMNS: Record<string, string[]> = {
  Events: `_id _sync_id dirty mutators lastSynced calendar_id title eventLocation description eventColor eventColor_index
    eventStatus selfAttendeeStatus dtstart dtend eventTimezone duration allDay accessLevel availability hasAlarm
    hasExtendedProperties rrule rdate exrule exdate original_id original_sync_id originalInstanceTime originalAllDay
    lastDate hasAttendeeData guestsCanModify guestsCanInviteOthers guestsCanSeeGuests organizer isOrganizer deleted
    eventEndTimezone customAppPackage customAppUri uid2445 sync_data1 sync_data2 sync_data3 sync_data4 sync_data5
    sync_data6 sync_data7 sync_data8 sync_data9 sync_data10`.split(/\s+/),
  Calendars: `_id account_name account_type _sync_id dirty mutators name calendar_displayName calendar_color
    calendar_color_index calendar_access_level visible sync_events calendar_location calendar_timezone ownerAccount
    isPrimary canOrganizerRespond canModifyTimeZone canPartiallyUpdate maxReminders allowedReminders
    allowedAvailability allowedAttendeeTypes deleted cal_sync1 cal_sync2 cal_sync3 cal_sync4 cal_sync5 cal_sync6
    cal_sync7 cal_sync8 cal_sync9 cal_sync10`.split(/\s+/),
  Attendees: '_id event_id attendeeName attendeeEmail attendeeStatus attendeeRelationship attendeeType attendeeIdentity attendeeIdNamespace'.split(' '),
  Reminders: '_id event_id minutes method'.split(' '),
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-writer-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function columnsOf(file: string): Map<string, string[]> {
  const db = new Database(file, { readonly: true });
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const result = new Map(tables.map((t) => [t, (db.prepare(`PRAGMA table_info("${t}")`).all() as { name: string }[]).map((c) => c.name)]));
  db.close();
  return result;
}

describe('writeContactsDb', () => {
  it.skipIf(!hasRealData)('uses only AOSP’s real table and column names (checked against a phone’s contacts2.db)', () => {
    const file = path.join(tmp, 'names.db');
    writeContactsDb(file, demoContacts());
    const real = columnsOf(realContactsDb);
    for (const [table, columns] of columnsOf(file)) {
      expect(real.has(table), `table ${table}`).toBe(true);
      expect(columns.filter((c) => !real.get(table)!.includes(c)), `columns of ${table}`).toEqual([]);
    }
  });

  it('round-trips: what it writes reads back as the same contacts', () => {
    const file = path.join(tmp, 'round.db');
    writeContactsDb(file, demoContacts());
    expect([...readAndroidContacts(file)]).toEqual(demoContacts());
  });

  it('keeps a type word Android has no code for as a custom label rather than losing it', () => {
    const c = emptyContact('odd');
    c.phones = [{ value: '1', type: 'satellite' }];
    c.ims = [{ handle: 'h', protocol: 'matrix', type: 'gaming' }];
    const file = path.join(tmp, 'odd.db');
    writeContactsDb(file, [c]);
    const [read] = [...readAndroidContacts(file)];
    expect(read!.phones).toEqual([{ value: '1', type: 'custom', label: 'satellite' }]);
    expect(read!.ims).toEqual([{ handle: 'h', protocol: 'matrix', type: 'custom', label: 'gaming' }]);
  });

  it('leaves a database in WAL mode like a phone’s, with no journal files beside it, and replaces an old one', () => {
    const folder = fs.mkdtempSync(path.join(tmp, 'wal-'));
    const file = path.join(folder, 'contacts2.db');
    fs.writeFileSync(file, 'old junk');
    fs.writeFileSync(`${file}-wal`, 'old junk');
    writeContactsDb(file, demoContacts());
    expect(fs.readdirSync(folder)).toEqual(['contacts2.db']);
    const header = fs.readFileSync(file).subarray(18, 20);
    expect([...header]).toEqual([2, 2]); // file format 2 = WAL
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1701);
    db.close();
  });

  it('writes 100,000 contacts in seconds, and the reader streams them all back', () => {
    function* many(): Generator<Contact> {
      for (let i = 0; i < 100_000; i++) {
        const c = emptyContact(`bench-${i}`);
        c.accounts = [{ type: 'com.google', name: 'bench@example.com' }];
        c.displayName = `Person ${i}`;
        c.name = { given: 'Person', family: String(i) };
        c.phones = [{ value: `+1 555 ${String(i).padStart(7, '0')}`, type: 'mobile' }];
        c.emails = [{ value: `p${i}@example.com`, type: 'home' }];
        if (i % 10 === 0) c.dates = [{ type: 'birthday', year: 1980 + (i % 40), month: 1 + (i % 12), day: 1 + (i % 28), raw: `${1980 + (i % 40)}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}` }];
        yield c;
      }
    }
    const file = path.join(tmp, 'big.db');
    const started = performance.now();
    writeContactsDb(file, many());
    const wrote = performance.now() - started;
    let count = 0;
    let last: Contact | undefined;
    for (const c of readAndroidContacts(file)) {
      count++;
      last = c;
    }
    const readMs = performance.now() - started - wrote;
    console.log(`100,000 contacts: written in ${Math.round(wrote)} ms, read in ${Math.round(readMs)} ms`);
    expect(count).toBe(100_000);
    expect(last!.sourceKey).toBe('bench-99999');
    expect(wrote).toBeLessThan(30_000);
  });
});

describe('writeCalendarDb', () => {
  it('uses only AOSP’s real table and column names', () => {
    const file = path.join(tmp, 'calendar-names.db');
    writeCalendarDb(file, demoEvents());
    for (const [table, columns] of columnsOf(file)) {
      if (table === 'android_metadata') continue;
      expect(AOSP_CALENDAR_COLUMNS[table], `table ${table}`).toBeDefined();
      expect(columns.filter((c) => !AOSP_CALENDAR_COLUMNS[table]!.includes(c)), `columns of ${table}`).toEqual([]);
    }
  });

  it('round-trips: what it writes reads back as the same events', () => {
    const file = path.join(tmp, 'calendar-round.db');
    writeCalendarDb(file, demoEvents());
    expect([...readAndroidCalendar(file)]).toEqual(demoEvents());
  });

  it('stores times as Android does: UTC milliseconds, all-day at UTC midnight in zone UTC', () => {
    const file = path.join(tmp, 'calendar-times.db');
    writeCalendarDb(file, demoEvents());
    const db = new Database(file, { readonly: true });
    const rows = db.prepare('SELECT _id, dtstart, dtend, eventTimezone, eventEndTimezone, allDay, duration FROM Events ORDER BY _id').all();
    db.close();
    expect(rows[0]).toEqual({
      _id: 1, dtstart: Date.parse('2024-03-14T08:30:00Z'), dtend: Date.parse('2024-03-14T09:15:00Z'),
      eventTimezone: 'Europe/Berlin', eventEndTimezone: 'Europe/Berlin', allDay: 0, duration: null,
    });
    expect(rows[2]).toEqual({
      _id: 3, dtstart: Date.UTC(2024, 6, 20), dtend: Date.UTC(2024, 7, 3),
      eventTimezone: 'UTC', eventEndTimezone: 'UTC', allDay: 1, duration: null,
    });
  });

  it('writes 20,000 events with attendees quickly', () => {
    function* many(): Generator<CalendarEvent> {
      const template = demoEvents()[6]!; // the weekly series with six attendees
      for (let i = 1; i <= 20_000; i++) yield { ...template, sourceKey: String(i), syncId: `s${i}` };
    }
    const file = path.join(tmp, 'calendar-big.db');
    const started = performance.now();
    writeCalendarDb(file, many());
    expect(performance.now() - started).toBeLessThan(30_000);
    let count = 0;
    for (const e of readAndroidCalendar(file)) count += e.attendees.length === 6 ? 1 : 0;
    expect(count).toBe(20_000);
  });
});
