import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeJpeg, makeMp4 } from '../jpeg-fixture.ts';

/**
 * Builds the feature phone shipped in images/demo-mtp: a phone that speaks MTP only and hands
 * over its contacts and calendar as vCard and vCalendar files beside its photos.
 *
 *   npx tsx native/sim/images/build-demo-mtp-image.ts OUTDIR
 *
 * Every run gives the same bytes (fixed dates and file times).
 */
export const DEMO_MTP_DEVICE = {
  transport: 'mtp',
  vendorId: 0x0421,
  productId: 0x069a,
  manufacturer: 'Nokia',
  model: '6300 4G',
  serial: 'LBMTP00001',
  battery: 64,
} as const;

const NOKIA = { make: 'HMD Global', model: 'Nokia 6300 4G' };

interface DemoFile {
  path: string;
  bytes: Buffer;
  mtime: string;
}

/** vCard 2.1 as feature phones write it: quoted-printable UTF-8 with soft line breaks, bare types. */
const CONTACTS_VCF = [
  'BEGIN:VCARD',
  'VERSION:2.1',
  'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=A4rvinen;Eero;;;',
  'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Eero J=C3=A4rvinen',
  'TEL;CELL;PREF:+358401234567',
  'TEL;HOME:+35891234567',
  'EMAIL;INTERNET:eero.jarvinen@example.fi',
  'NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Sauna on Fridays, bring =C3=A4 towel. This note is long enough to be =',
  'folded with a soft line break.',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:2.1',
  'N:Okafor;Ngozi;;Dr.;',
  'FN:Dr. Ngozi Okafor',
  'ORG:Lagos General Hospital;Cardiology',
  'TITLE:Consultant',
  'TEL;WORK;VOICE:+23412345678',
  'TEL;WORK;FAX:+23412345679',
  'EMAIL;WORK:n.okafor@example.ng',
  'ADR;WORK:;;12 Marina Road;Lagos;;101001;Nigeria',
  'BDAY:19800229',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:2.1',
  'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B;=E8=8A=B3;;;',
  'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B=E8=8A=B3',
  'TEL;CELL:+8613800138000',
  'END:VCARD',
  'BEGIN:VCARD',
  'VERSION:2.1',
  'FN:Taxi',
  'TEL:*123#',
  'END:VCARD',
  '',
].join('\r\n');

/** vCalendar 1.0 as feature phones write it: TZ offset, quoted-printable, 1.0 recurrence, AALARM. */
const CALENDAR_VCS = [
  'BEGIN:VCALENDAR',
  'VERSION:1.0',
  'TZ:+02:00',
  'BEGIN:VEVENT',
  'UID:demo-mtp-1',
  'SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Hammasl=C3=A4=C3=A4k=C3=A4ri',
  'DTSTART:20240612T090000',
  'DTEND:20240612T093000',
  'AALARM:20240612T084500',
  'LOCATION:Mannerheimintie 5',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:demo-mtp-2',
  'SUMMARY:Football practice',
  'DTSTART:20240603T160000Z',
  'DTEND:20240603T173000Z',
  'RRULE:W1 MO WE #10',
  'END:VEVENT',
  'BEGIN:VTODO',
  'SUMMARY:Not an event: a to-do',
  'END:VTODO',
  'END:VCALENDAR',
  '',
].join('\r\n');

/** iCalendar 2.0, as a phone that synced a calendar file keeps it. */
const HOLIDAYS_ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Lifeboat//demo-mtp//EN',
  'X-WR-CALNAME:Holidays',
  'BEGIN:VEVENT',
  'UID:demo-mtp-holiday-1@example.invalid',
  'DTSTAMP:20240101T000000Z',
  'SUMMARY:Midsummer Eve',
  'DTSTART;VALUE=DATE:20240621',
  'DTEND;VALUE=DATE:20240622',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:demo-mtp-holiday-2@example.invalid',
  'DTSTAMP:20240101T000000Z',
  'SUMMARY:Concert\\, with friends',
  'DTSTART;TZID=Europe/Helsinki:20240715T190000',
  'DURATION:PT2H',
  'BEGIN:VALARM',
  'ACTION:DISPLAY',
  'DESCRIPTION:Reminder',
  'TRIGGER:-PT30M',
  'END:VALARM',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

export function demoMtpStorageFiles(): DemoFile[] {
  return [
    {
      path: 'DCIM/Camera/IMG_20240612_101500.jpg',
      bytes: makeJpeg({ ...NOKIA, width: 32, height: 24, dateTimeOriginal: '2024:06:12 10:15:00', offsetTimeOriginal: '+03:00', fillByte: 90 }),
      mtime: '2024-06-12T07:15:01Z',
    },
    {
      path: 'DCIM/Camera/IMG_20240704_183000.jpg',
      bytes: makeJpeg({ ...NOKIA, width: 24, height: 24, dateTimeOriginal: '2024:07:04 18:30:00', fillByte: 180 }),
      mtime: '2024-07-04T15:30:02Z',
    },
    {
      // Received over Bluetooth: no EXIF, only the phone's file time.
      path: 'DCIM/Camera/IMG_20231231_235959.jpg',
      bytes: makeJpeg({ width: 8, height: 8, fillByte: 60 }),
      mtime: '2023-12-31T21:59:59Z',
    },
    {
      path: 'Videos/VID_20240705_120000.mp4',
      bytes: makeMp4({ creationTime: new Date('2024-07-05T09:00:00Z') }),
      mtime: '2024-07-05T09:00:04Z',
    },
    {
      // Named like a photo, but text: the phone calls it a JPEG, its bytes say otherwise.
      path: 'Download/notes.jpg',
      bytes: Buffer.from('Remember: charge the phone before the trip.\n', 'utf8'),
      mtime: '2024-02-10T09:00:00Z',
    },
    { path: 'Contacts/contacts.vcf', bytes: Buffer.from(CONTACTS_VCF, 'utf8'), mtime: '2024-07-01T08:00:00Z' },
    { path: 'Calendar/calendar.vcs', bytes: Buffer.from(CALENDAR_VCS, 'utf8'), mtime: '2024-07-01T08:00:00Z' },
    { path: 'Calendar/holidays.ics', bytes: Buffer.from(HOLIDAYS_ICS, 'utf8'), mtime: '2024-07-01T08:00:00Z' },
  ];
}

const FOLDER_TIME = new Date('2024-07-10T12:00:00Z');

export function buildDemoMtpImage(outDir: string): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes('device.json')) throw new Error(`${outDir} is not empty and is not a device image; refusing to overwrite it`);
    for (const entry of entries) if (entry !== 'README.md') fs.rmSync(path.join(outDir, entry), { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'device.json'), `${JSON.stringify(DEMO_MTP_DEVICE, null, 2)}\n`);
  fs.utimesSync(path.join(outDir, 'device.json'), FOLDER_TIME, FOLDER_TIME);
  const storage = path.join(outDir, 'storage');
  for (const file of demoMtpStorageFiles()) {
    const target = path.join(storage, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.bytes);
    fs.utimesSync(target, new Date(file.mtime), new Date(file.mtime));
  }
  const setFolderTimes = (folder: string): void => {
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) if (entry.isDirectory()) setFolderTimes(path.join(folder, entry.name));
    fs.utimesSync(folder, FOLDER_TIME, FOLDER_TIME);
  };
  setFolderTimes(outDir);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: npx tsx native/sim/images/build-demo-mtp-image.ts OUTDIR');
    process.exit(2);
  }
  buildDemoMtpImage(path.resolve(outDir));
  console.log(`demo MTP device image written to ${outDir}`);
}
