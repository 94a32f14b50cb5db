import type { Contact } from '../../model/contact.ts';
import { emptyContact } from '../../model/contact.ts';
import type { CalendarEvent, CalendarInfo } from '../../model/event.ts';
import { makeJpeg } from '../jpeg-fixture.ts';

/**
 * What the demo phone holds, as the model: the builder writes it into Android's own databases,
 * and tests read the image back and expect exactly this. Every field of the model appears at
 * least once, with the awkward cases a real address book has.
 */

const GOOGLE = { type: 'com.google', name: 'lena.demo@gmail.com' };
const WHATSAPP = { type: 'com.whatsapp', name: 'WhatsApp' };
const EXCHANGE = { type: 'com.google.android.gm.exchange', name: 'lena@work.example' };

function contact(sourceKey: string, fill: (c: Contact) => void): Contact {
  const c = emptyContact(sourceKey);
  fill(c);
  return c;
}

/** A deleted raw contact that hides inside Anna's aggregate: nothing of it may show up. */
export const DELETED_RAW_CONTACT = contact('demo-deleted', (c) => {
  c.accounts = [GOOGLE];
  c.displayName = 'Anna S. (old number)';
  c.name = { given: 'Anna', family: 'S.' };
  c.phones = [{ value: '+49 30 0000000', type: 'home' }];
  c.notes = ['This raw contact was deleted on the phone and must not be rescued.'];
});

export function demoContacts(): Contact[] {
  return [
    // Two raw contacts (Google + WhatsApp) that Android aggregated into one person.
    contact('0r1-4E4E4A3C3A', (c) => {
      c.accounts = [GOOGLE, WHATSAPP];
      c.displayName = 'Dr. Anna Maria Schmidt';
      c.name = { prefix: 'Dr.', given: 'Anna', middle: 'Maria', family: 'Schmidt' };
      c.phones = [
        { value: '+49 151 23456789', type: 'mobile', primary: true },
        { value: '+49 30 1234567', type: 'work' },
      ];
      c.emails = [
        { value: 'anna.schmidt@example.com', type: 'home', primary: true },
        { value: 'a.schmidt@charite.example', type: 'work' },
      ];
      c.addresses = [{
        type: 'home', formatted: 'Kastanienallee 12\n10435 Berlin\nGermany', street: 'Kastanienallee 12',
        city: 'Berlin', postcode: '10435', country: 'Germany',
      }];
      c.dates = [{ type: 'birthday', year: 1985, month: 4, day: 12, raw: '1985-04-12' }];
      c.websites = [{ value: 'https://anna.example.com', type: 'homepage' }];
      c.groups = ['Family'];
      c.starred = true;
      c.photo = { mediaType: 'image/jpeg', base64: makeJpeg({ width: 16, height: 16, fillByte: 90 }).toString('base64') };
    }),
    contact('0r2-5A6F45', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = 'Zoë Ångström';
      c.name = { given: 'Zoë', family: 'Ångström', phoneticGiven: 'Zo-ee', phoneticFamily: 'Ong-strom' };
      c.nicknames = ['Zo'];
      c.phones = [{ value: '+46 70 123 45 67', type: 'mobile' }];
      c.emails = [{ value: 'zoe@ångström.example', type: 'other' }];
      c.addresses = [{ type: 'work', street: 'Drottninggatan 5', city: 'Stockholm', postcode: '111 51', country: 'Sweden' }];
      // A birthday without a year, as Android writes it.
      c.dates = [{ type: 'birthday', month: 7, day: 14, raw: '--07-14' }];
      c.ims = [{ handle: 'zoe@jabber.example', protocol: 'jabber', type: 'home' }];
      c.relations = [{ value: 'Ebba Ångström', type: 'sister' }];
      c.groups = ['Friends'];
    }),
    contact('0r3-674E', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = '李小龙';
      c.name = { given: '小龙', family: '李', phoneticGiven: 'Xiǎolóng', phoneticFamily: 'Lǐ' };
      c.phones = [
        { value: '+86 10 8888 6666', type: 'home' },
        { value: '+852 9123 4567', type: 'custom', label: 'Studio' },
      ];
      c.ims = [{ handle: '123456789', protocol: 'qq', type: 'other' }];
    }),
    // Only an e-mail address: no name at all (exports must still give the card a name).
    contact('0r4-ONLYMAIL', (c) => {
      c.emails = [{ value: 'newsletter-friend@example.org', type: 'home' }];
    }),
    contact('0r5-4D524F', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = 'Marco Rossi';
      c.name = { given: 'Marco', family: 'Rossi' };
      c.phones = [{ value: '+39 06 6982 1234', type: 'mobile' }];
      // An anniversary with a year, and a custom dated event.
      c.dates = [
        { type: 'anniversary', year: 2010, month: 6, day: 19, raw: '2010-06-19' },
        { type: 'custom', label: 'Onomastico', month: 4, day: 25, raw: '--04-25' },
      ];
      c.relations = [{ value: 'Giulia Rossi', type: 'spouse' }];
      c.ims = [
        { handle: 'marco.rossi.live', protocol: 'skype', type: 'work' },
        { handle: '+39 333 1234567', protocol: 'Signal', type: 'custom', label: 'Private' },
      ];
    }),
    // Text that breaks naive vCard writers: commas, semicolons, backslashes, newlines.
    contact('0r6-4F42', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = "Siobhán O'Brien";
      c.name = { given: 'Siobhán', family: "O'Brien" };
      c.phones = [{ value: '+353 1 234 5678', type: 'home' }];
      c.notes = ['Gate code: 12;34, ring twice\nPath: C:\\Users\\siobhan\\notes.txt\nLast line; with, everything \\ ; ,'];
      c.groups = ['Friends', 'Coworkers'];
    }),
    contact('0r7-4A4C50', (c) => {
      c.accounts = [EXCHANGE];
      c.displayName = 'Jean-Luc Picard';
      c.name = { prefix: 'Capt.', given: 'Jean-Luc', family: 'Picard', suffix: 'Ret.' };
      c.phones = [
        { value: '+33 1 40 20 50 50', type: 'work', primary: true },
        { value: '+33 1 40 20 50 51', type: 'fax-work' },
        { value: '+33 6 12 34 56 78', type: 'pager' },
      ];
      c.emails = [{ value: 'jl.picard@starfleet.example', type: 'work' }];
      c.organizations = [{
        company: 'Château Picard', department: 'Vineyard', title: 'Owner',
        jobDescription: 'Makes wine, refuses retirement', officeLocation: 'Main house, 2nd floor',
      }];
      c.addresses = [{
        type: 'work', formatted: 'Château Picard\nBP 42\n21700 Nuits-Saint-Georges\nFrance', street: '1 Route des Vignes',
        poBox: 'BP 42', neighborhood: 'La Barre', city: 'Nuits-Saint-Georges', region: 'Bourgogne', postcode: '21700', country: 'France',
      }];
      c.websites = [
        { value: 'https://chateau-picard.example', type: 'work' },
        { value: 'https://blog.chateau-picard.example', type: 'blog' },
      ];
      c.sipAddresses = ['jlpicard@sip.example'];
      c.groups = ['Coworkers'];
    }),
    // A business with no person's name.
    contact('0r8-524F4852', (c) => {
      c.displayName = 'Rohr & Söhne GmbH';
      c.organizations = [{ company: 'Rohr & Söhne GmbH' }];
      c.phones = [{ value: '+49 30 9876543', type: 'company-main' }];
      c.websites = [{ value: 'http://rohr-soehne.example/notdienst?x=1&y=2', type: 'other' }];
    }),
    contact('0r9-4D414D41', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = 'Mama';
      c.name = { given: 'Maria', family: 'Schmidt' };
      c.nicknames = ['Mama'];
      c.phones = [{ value: '+49 30 5550100', type: 'home', primary: true }];
      c.dates = [{ type: 'birthday', year: 1958, month: 12, day: 8, raw: '1958-12-08' }];
      c.relations = [{ value: 'Lena', type: 'child' }];
      c.groups = ['Family'];
      c.starred = true;
    }),
    // No lookup key on the phone: the reader falls back to "contact:<_id>" (this is the 10th row).
    contact('contact:10', (c) => {
      c.displayName = 'Kōji 🎸';
      c.name = { given: 'Kōji', family: '🎸' };
      c.emails = [{ value: 'koji@band.example', type: 'mobile' }];
      c.phones = [{ value: '+81 90 1234 5678', type: 'mobile' }];
    }),
    contact('0r11-41484D4544', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = 'أحمد الفارسي';
      c.name = { given: 'أحمد', family: 'الفارسي' };
      c.phones = [
        { value: '+971 50 123 4567', type: 'mms' },
        { value: '+971 4 123 4567', type: 'tty-tdd' },
      ];
      c.ims = [{ handle: 'ahmed.farsi', protocol: 'google-talk', type: 'home' }];
    }),
    contact('0r12-50495A5A41', (c) => {
      c.accounts = [GOOGLE];
      c.displayName = 'Pizza Roma (delivery)';
      c.phones = [
        { value: '030 111 222', type: 'work' },
        { value: '*31#030111222', type: 'other' },
      ];
      c.addresses = [{ type: 'other', formatted: 'Torstraße 1, 10119 Berlin' }];
    }),
  ];
}

export const PERSONAL: CalendarInfo = {
  sourceKey: '1',
  displayName: 'Lena (personal)',
  accountName: GOOGLE.name,
  accountType: GOOGLE.type,
  ownerAccount: GOOGLE.name,
  color: -16023485, // 0xFF0B8043, as Android stores it: a signed 32-bit ARGB
  timeZone: 'Europe/Berlin',
};

export const WORK: CalendarInfo = {
  sourceKey: '2',
  displayName: 'Work',
  accountName: EXCHANGE.name,
  accountType: EXCHANGE.type,
  ownerAccount: EXCHANGE.name,
  color: -12627531, // 0xFF3F51B5
  timeZone: 'America/New_York',
};

function event(sourceKey: string, calendar: CalendarInfo, fill: (e: CalendarEvent) => void, start: CalendarEvent['start']): CalendarEvent {
  const e: CalendarEvent = {
    sourceKey, calendar: { ...calendar }, start, allDay: start.kind === 'date',
    rrule: [], rdate: [], exrule: [], exdate: [], attendees: [], reminders: [],
  };
  fill(e);
  return e;
}

const berlin = (iso: string) => ({ kind: 'instant' as const, utcMillis: Date.parse(iso), timeZone: 'Europe/Berlin' });
const newYork = (iso: string) => ({ kind: 'instant' as const, utcMillis: Date.parse(iso), timeZone: 'America/New_York' });
const day = (year: number, month: number, d: number) => ({ kind: 'date' as const, year, month, day: d });

/** Deleted on the phone (Events.deleted = 1): must not be rescued. */
export const DELETED_EVENT = event('11', PERSONAL, (e) => {
  e.title = 'Dinner that was deleted';
  e.end = berlin('2024-03-22T20:00:00Z');
}, berlin('2024-03-22T18:00:00Z'));

export function demoEvents(): CalendarEvent[] {
  return [
    event('1', PERSONAL, (e) => {
      e.title = 'Dentist';
      e.location = 'Praxis Dr. Weiß, Schönhauser Allee 80, Berlin';
      e.description = 'Bring: insurance card; X-ray from 2023\nRoom 2, 3rd floor, \\ back entrance';
      e.end = berlin('2024-03-14T09:15:00Z'); // 10:15 CET
      e.status = 'confirmed';
      e.reminders = [{ minutes: 30, method: 'alert' }, { minutes: 1440, method: 'email' }];
      e.uid = 'dentist-2024-03-14@demo.lifeboat.example';
      e.syncId = 'g8d0dentist';
    }, berlin('2024-03-14T08:30:00Z')), // 09:30 CET
    // An all-day event that repeats every year: all-day recurring events carry duration P1D.
    event('2', PERSONAL, (e) => {
      e.title = "Anna's birthday";
      e.duration = 'P1D';
      e.rrule = ['FREQ=YEARLY;WKST=MO'];
      e.reminders = [{ minutes: 900, method: 'alert' }];
    }, day(2024, 4, 12)),
    // Several days, all day: Android's dtend is the (exclusive) midnight after the last day.
    event('3', PERSONAL, (e) => {
      e.title = 'Summer holiday – Lofoten';
      e.end = day(2024, 8, 3);
      e.location = 'Lofoten, Norway';
    }, day(2024, 7, 20)),
    event('4', PERSONAL, (e) => {
      e.title = 'Yoga?';
      e.end = berlin('2024-03-20T18:00:00Z');
      e.status = 'tentative';
      e.reminders = [{ minutes: 15, method: 'alarm' }, { minutes: 60, method: 'sms' }, { minutes: -1, method: 'default' }];
    }, berlin('2024-03-20T17:00:00Z')),
    // Monthly, with one extra date and two skipped ones, each line as Android stores it.
    event('5', PERSONAL, (e) => {
      e.title = 'Pay rent';
      e.duration = 'PT15M';
      e.rrule = ['FREQ=MONTHLY;COUNT=12;BYMONTHDAY=1'];
      e.rdate = ['Europe/Berlin;20240315T090000'];
      e.exdate = ['Europe/Berlin;20240501T090000', '20240601T070000Z'];
    }, berlin('2024-02-01T08:00:00Z')),
    // Leaves Berlin, lands in New York: the end has its own time zone.
    event('6', PERSONAL, (e) => {
      e.title = 'Flight BER → JFK (LH 1234)';
      e.end = newYork('2024-06-01T16:55:00Z');
      e.location = 'BER Terminal 1';
    }, berlin('2024-06-01T08:15:00Z')),
    // A weekly series from an Exchange server, with an EXDATE, attendees and the invalid but
    // real-world duration P3600S.
    event('7', WORK, (e) => {
      e.title = 'Weekly team sync';
      e.duration = 'P3600S';
      e.rrule = ['FREQ=WEEKLY;UNTIL=20240624T140000Z;WKST=MO;BYDAY=MO'];
      e.exdate = ['20240527T140000Z'];
      e.organizer = 'lena@work.example';
      e.uid = '040000008200E00074C5B7101A82E00800000000D0A1B2C3@work.example';
      e.syncId = 'AAMkTeamSync';
      e.status = 'confirmed';
      e.attendees = [
        { name: 'Lena Demo', email: 'lena@work.example', status: 'accepted', role: 'required', relationship: 'organizer' },
        { name: 'Raj Patel', email: 'raj@work.example', status: 'tentative', role: 'required', relationship: 'attendee' },
        { email: 'guest@partner.example', status: 'invited', role: 'optional', relationship: 'attendee' },
        { name: 'Kim Lee', email: 'kim@work.example', status: 'declined', role: 'optional', relationship: 'attendee' },
        { name: 'Room 4.12 "Hudson"', email: 'room-412@work.example', status: 'accepted', role: 'resource', relationship: 'none' },
        { name: 'Dr. Speaker', status: 'none', role: 'none', relationship: 'speaker' },
      ];
      e.reminders = [{ minutes: 10, method: 'alert' }];
    }, newYork('2024-05-06T14:00:00Z')), // 10:00 EDT, Mondays
    // One changed instance of the series: 10 June moved from 10:00 to 11:00 EDT.
    event('8', WORK, (e) => {
      e.title = 'Weekly team sync (moved)';
      e.end = newYork('2024-06-10T16:00:00Z');
      e.organizer = 'lena@work.example';
      e.uid = '040000008200E00074C5B7101A82E00800000000D0A1B2C3@work.example';
      e.syncId = 'AAMkTeamSync_20240610T140000Z';
      e.status = 'confirmed';
      e.original = { sourceKey: '7', syncId: 'AAMkTeamSync', instanceStart: newYork('2024-06-10T14:00:00Z') };
    }, newYork('2024-06-10T15:00:00Z')),
    event('9', WORK, (e) => {
      e.title = 'Call with Tokyo office';
      e.end = { kind: 'instant', utcMillis: Date.parse('2024-05-02T23:30:00Z'), timeZone: 'UTC' };
      e.description = 'Dial-in: +81 3 1234 5678, PIN 4242#';
    }, { kind: 'instant', utcMillis: Date.parse('2024-05-02T23:00:00Z'), timeZone: 'UTC' }),
    event('10', WORK, (e) => {
      e.title = 'Quarterly review';
      e.end = newYork('2024-04-02T16:00:00Z');
      e.status = 'cancelled';
      e.organizer = 'boss@work.example';
      e.attendees = [{ name: 'Lena Demo', email: 'lena@work.example', status: 'accepted', role: 'required', relationship: 'attendee' }];
    }, newYork('2024-04-02T15:00:00Z')),
  ];
}
