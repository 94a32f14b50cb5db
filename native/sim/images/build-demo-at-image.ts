import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OBEX_FOLDER, PHONE_FILE, type Flavour, type SimEntry } from '../at/at-phone-file.ts';
import { makeJpeg } from '../jpeg-fixture.ts';

/**
 * Builds feature phones that speak AT commands (images with "transport": "at"); the demo in
 * images/demo-at is the "standard" one:
 *
 *   npx tsx native/sim/images/build-demo-at-image.ts OUTDIR [standard|gsm|utf8|samsung|motorola|siemens]
 *
 * Every run gives the same bytes.
 */
export interface AtImageSpec {
  device: Record<string, unknown>;
  phone: Record<string, unknown>;
  /** IMAGE/obex/: relative path → bytes (the phone offers OBEX when there is one). */
  obex?: () => Record<string, Buffer>;
}

const SIM_ENTRIES: (SimEntry | { index: number; empty: true })[] = [
  { index: 1, name: 'Anna Schmidt', number: '+4915112345678' },
  { index: 2, name: 'Jürgen Müller', number: '+49301234567' },
  { index: 3, empty: true },
  { index: 4, name: 'Zoë Ångström', number: '0701234567' },
  { index: 5, name: 'Ольга Петрова', number: '+74951234567' },
  { index: 7, name: '王芳', number: '+8613800138000' },
  { index: 9, name: 'Voicemail', number: '*100#' },
];

const ME_ENTRIES: (SimEntry | { index: number; empty: true })[] = [
  { index: 1, name: 'Dr. Ngozi Okafor', number: '+23412345678' },
  { index: 2, name: 'Piotr Wiśniewski', number: '+48221234567' },
  { index: 5, name: 'Søren Kierkegård', number: '+4533123456' },
  { index: 6, empty: true },
  { index: 21, name: 'Ελένη Παπαδοπούλου', number: '+302101234567' },
  { index: 22, name: "Seán O'Brien", number: '0871234567' },
];

/** GSM 7-bit only: every character here is in the default alphabet or its extension table. */
const GSM_ENTRIES: SimEntry[] = [
  { index: 1, name: 'Café [Büro] {Ä}', number: '+33123456789' },
  { index: 2, name: 'Ñoño ~ \\ ^ | €5', number: '+34911234567' },
  { index: 3, name: 'Øystein Åsen', number: '+4722123456' },
  { index: 5, name: 'Nikos ΔΦΓΛΩΠΨΣΘΞ', number: '+302107654321' },
];

const SAMSUNG_ME: SimEntry[] = [
  { index: 1, firstName: 'Mónica', lastName: 'García', numbers: [{ number: '+34600111222', kind: 'mobile' }, { number: '+34911222333', kind: 'home' }], email: 'monica@example.es', note: 'Madrid office' },
  { index: 2, firstName: 'Kwame', lastName: 'Mensah', numbers: [{ number: '+233201234567', kind: 'mobile' }] },
  { index: 4, firstName: 'Łucja', lastName: 'Nowak', numbers: [{ number: '+48601234567', kind: 'work' }, { number: '+48221112233', kind: 'fax' }] },
];

/**
 * The standard demo phone's OBEX side, as a Nokia of 2009 gives it over IrMC and Folder Browsing:
 * its phone-memory phonebook again in vCard 2.1 (richer than AT +CPBR: several numbers, e-mail,
 * notes), a vCalendar 1.0 calendar in quoted-printable UTF-8, and pictures in folders.
 */
function standardObex(): Record<string, Buffer> {
  const crlf = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
  const utf8Lines = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  // A picture big enough for many OBEX packets, with bytes that differ everywhere (deterministic).
  const big = Buffer.alloc(180_000);
  let seed = 0x2730;
  for (let i = 0; i < big.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    big[i] = seed >> 16 & 0xff;
  }
  return {
    'telecom/devinfo.txt': crlf(['MANU:Nokia', 'MOD:2730 classic', 'SN:356938035643809', 'IRMC-VERSION:1.1', 'PB-TYPE-TX:VCARD2.1', 'CAL-TYPE-TX:VCAL1.0']),
    'telecom/pb.vcf': Buffer.concat([
      utf8Lines([
        'BEGIN:VCARD', 'VERSION:2.1',
        'N:Okafor;Ngozi;;Dr.;',
        'FN:Dr. Ngozi Okafor',
        'TEL;CELL;PREF:+23412345678',
        'TEL;WORK:+23418765432',
        'EMAIL;INTERNET:ngozi.okafor@example.ng',
        'X-IRMC-LUID:0001',
        'END:VCARD',
        'BEGIN:VCARD', 'VERSION:2.1',
        'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Wi=C5=9Bniewski;Piotr;;;',
        'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Piotr Wi=C5=9B=',
        'niewski',
        'TEL;HOME:+48221234567',
        'TEL;CELL:+48601987654',
        'NOTE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Klucz u s=C4=85siada=0D=0Apod wycieraczk=C4=85',
        'X-IRMC-LUID:0002',
        'END:VCARD',
        'BEGIN:VCARD', 'VERSION:2.1',
        'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Kierkeg=C3=A5rd;S=C3=B8ren;;;',
        'TEL;CELL:+45 33 12 34 56',
        'EMAIL;INTERNET:soren@example.dk',
        'X-IRMC-LUID:0003',
        'END:VCARD',
        // Same name as ME 21, another number: both are kept (the AT entry's number is not here).
        'BEGIN:VCARD', 'VERSION:2.1',
        'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=CE=A0=CE=B1=CF=80=CE=B1=CE=B4=CE=BF=CF=80=CE=BF=CF=8D=CE=BB=CE=BF=CF=85;=CE=95=CE=BB=CE=AD=CE=BD=CE=B7;;;',
        'TEL;WORK:+302109876543',
        'X-IRMC-LUID:0004',
        'END:VCARD',
        'BEGIN:VCARD', 'VERSION:2.1',
        'N:Lindqvist;Mia;;;',
        'TEL;CELL:+46701112233',
        'ADR;HOME:;;Storgatan 1;Uppsala;;75310;Sweden',
        'BDAY:19850214',
        'X-IRMC-LUID:0005',
        'END:VCARD',
      ]),
      // Phones of the time wrote Latin-1 where they could.
      crlf([
        'BEGIN:VCARD', 'VERSION:2.1',
        'N;CHARSET=ISO-8859-1:M\xfcller;J\xfcrgen;;;',
        'TEL;WORK;VOICE:+49301234567',
        'TEL;CELL:+491701234567',
        'EMAIL;INTERNET:j.mueller@example.de',
        'X-IRMC-LUID:0006',
        'END:VCARD',
      ]),
    ]),
    'telecom/cal.vcs': crlf([
      'BEGIN:VCALENDAR', 'VERSION:1.0', 'TZ:+01:00',
      'BEGIN:VEVENT',
      'SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Zahnarzt Dr. M=C3=BCller',
      'LOCATION;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:K=C3=B6nigstra=C3=9Fe 12, M=C3=BCnchen',
      'DESCRIPTION;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Versichertenkarte mitbringen.=0D=0AN=C3=BCchtern ersch=',
      'einen!',
      'DTSTART:20090315T083000Z', 'DTEND:20090315T090000Z',
      'AALARM:20090315T080000Z;;;',
      'X-IRMC-LUID:1001',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Kaffee mit =CE=95=CE=BB=CE=AD=CE=BD=CE=B7',
      'DTSTART:20090320T170000', 'DTEND:20090320T180000',
      'RRULE:W1 FR #4',
      'X-IRMC-LUID:1002',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'SUMMARY;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E8=8A=B1=E8=A6=8B (hanami)',
      'DTSTART:20090404T110000Z', 'DTEND:20090404T150000Z',
      'X-IRMC-LUID:1003',
      'END:VEVENT',
      'END:VCALENDAR',
    ]),
    'Pictures/Image000.jpg': makeJpeg({ width: 320, height: 240, fillByte: 90, dateTimeOriginal: '2009:03:14 16:05:12', make: 'Nokia', model: '2730c-1' }),
    'Pictures/Image001.jpg': makeJpeg({ width: 320, height: 240, fillByte: 160, dateTimeOriginal: '2009:04:04 12:30:00', make: 'Nokia', model: '2730c-1' }),
    'Pictures/Camera/Kesä 2009.jpg': Buffer.concat([makeJpeg({ width: 640, height: 480, fillByte: 40, dateTimeOriginal: '2009:07:11 19:45:30', make: 'Nokia', model: '2730c-1' }), big]),
    'Pictures/readme.txt': Buffer.from('Not a picture.\r\n'),
    'Sounds/Digital/ring.amr': Buffer.from('#!AMR\n not a picture'),
  };
}

export const AT_DEMO_IMAGES: Record<string, AtImageSpec> = {
  standard: {
    obex: standardObex,
    device: { transport: 'at', vendorId: 0x0421, productId: 0x0601, manufacturer: 'Nokia', model: '2730 classic', serial: '356938035643809', battery: 71 },
    phone: {
      flavour: 'standard' satisfies Flavour,
      charsets: ['GSM', 'IRA', 'UCS2'],
      firmware: 'V 10.63',
      memories: {
        SM: { capacity: 250, numberLength: 40, textLength: 18, entries: SIM_ENTRIES },
        ME: { capacity: 500, numberLength: 48, textLength: 40, entries: ME_ENTRIES },
        ON: { capacity: 2, entries: [{ index: 1, name: 'Own number', number: '+4917612345678' }] },
        DC: { capacity: 20, entries: [{ index: 1, name: 'Anna Schmidt', number: '+4915112345678' }, { index: 2, name: '', number: '08001234567' }] },
      },
      quirks: { cpbrTrailer: ',0', slow: { 'AT+CPBS="SM"': 1200 } },
    },
  },
  gsm: {
    device: { transport: 'at', vendorId: 0x22b8, productId: 0x4902, manufacturer: 'Generic', model: 'GSM-only 100', serial: '352099001761481', battery: 38 },
    phone: {
      flavour: 'standard',
      charsets: ['GSM', 'IRA'],
      memories: { SM: { capacity: 100, entries: GSM_ENTRIES }, ME: { capacity: 50, entries: [{ index: 2, name: 'Straße & Söhne', number: '+4989123456' }] } },
      quirks: { emptySlot: 'not-found' },
    },
  },
  utf8: {
    device: { transport: 'at', vendorId: 0x1bbb, productId: 0x0017, manufacturer: 'Alcatel', model: 'OT-S853', serial: '012345678901237', battery: 90 },
    phone: {
      flavour: 'standard',
      charsets: ['GSM', 'IRA', 'UTF-8'],
      memories: { SM: { capacity: 50, entries: SIM_ENTRIES.slice(0, 5) }, ME: { capacity: 100, entries: ME_ENTRIES } },
      quirks: {},
    },
  },
  samsung: {
    device: { transport: 'at', vendorId: 0x04e8, productId: 0x6601, manufacturer: 'SAMSUNG', model: 'SGH-E250', serial: '354897020148523', battery: 55 },
    phone: {
      flavour: 'samsung',
      charsets: ['GSM', 'IRA', 'UCS2'],
      memories: { SM: { capacity: 100, entries: SIM_ENTRIES.slice(0, 4) }, ME: { capacity: 1000, entries: SAMSUNG_ME } },
      quirks: { cpbrTrailer: ',0' },
    },
  },
  motorola: {
    device: { transport: 'at', vendorId: 0x22b8, productId: 0x4902, manufacturer: 'Motorola CE, Copyright 2000', model: 'MOTOROLA V3', serial: 'IMEI351234567890125', battery: 60 },
    phone: {
      flavour: 'motorola',
      charsets: ['GSM', 'UCS2'],
      memories: {
        SM: { capacity: 100, entries: SIM_ENTRIES.slice(0, 3) },
        ME: { capacity: 500, entries: [{ index: 1, name: 'Rita Alves', number: '+351912345678', numbers: [], type: 145 }, { index: 2, name: 'Rita Alves', numbers: [{ number: '+351213456789', kind: 'work' }] }] },
      },
      quirks: {},
    },
  },
  siemens: {
    device: { transport: 'at', vendorId: 0x11f5, productId: 0x0004, manufacturer: 'SIEMENS', model: 'S55', serial: '350123456789012', battery: 80 },
    phone: {
      flavour: 'siemens',
      charsets: ['GSM', 'UCS2'],
      memories: {
        SM: { capacity: 100, entries: SIM_ENTRIES.slice(0, 2) },
        ME: { capacity: 500, first: 0, entries: [{ index: 0, firstName: 'Hannelore', lastName: 'Kühn', numbers: [{ number: '+49891234567', kind: 'home' }] }] },
      },
      quirks: {},
    },
  },
};

export function writeAtImage(dir: string, spec: AtImageSpec): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'device.json'), `${JSON.stringify(spec.device, null, 2)}\n`);
  fs.writeFileSync(path.join(dir, PHONE_FILE), `${JSON.stringify(spec.phone, null, 2)}\n`);
  if (!spec.obex) return;
  const obexDir = path.join(dir, OBEX_FOLDER);
  fs.rmSync(obexDir, { recursive: true, force: true });
  for (const [rel, bytes] of Object.entries(spec.obex())) {
    const at = path.join(obexDir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(at), { recursive: true });
    fs.writeFileSync(at, bytes);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, kind = 'standard'] = process.argv.slice(2);
  const spec = AT_DEMO_IMAGES[kind];
  if (!out || !spec) {
    process.stderr.write(`usage: npx tsx native/sim/images/build-demo-at-image.ts OUTDIR [${Object.keys(AT_DEMO_IMAGES).join('|')}]\n`);
    process.exit(2);
  }
  writeAtImage(out, spec);
  process.stdout.write(`${out}\n`);
}
