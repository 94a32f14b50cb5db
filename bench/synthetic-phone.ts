import { emptyContact, type Contact } from '../native/model/contact.ts';
import type { CalendarEvent, CalendarInfo } from '../native/model/event.ts';

/** Deterministic contacts and events for benchmarks: realistic field mix, no randomness. */
const GIVEN = ['Anna', 'Björn', 'Chloé', 'Dmitri', 'Eve', 'François', 'Grace', 'Hiroshi', 'Ines', 'Jürgen', '李', 'Zoë'];
const FAMILY = ['Smith', 'Müller', 'García', 'Nguyen', 'Kowalski', 'Ångström', 'O\u2019Brien', 'Rossi', '王', 'Dubois'];

export function* syntheticContacts(count: number): Generator<Contact> {
  for (let i = 0; i < count; i++) {
    const given = GIVEN[i % GIVEN.length]!;
    const family = FAMILY[Math.floor(i / GIVEN.length) % FAMILY.length]!;
    const c = emptyContact(`bench-${i}`);
    c.accounts = [{ type: 'com.google', name: 'owner@example.com' }];
    c.displayName = `${given} ${family} ${i}`;
    c.name = { given, family: `${family} ${i}` };
    c.phones = [
      { value: `+49 170 ${String(1000000 + i)}`, type: 'mobile' },
      { value: `+49 30 ${String(2000000 + i)}`, type: 'work' },
    ];
    c.emails = [{ value: `person${i}@example.com`, type: 'home' }];
    if (i % 3 === 0) c.addresses = [{ type: 'home', street: `Hauptstraße ${i % 200}`, city: 'Berlin', postcode: '10115', country: 'Germany' }];
    if (i % 5 === 0) c.notes = [`Met at conference #${i}; likes tea, coffee, and long notes\nsecond line`];
    if (i % 7 === 0) c.dates = [{ type: 'birthday', month: (i % 12) + 1, day: (i % 28) + 1, raw: `--${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}` }];
    if (i % 11 === 0) c.organizations = [{ company: 'Example GmbH', title: 'Engineer' }];
    yield c;
  }
}

const CALENDARS: CalendarInfo[] = [
  { sourceKey: '1', displayName: 'Personal', accountName: 'owner@example.com', accountType: 'com.google', timeZone: 'Europe/Berlin' },
  { sourceKey: '2', displayName: 'Work', accountName: 'owner@work.example', accountType: 'com.google', timeZone: 'America/New_York' },
  { sourceKey: '3', displayName: 'Holidays', accountName: 'owner@example.com', accountType: 'com.google', timeZone: 'UTC' },
];

export function* syntheticEvents(count: number): Generator<CalendarEvent> {
  const base = Date.UTC(2020, 0, 1, 9, 0, 0);
  for (let i = 0; i < count; i++) {
    const calendar = CALENDARS[i % CALENDARS.length]!;
    const start = base + i * 3_600_000 * 7;
    const allDay = calendar.sourceKey === '3';
    const day = new Date(start);
    yield {
      sourceKey: String(i + 1),
      calendar,
      title: `Event ${i}: review, planning; and more`,
      description: i % 4 === 0 ? `Agenda for ${i}\n- item one\n- item two` : undefined,
      location: i % 3 === 0 ? 'Room 1, Building A' : undefined,
      start: allDay
        ? { kind: 'date', year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() }
        : { kind: 'instant', utcMillis: start, timeZone: calendar.timeZone ?? 'UTC' },
      end: allDay ? undefined : { kind: 'instant', utcMillis: start + 3_600_000, timeZone: calendar.timeZone ?? 'UTC' },
      duration: allDay ? 'P1D' : undefined,
      allDay,
      rrule: i % 50 === 0 ? ['FREQ=WEEKLY;COUNT=10'] : [],
      rdate: [],
      exrule: [],
      exdate: [],
      status: 'confirmed',
      organizer: 'owner@example.com',
      attendees: i % 10 === 0 ? [{ name: 'Guest', email: `guest${i}@example.com`, status: 'invited', role: 'required', relationship: 'attendee' }] : [],
      reminders: [{ minutes: 10, method: 'alert' }],
    };
  }
}
