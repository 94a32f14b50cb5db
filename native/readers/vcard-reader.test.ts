import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readVCards } from './vcard-reader.ts';

const REAL = '/work/shared/real-data/vcard';
const haveReal = fs.existsSync(REAL);
if (!haveReal) console.warn(`vcard-reader: ${REAL} is absent (a clone outside the project machines): the real-data test is skipped`);

/**
 * An independent, deliberately crude reading of the file: every TEL and EMAIL line's value
 * (unfolded, quoted-printable decoded) and every FN. The reader must give each of them back.
 */
function crude(text: string): { phones: string[]; emails: string[]; names: string[] } {
  const lines = text.replace(/=\r?\n/g, (m, offset: number) => (isQpContext(text, offset) ? '' : m)).replace(/\r*\n[ \t]/g, '').split(/\r*\n|\r/);
  const out = { phones: [] as string[], emails: [] as string[], names: [] as string[] };
  for (const line of lines) {
    const m = /^(?:[\w-]+\.)?(TEL|EMAIL|FN)([;:].*)$/i.exec(line);
    if (!m) continue;
    const colon = m[2]!.indexOf(':');
    const params = m[2]!.slice(0, colon);
    let value = m[2]!.slice(colon + 1);
    if (/QUOTED-PRINTABLE/i.test(params)) value = Buffer.from(value.replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
    value = value.replace(/^(tel|mailto):/i, '').replace(/\\([,;\\])/g, '$1').trim();
    if (!value) continue;
    const kind = m[1]!.toUpperCase();
    (kind === 'TEL' ? out.phones : kind === 'EMAIL' ? out.emails : out.names).push(value);
  }
  return out;
}

function isQpContext(text: string, offset: number): boolean {
  const lineStart = text.lastIndexOf('\n', offset - 1);
  return /QUOTED-PRINTABLE/i.test(text.slice(lineStart, offset)) || /=[0-9A-F]{2}$/i.test(text.slice(lineStart, offset));
}

describe('vCard reader on real exports', () => {
  it.skipIf(!haveReal)('loses no phone number, e-mail address or name in any file of real-data/vcard', () => {
    const names = fs.readdirSync(REAL).filter((n) => n.endsWith('.vcf'));
    expect(names.length).toBeGreaterThanOrEqual(17);
    let phones = 0;
    for (const name of names) {
      const bytes = fs.readFileSync(path.join(REAL, name));
      const contacts = readVCards(bytes, { sourceKeyPrefix: name });
      const fromUtf8 = crude(bytes.toString('utf8'));
      const gotPhones = contacts.flatMap((c) => c.phones.map((p) => p.value));
      const gotEmails = contacts.flatMap((c) => c.emails.map((e) => e.value));
      const gotNames = contacts.map((c) => c.displayName ?? '');
      expect(contacts.length, name).toBeGreaterThan(0);
      expect(gotPhones.sort(), `${name} phones`).toEqual(fromUtf8.phones.sort());
      expect(gotEmails.sort(), `${name} e-mails`).toEqual(fromUtf8.emails.sort());
      for (const fn of fromUtf8.names) expect(gotNames, `${name} names`).toContain(fn.replace(/\\n/g, '\n'));
      phones += gotPhones.length;
    }
    expect(phones).toBeGreaterThan(40);
  });

  it('reads vCard 2.1 quoted-printable with soft line breaks, bare types and charsets', () => {
    const text = [
      'BEGIN:VCARD', 'VERSION:2.1',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:J=C3=A4rvinen;Eero;;;',
      'FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:Eero J=C3=A4r=',
      'vinen',
      'TEL;CELL;PREF:+358401234567',
      'TEL;WORK;FAX:+3589',
      'EMAIL;INTERNET;HOME:e@example.fi',
      'ORG;CHARSET=ISO-8859-1:M\xfcller AG;Einkauf',
      'NOTE;ENCODING=QUOTED-PRINTABLE:line one=0D=0Aline two',
      'END:VCARD', '',
    ].join('\r\n');
    const [c] = readVCards(Buffer.from(text, 'latin1'), { sourceKeyPrefix: 'x' });
    expect(c).toMatchObject({
      displayName: 'Eero Järvinen',
      name: { family: 'Järvinen', given: 'Eero' },
      phones: [{ value: '+358401234567', type: 'mobile', primary: true }, { value: '+3589', type: 'fax-work' }],
      emails: [{ value: 'e@example.fi', type: 'home' }],
      organizations: [{ company: 'Müller AG', department: 'Einkauf' }],
      notes: ['line one\r\nline two'],
    });
  });

  it('reads vCard 3.0 and 4.0: TYPE lists, groups with labels, escapes, dates without a year, photos', () => {
    const text = [
      'BEGIN:VCARD', 'VERSION:4.0', 'FN:Zoë Ångström', 'N:Ångström;Zoë;;;', 'UID:urn:uuid:1',
      'TEL;TYPE="cell,voice";VALUE=uri:tel:+46-70-1234567',
      'item1.EMAIL:z@example.se', 'item1.X-ABLabel:Studio',
      'BDAY:--0714', 'NOTE:a\\, b\\; c\\nd',
      'PHOTO:data:image/png;base64,iVBORw0KGgo=',
      'END:VCARD',
    ].join('\n');
    const [c] = readVCards(Buffer.from(text, 'utf8'), { sourceKeyPrefix: 'x' });
    expect(c!.sourceKey).toBe('uid:urn:uuid:1');
    expect(c!.phones).toEqual([{ value: '+46-70-1234567', type: 'mobile' }]);
    expect(c!.emails).toEqual([{ value: 'z@example.se', type: 'custom', label: 'Studio' }]);
    expect(c!.dates).toEqual([{ type: 'birthday', month: 7, day: 14, raw: '--0714' }]);
    expect(c!.notes).toEqual(['a, b; c\nd']);
    expect(c!.photo).toEqual({ mediaType: 'image/png', base64: 'iVBORw0KGgo=' });
  });
});
