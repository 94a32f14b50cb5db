import { emptyContact, type Contact } from '../../model/contact.ts';
import type { CalendarEvent, CalendarInfo } from '../../model/event.ts';
import { makeJpeg, makeMp4, makePng } from '../jpeg-fixture.ts';
import type { BackupDevice, BackupSpec } from './backup-writer.ts';

/**
 * A made-up iPhone's data, as the model, in exactly the shape the iOS readers give back: the
 * backup writer stores it in iOS's databases, a rescue reads it out again, and tests expect
 * these very objects. Invented people and places only; no third-party sample data.
 */
export const DEMO_IPHONE: BackupDevice = {
  deviceName: 'Lena’s iPhone',
  productName: 'iPhone 13 Pro',
  productType: 'iPhone14,2',
  productVersion: '17.5.1',
  buildVersion: '21F90',
  serialNumber: 'F2LDEMO0PHNE',
  udid: '00008110-001A2B3C4D5E601E',
};

function contact(sourceKey: string, fill: (c: Contact) => void): Contact {
  const c = emptyContact(sourceKey);
  fill(c);
  return c;
}

export function iphoneDemoContacts(): Contact[] {
  return [
    contact('6C1B2E7A-0001-4D0E-9C1A-1A2B3C4D5E01', (c) => {
      c.displayName = 'Dr. Anna Maria Schmidt';
      c.name = { prefix: 'Dr.', given: 'Anna', middle: 'Maria', family: 'Schmidt' };
      c.phones = [
        { value: '+49 151 23456789', type: 'mobile' },
        { value: '+49 30 1234567', type: 'work' },
        { value: '+49 30 7654321', type: 'iphone' },
      ];
      c.emails = [
        { value: 'anna.schmidt@example.com', type: 'home' },
        { value: 'a.schmidt@clinic.example', type: 'work' },
      ];
      c.addresses = [{ type: 'home', street: 'Kastanienallee 12', city: 'Berlin', postcode: '10435', country: 'Germany' }];
      c.dates = [
        { type: 'birthday', year: 1985, month: 4, day: 12, raw: '' },
        { type: 'anniversary', year: 2012, month: 6, day: 30, raw: '' },
      ];
      c.websites = [{ value: 'https://anna.example.com', type: 'homepage' }];
      c.organizations = [{ company: 'Klinik Example', department: 'Cardiology', title: 'Senior Physician' }];
      c.groups = ['Family'];
      c.photo = { mediaType: 'image/jpeg', base64: makeJpeg({ width: 16, height: 16, fillByte: 90 }).toString('base64') };
    }),
    contact('6C1B2E7A-0002-4D0E-9C1A-1A2B3C4D5E02', (c) => {
      c.displayName = 'Zoë Ångström';
      c.name = { given: 'Zoë', family: 'Ångström', phoneticGiven: 'Zo-ee', phoneticFamily: 'Ong-strom' };
      c.nicknames = ['Zo'];
      c.phones = [
        { value: '+46 70 123 45 67', type: 'mobile' },
        { value: '+46 8 555 010 20', type: 'fax-work' },
        { value: '+46 8 555 010 99', type: 'custom', label: 'Summer house' },
      ];
      c.emails = [{ value: 'zoe@example.se', type: 'other' }];
      c.addresses = [
        { type: 'work', street: 'Drottninggatan 5\nFloor 3', city: 'Stockholm', region: 'Stockholm County', postcode: '111 51', country: 'Sweden' },
        { type: 'custom', label: 'Cabin', street: 'Skogsvägen 1', city: 'Åre', country: 'Sweden' },
      ];
      // A birthday saved without a year: iOS keeps it in 1604.
      c.dates = [{ type: 'birthday', month: 2, day: 29, raw: '' }];
      c.ims = [{ handle: 'zoe.angstrom', protocol: 'skype', type: 'home' }];
      c.relations = [{ value: 'Erik Ångström', type: 'brother' }];
      c.notes = ['Allergic to nuts.\nPrefers Signal; “quoted” text, commas, and semicolons; here.'];
      c.groups = ['Family', 'Book club'];
    }),
    contact('6C1B2E7A-0003-4D0E-9C1A-1A2B3C4D5E03', (c) => {
      c.displayName = 'Harbour Bakery';
      c.organizations = [{ company: 'Harbour Bakery' }];
      c.phones = [{ value: '+44 20 7946 0000', type: 'main' }, { value: '+44 20 7946 0001', type: 'pager' }];
      c.websites = [{ value: 'https://bakery.example.co.uk', type: 'work' }];
    }),
    contact('6C1B2E7A-0004-4D0E-9C1A-1A2B3C4D5E04', (c) => {
      // Only an e-mail address: no name at all (exports must still give the card a name).
      c.emails = [{ value: 'no.name@example.org', type: 'custom', label: 'Newsletter' }];
    }),
    contact('6C1B2E7A-0005-4D0E-9C1A-1A2B3C4D5E05', (c) => {
      c.displayName = '田中 太郎';
      c.name = { given: '太郎', family: '田中', phoneticGiven: 'たろう', phoneticFamily: 'たなか' };
      c.phones = [{ value: '+81 90-1234-5678', type: 'mobile' }, { value: '+81 3-1234-5678', type: 'home' }];
      c.emails = [{ value: 'taro@example.jp', type: 'work' }];
      c.dates = [{ type: 'birthday', year: 1990, month: 12, day: 31, raw: '' }];
    }),
  ];
}

export const IPHONE_HOME: CalendarInfo = { sourceKey: '1', displayName: 'Home', accountName: 'iCloud', color: 0xff1badf8 };
export const IPHONE_WORK: CalendarInfo = { sourceKey: '2', displayName: 'Work', accountName: 'Exchange', color: 0xffff9500 };

const at = (iso: string, timeZone: string) => ({ kind: 'instant' as const, utcMillis: Date.parse(iso), timeZone });
const day = (year: number, month: number, d: number) => ({ kind: 'date' as const, year, month, day: d });

function event(sourceKey: string, calendar: CalendarInfo, fill: (e: CalendarEvent) => void): CalendarEvent {
  const e: CalendarEvent = {
    sourceKey, calendar, start: at('2024-01-01T00:00:00Z', 'UTC'), allDay: false,
    rrule: [], rdate: [], exrule: [], exdate: [], attendees: [], reminders: [],
  };
  fill(e);
  return e;
}

export function iphoneDemoEvents(): CalendarEvent[] {
  return [
    // A weekly series in Berlin with a deleted occurrence (EXDATE) and a moved one (below).
    event('E1000000-0000-4000-8000-000000000001', IPHONE_WORK, (e) => {
      e.uid = 'team-standup@example.com';
      e.title = 'Team stand-up';
      e.location = 'Room 4.12';
      e.start = at('2024-03-04T08:30:00Z', 'Europe/Berlin');
      e.end = at('2024-03-04T08:45:00Z', 'Europe/Berlin');
      e.rrule = ['FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE'];
      e.exdate = ['20240311T083000Z'];
      e.reminders = [{ minutes: 10, method: 'alert' }];
      e.organizer = 'boss@example.com';
      e.attendees = [
        { name: 'Lena Demo', email: 'lena@example.com', status: 'accepted', role: 'required', relationship: 'attendee' },
        { name: 'Max Muster', email: 'max@example.com', status: 'tentative', role: 'optional', relationship: 'attendee' },
      ];
      e.status = 'confirmed';
    }),
    // The 13 March occurrence moved to the afternoon (a detached exception).
    event('E1000000-0000-4000-8000-000000000002', IPHONE_WORK, (e) => {
      e.uid = 'team-standup@example.com';
      e.title = 'Team stand-up (moved)';
      e.start = at('2024-03-13T13:00:00Z', 'Europe/Berlin');
      e.end = at('2024-03-13T13:15:00Z', 'Europe/Berlin');
      e.original = { sourceKey: 'E1000000-0000-4000-8000-000000000001', instanceStart: at('2024-03-13T08:30:00Z', 'Europe/Berlin') };
    }),
    // A flight across zones: starts in New York, ends in Berlin, two alarms.
    event('E1000000-0000-4000-8000-000000000003', IPHONE_HOME, (e) => {
      e.title = 'Flight JFK → BER';
      e.description = 'Seat 14A.\nTerminal 4; gate closes 40 min before.';
      e.location = 'John F. Kennedy International Airport';
      e.start = at('2024-05-17T22:30:00Z', 'America/New_York');
      e.end = at('2024-05-18T06:15:00Z', 'Europe/Berlin');
      e.reminders = [{ minutes: 180, method: 'alert' }, { minutes: 1440, method: 'alert' }];
    }),
    // An all-day trip over three days.
    event('E1000000-0000-4000-8000-000000000004', IPHONE_HOME, (e) => {
      e.title = 'Lake trip';
      e.allDay = true;
      e.start = day(2024, 7, 12);
      e.end = day(2024, 7, 15);
    }),
    // A yearly all-day birthday reminder with an alarm on the morning before.
    event('E1000000-0000-4000-8000-000000000005', IPHONE_HOME, (e) => {
      e.title = 'Anna’s birthday';
      e.allDay = true;
      e.start = day(2024, 4, 12);
      e.end = day(2024, 4, 13);
      e.rrule = ['FREQ=YEARLY'];
      e.reminders = [{ minutes: 900, method: 'alert' }];
    }),
    // Monthly on the last Friday until the end of the year, in UTC.
    event('E1000000-0000-4000-8000-000000000006', IPHONE_WORK, (e) => {
      e.title = 'Month-end review';
      e.start = at('2024-01-26T15:00:00Z', 'UTC');
      e.end = at('2024-01-26T16:00:00Z', 'UTC');
      e.rrule = ['FREQ=MONTHLY;UNTIL=20241231T235959Z;BYDAY=-1FR'];
      e.status = 'tentative';
    }),
    // Every second day for five times, in Tokyo, cancelled.
    event('E1000000-0000-4000-8000-000000000007', IPHONE_HOME, (e) => {
      e.title = 'Physio';
      e.start = at('2024-09-02T01:00:00Z', 'Asia/Tokyo');
      e.end = at('2024-09-02T02:00:00Z', 'Asia/Tokyo');
      e.rrule = ['FREQ=DAILY;INTERVAL=2;COUNT=5'];
      e.status = 'cancelled';
    }),
  ];
}

/** Camera roll: JPEGs with and without an EXIF offset, a PNG screenshot without EXIF, a QuickTime video. */
export function iphoneDemoCameraRoll(): NonNullable<BackupSpec['cameraRoll']> {
  const mov = makeMp4({ creationTime: new Date('2024-05-18T09:00:00Z') });
  // iPhones write QuickTime (.MOV): same box layout, brand "qt  ".
  mov.write('qt  ', 8, 'latin1');
  return [
    { path: '100APPLE/IMG_0001.JPG', bytes: makeJpeg({ width: 32, height: 24, dateTimeOriginal: '2024:03:04 09:15:00', offsetTimeOriginal: '+01:00', make: 'Apple', model: 'iPhone 13 Pro', fillByte: 60 }), mtimeMs: Date.parse('2024-03-04T08:15:05Z') },
    { path: '100APPLE/IMG_0002.JPG', bytes: makeJpeg({ width: 24, height: 32, dateTimeOriginal: '2024:05:18 07:45:10', make: 'Apple', model: 'iPhone 13 Pro', fillByte: 180 }), mtimeMs: Date.parse('2024-05-18T05:45:12Z') },
    { path: '100APPLE/IMG_0003.PNG', bytes: makePng({ width: 20, height: 40 }), mtimeMs: Date.parse('2024-06-01T12:00:00Z') },
    { path: '101APPLE/IMG_0104.MOV', bytes: mov, mtimeMs: Date.parse('2024-05-18T09:00:30Z') },
  ];
}

export function iphoneDemoSpec(extra: Partial<BackupSpec> = {}): BackupSpec {
  return {
    device: DEMO_IPHONE,
    contacts: iphoneDemoContacts(),
    events: iphoneDemoEvents(),
    cameraRoll: iphoneDemoCameraRoll(),
    date: new Date('2024-10-01T18:00:00Z'),
    ...extra,
  };
}
