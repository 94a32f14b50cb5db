/**
 * An obex/ folder as a feature phone of the 2000s offers it, for tests and demo images:
 * IrMC objects (telecom/devinfo.txt, telecom/pb.vcf in vCard 2.1 with quoted-printable and
 * charsets plus one 3.0 card, telecom/cal.vcs in vCalendar 1.0) and a Folder Browsing tree of
 * pictures beside things that are not pictures.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makeJpeg } from '../jpeg-fixture.ts';

export const FIXTURE_DEVINFO = ['MANU:Lifeboat Mobile', 'MOD:Feature 100', 'SN:356938035643809', 'IRMC-VERSION:1.1', 'PB-TYPE-TX:VCARD2.1', 'CAL-TYPE-TX:VCAL1.0', ''].join('\r\n');

/** Latin-1 bytes on purpose (the ISO-8859-1 card), so the file is built from byte strings. */
export const FIXTURE_PHONEBOOK = Buffer.concat([
  Buffer.from(
    [
      'BEGIN:VCARD', 'VERSION:2.1',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=A4rvinen;Eero;;;',
      'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Eero J=C3=A4r=',
      'vinen',
      'TEL;CELL;PREF:+358401234567',
      'TEL;HOME:09 123 456',
      'NOTE;ENCODING=QUOTED-PRINTABLE:Soita ennen=0D=0Akahdeksaa',
      'X-IRMC-LUID:000001',
      'END:VCARD',
      'BEGIN:VCARD', 'VERSION:2.1',
      'N;CHARSET=ISO-8859-1:M\xfcller;J\xfcrgen',
      'TEL;WORK;VOICE:+49301234567',
      'EMAIL;INTERNET:j.mueller@example.de',
      'X-IRMC-LUID:000002',
      'END:VCARD',
      'BEGIN:VCARD', 'VERSION:3.0',
      'N:O\'Brien;Siobhán;;;',
      'FN:Siobhán O\'Brien',
      'TEL;TYPE=CELL:+353861234567',
      'ADR;TYPE=HOME:;;1 Main Street;Dublin;;D01;Ireland',
      'BDAY:1980-03-17',
      'X-IRMC-LUID:000003',
      'END:VCARD',
      '',
    ].join('\r\n'),
    'latin1',
  ),
]);

export const FIXTURE_CALENDAR = [
  'BEGIN:VCALENDAR', 'VERSION:1.0', 'TZ:+02:00',
  'BEGIN:VEVENT',
  'SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Hammasl=C3=A4=C3=A4k=C3=A4ri',
  'LOCATION:Mannerheimintie 5',
  'DTSTART:20240612T100000', 'DTEND:20240612T103000',
  'AALARM:20240612T094500;;;',
  'X-IRMC-LUID:100001',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'SUMMARY:Weekly sync',
  'DTSTART:20240603T090000Z', 'DTEND:20240603T093000Z',
  'RRULE:W1 MO WE #10',
  'X-IRMC-LUID:100002',
  'END:VEVENT',
  'BEGIN:VTODO', 'SUMMARY:Buy milk', 'END:VTODO',
  'END:VCALENDAR', '',
].join('\r\n');

export interface ObexFixture {
  dir: string;
  /** Photo paths below dir (Folder Browsing paths), with their bytes. */
  photos: Map<string, Buffer>;
}

/** Writes the fixture into `dir` (made when missing) and returns what it holds. */
export function writeObexFixture(dir: string): ObexFixture {
  const photos = new Map<string, Buffer>();
  const put = (rel: string, bytes: Buffer | string) => {
    const at = path.join(dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, bytes);
  };
  put('telecom/devinfo.txt', FIXTURE_DEVINFO);
  put('telecom/pb.vcf', FIXTURE_PHONEBOOK);
  put('telecom/cal.vcs', FIXTURE_CALENDAR);
  const photo = (rel: string, bytes: Buffer) => {
    put(rel, bytes);
    photos.set(rel, bytes);
  };
  photo('Pictures/IMG_0001.jpg', makeJpeg({ dateTimeOriginal: '2024:06:12 10:15:00', make: 'Lifeboat', model: 'Feature 100' }));
  // A photo that needs many packets, with bytes that differ everywhere (a byte-for-byte check means something).
  const seed = crypto.createHash('sha256').update('obex-fixture').digest();
  const tail = Buffer.alloc(300_000);
  for (let i = 0; i < tail.length; i += 32) crypto.createHash('sha256').update(seed).update(String(i)).digest().copy(tail, i);
  photo('Pictures/Camera/IMG_0002.jpg', Buffer.concat([makeJpeg({ width: 64, height: 48, fillByte: 40 }), tail]));
  photo('Pictures/Kesä ääni.jpg', makeJpeg({ fillByte: 200 }));
  put('Sounds/ring.mp3', Buffer.from('ID3 not a picture'));
  put('Pictures/readme.txt', 'not a picture either');
  return { dir, photos };
}
