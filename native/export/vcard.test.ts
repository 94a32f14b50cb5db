import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { contentLineProblems, unfoldedLines } from '../../test/validators/content-checks.ts';
import { contact, TINY_JPEG_BASE64 } from '../../test/validators/export-fixtures.ts';
import { validateVCardsWithPython, type PyCard } from '../../test/validators/python-validators.ts';
import type { Contact } from '../model/contact.ts';
import { sanitizeText } from './content-line.ts';
import { formatVCard, fullName } from './vcard.ts';

const VERSIONS = ['3.0', '4.0'] as const;
type Version = (typeof VERSIONS)[number];
const UID = 'urn:uuid:0b7c2a5e-1c1d-8f00-9a00-000000000001';

function card(c: Contact, version: Version, rev?: string): string {
  return formatVCard(c, { version, uid: UID, ...(rev ? { rev } : {}) });
}

/** All independent checks on a .vcf text; returns what vobject decoded, card by card. */
function validated(vcf: string): PyCard[] {
  expect(contentLineProblems(vcf)).toEqual([]);
  const py = validateVCardsWithPython(vcf);
  if (!py.ok) throw new Error(`vobject rejected the cards: ${py.error}\n${vcf}`);
  expect(icalJsCards(vcf)).toHaveLength(py.items.length);
  return py.items;
}

function icalJsCards(vcf: string): ICAL.Component[] {
  const parsed = ICAL.parse(vcf) as unknown[];
  const list = Array.isArray(parsed[0]) ? parsed : [parsed];
  return list.map((jcal) => new ICAL.Component(jcal as unknown[]));
}

/** ical.js keeps `\;` in vCard text values (it only unescapes `\\`, `\,`, `\n`); 3.0 needs `\;`. */
const icalJsText = (s: unknown): string => String(s).replace(/\\;/g, ';');

const lines = (vcf: string): string[] => unfoldedLines(vcf);
const linesOf = (vcf: string, name: string): string[] => lines(vcf).filter((l) => new RegExp(`^(item\\d+\\.)?${name}[;:]`, 'i').test(l));

const full = contact('full', (c) => {
  c.displayName = 'Dr. Jürgen Karl Müller';
  c.name = { prefix: 'Dr.', given: 'Jürgen', middle: 'Karl', family: 'Müller', suffix: 'Jr.', phoneticGiven: 'ユルゲン', phoneticFamily: 'ミュラー' };
  c.nicknames = ['Jü', 'JKM, the first'];
  c.phones = [
    { value: '+49 170 1234567', type: 'mobile', primary: true },
    { value: '+49 30 123456', type: 'home' },
    { value: '+49 30 999,,123#', type: 'work' },
    { value: '+49 30 555', type: 'fax_work' },
    { value: '+1 555 0100', type: 'custom', label: 'Boat; phone' },
    { value: '+1 555 0101', type: 'radio' },
  ];
  c.emails = [
    { value: 'juergen@example.com', type: 'home', primary: true },
    { value: 'jkm@work.example', type: 'work' },
    { value: 'old@example.org', type: 'other' },
  ];
  c.addresses = [
    { type: 'home', street: 'Hauptstraße 1\nHinterhaus', poBox: 'PF 12', neighborhood: 'Mitte', city: 'Berlin', region: 'BE', postcode: '10115', country: 'Germany', formatted: 'Hauptstraße 1\nHinterhaus\n10115 Berlin' },
    { type: 'custom', label: 'Cabin', formatted: 'Lakeside 3, 12345 Nowhere' },
  ];
  c.organizations = [{ company: 'ACME; Inc.', department: 'R&D', title: 'Chief, Boats', jobDescription: 'Keeps boats afloat', officeLocation: 'B2.14' }];
  c.websites = [{ value: 'https://example.com/~jkm?a=1&b=2', type: 'homepage' }];
  c.ims = [
    { handle: 'jkm.skype', protocol: 'skype', type: 'home' },
    { handle: 'jkm@jabber.example', protocol: 'jabber', type: 'work' },
    { handle: 'jkm 42', protocol: 'Threema', type: 'custom', label: 'secure' },
  ];
  c.relations = [
    { value: 'Anna Müller', type: 'spouse' },
    { value: 'Grandpa Joe', type: 'custom', label: 'Opa' },
  ];
  c.dates = [
    { type: 'birthday', year: 1980, month: 3, day: 22, raw: '1980-03-22' },
    { type: 'anniversary', year: 2004, month: 8, day: 15, raw: '2004-08-15' },
    { type: 'custom', label: 'Met', month: 2, day: 29, raw: '--02-29' },
  ];
  c.notes = ['First note, with; separators \\ and\nnewlines'];
  c.sipAddresses = ['sip:jkm@sip.example'];
  c.groups = ['Family', 'Sailing, club'];
  c.starred = true;
  c.accounts = [
    { type: 'com.google', name: 'juergen@gmail.example' },
    { type: 'com.whatsapp', name: 'WhatsApp' },
  ];
  c.photo = { mediaType: 'image/jpeg', base64: TINY_JPEG_BASE64 };
});

describe('a full contact', () => {
  it('vCard 3.0: the expected lines', () => {
    const vcf = card(full, '3.0', '2024-05-01T10:20:30.123Z');
    const l = lines(vcf);
    expect(l.slice(0, 3)).toEqual(['BEGIN:VCARD', 'VERSION:3.0', 'FN:Dr. Jürgen Karl Müller']);
    expect(l.at(-1)).toBe('END:VCARD');
    expect(l).toEqual(
      expect.arrayContaining([
        'N:Müller;Jürgen;Karl;Dr.;Jr.',
        'X-PHONETIC-FIRST-NAME:ユルゲン',
        'X-PHONETIC-LAST-NAME:ミュラー',
        'NICKNAME:Jü,JKM\\, the first',
        'ORG:ACME\\; Inc.;R&D',
        'TITLE:Chief\\, Boats',
        'ROLE:Keeps boats afloat',
        'X-LIFEBOAT-OFFICE:B2.14',
        'TEL;TYPE=CELL,VOICE,PREF:+49 170 1234567',
        'TEL;TYPE=HOME,VOICE:+49 30 123456',
        'TEL;TYPE=WORK,VOICE:+49 30 999\\,\\,123#',
        'TEL;TYPE=WORK,FAX:+49 30 555',
        'item1.TEL:+1 555 0100',
        'item1.X-ABLabel:Boat\\; phone',
        'item2.TEL:+1 555 0101',
        'item2.X-ABLabel:radio',
        'EMAIL;TYPE=INTERNET,HOME,PREF:juergen@example.com',
        'EMAIL;TYPE=INTERNET,WORK:jkm@work.example',
        'item3.EMAIL;TYPE=INTERNET:old@example.org',
        'item3.X-ABLabel:_$!<Other>!$_',
        'item4.ADR;TYPE=HOME:PF 12;Mitte;Hauptstraße 1\\nHinterhaus;Berlin;BE;10115;Germany',
        'item4.LABEL;TYPE=HOME:Hauptstraße 1\\nHinterhaus\\n10115 Berlin',
        'item5.ADR:;;Lakeside 3\\, 12345 Nowhere;;;;',
        'item5.LABEL:Lakeside 3\\, 12345 Nowhere',
        'item5.X-ABLabel:Cabin',
        'item6.URL:https://example.com/~jkm?a=1&b=2',
        'item6.X-ABLabel:_$!<HomePage>!$_',
        'X-SKYPE;TYPE=HOME:jkm.skype',
        'X-JABBER;TYPE=WORK:jkm@jabber.example',
        'item7.IMPP;X-SERVICE-TYPE=Threema:x-threema:jkm%2042',
        'item7.X-ABLabel:secure',
        'IMPP:sip:jkm@sip.example',
        'item8.X-ABRELATEDNAMES:Anna Müller',
        'item8.X-ABLabel:_$!<Spouse>!$_',
        'item9.X-ABRELATEDNAMES:Grandpa Joe',
        'item9.X-ABLabel:Opa',
        'BDAY;VALUE=date:1980-03-22',
        'X-ANNIVERSARY:2004-08-15',
        'item10.X-ABDATE;X-APPLE-OMIT-YEAR=1604:1604-02-29',
        'item10.X-ABLabel:Met',
        'NOTE:First note\\, with\\; separators \\\\ and\\nnewlines',
        'CATEGORIES:Family,Sailing\\, club',
        'X-LIFEBOAT-STARRED:1',
        'X-LIFEBOAT-ACCOUNT;X-ACCOUNT-TYPE=com.google:juergen@gmail.example',
        'X-LIFEBOAT-ACCOUNT;X-ACCOUNT-TYPE=com.whatsapp:WhatsApp',
        `UID:${UID}`,
        'REV:2024-05-01T10:20:30Z',
        `PHOTO;ENCODING=b;TYPE=JPEG:${TINY_JPEG_BASE64}`,
      ]),
    );
  });

  it('vCard 3.0: vobject and ical.js decode every value back', () => {
    const vcf = card(full, '3.0');
    const [py] = validated(vcf);
    expect(py!.fn).toEqual(['Dr. Jürgen Karl Müller']);
    expect(py!.n).toEqual({ family: 'Müller', given: 'Jürgen', additional: 'Karl', prefix: 'Dr.', suffix: 'Jr.' });
    expect(py!.tel).toEqual(full.phones.map((p) => p.value));
    expect(py!.email).toEqual(full.emails.map((e) => e.value));
    expect(py!.note).toEqual(full.notes);
    expect(py!.props.ORG![0]!.value).toEqual(['ACME; Inc.', 'R&D']);
    expect(py!.props.ADR![0]!.value).toEqual({ box: 'PF 12', extended: 'Mitte', street: 'Hauptstraße 1\nHinterhaus', city: 'Berlin', region: 'BE', code: '10115', country: 'Germany' });
    expect(py!.props.PHOTO![0]!.value).toEqual({ bytes: Buffer.from(TINY_JPEG_BASE64, 'base64').length });
    expect(py!.props['X-ABLABEL']!.map((p) => [p.group, p.value])).toContainEqual(['item1', 'Boat; phone']);

    const [js] = icalJsCards(vcf);
    expect(js!.getFirstPropertyValue('fn')).toBe('Dr. Jürgen Karl Müller');
    expect(js!.getFirstPropertyValue('n')).toEqual(['Müller', 'Jürgen', 'Karl', 'Dr.', 'Jr.']);
    expect(js!.getAllProperties('tel').map((p) => p.getFirstValue())).toEqual(full.phones.map((p) => p.value));
    expect(js!.getAllProperties('email').map((p) => p.getFirstValue())).toEqual(full.emails.map((e) => e.value));
    expect(icalJsText(js!.getFirstPropertyValue('note'))).toBe(full.notes[0]);
    expect(js!.getFirstProperty('categories')!.getValues()).toEqual(['Family', 'Sailing, club']);
    expect(js!.getFirstProperty('nickname')!.getValues()).toEqual(['Jü', 'JKM, the first']);
    expect(String(js!.getFirstPropertyValue('bday'))).toBe('1980-03-22');
  });

  it('vCard 4.0: the expected lines', () => {
    const vcf = card(full, '4.0', '2024-05-01T10:20:30.123Z');
    const l = lines(vcf);
    expect(l.slice(0, 2)).toEqual(['BEGIN:VCARD', 'VERSION:4.0']);
    expect(l).toEqual(
      expect.arrayContaining([
        'TEL;TYPE=cell,voice;PREF=1:+49 170 1234567',
        'TEL;TYPE=work,fax:+49 30 555',
        'EMAIL;TYPE=home;PREF=1:juergen@example.com',
        'ADR;TYPE=home;LABEL=Hauptstraße 1^nHinterhaus^n10115 Berlin:PF 12;Mitte;Hauptstraße 1\\nHinterhaus;Berlin;BE;10115;Germany',
        'item2.TEL;TYPE=voice:+1 555 0101',
        'item4.ADR;LABEL="Lakeside 3, 12345 Nowhere":;;Lakeside 3\\, 12345 Nowhere;;;;',
        'IMPP;TYPE=home;X-SERVICE-TYPE=Skype:skype:jkm.skype',
        'IMPP;TYPE=work;X-SERVICE-TYPE=Jabber:xmpp:jkm@jabber.example',
        'IMPP:sip:jkm@sip.example',
        'item7.RELATED;TYPE=spouse;VALUE=text:Anna Müller',
        'item7.X-ABLabel:_$!<Spouse>!$_',
        'item8.RELATED;VALUE=text:Grandpa Joe',
        'BDAY:19800322',
        'ANNIVERSARY:20040815',
        // 4.0 has no \; outside compound values
        'NOTE:First note\\, with; separators \\\\ and\\nnewlines',
        'TITLE:Chief\\, Boats',
        `UID:${UID}`,
        'REV:20240501T102030Z',
        `PHOTO:data:image/jpeg;base64,${TINY_JPEG_BASE64}`,
      ]),
    );
  });

  it('vCard 4.0: vobject accepts it, ical.js decodes every value back', () => {
    const vcf = card(full, '4.0');
    const [py] = validated(vcf);
    expect(py!.fn).toEqual(['Dr. Jürgen Karl Müller']);
    expect(py!.tel).toEqual(full.phones.map((p) => p.value));
    const [js] = icalJsCards(vcf);
    expect(js!.getFirstPropertyValue('version')).toBe('4.0');
    expect(js!.getFirstPropertyValue('n')).toEqual(['Müller', 'Jürgen', 'Karl', 'Dr.', 'Jr.']);
    expect(js!.getFirstPropertyValue('note')).toBe(full.notes[0]);
    expect(js!.getFirstPropertyValue('org')).toEqual(['ACME; Inc.', 'R&D']);
    expect(js!.getAllProperties('adr')[0]!.getParameter('label')).toBe('Hauptstraße 1\nHinterhaus\n10115 Berlin');
    expect(js!.getFirstPropertyValue('photo')).toBe(`data:image/jpeg;base64,${TINY_JPEG_BASE64}`);
    expect(js!.getFirstProperty('related')!.getParameter('type')).toBe('spouse');
  });
});

describe('FN never empty', () => {
  const cases: [string, (c: Contact) => void, string, string][] = [
    ['display name', (c) => (c.displayName = 'Ann Lee'), 'Ann Lee', 'display'],
    ['structured name', (c) => (c.name = { given: 'Ann', family: 'Lee', suffix: 'PhD' }), 'Ann Lee PhD', 'name'],
    ['nickname', (c) => (c.nicknames = ['  ', 'Annie']), 'Annie', 'nickname'],
    ['organisation', (c) => (c.organizations = [{ company: 'ACME' }]), 'ACME', 'organization'],
    ['first e-mail', (c) => (c.emails = [{ value: 'only@example.com', type: 'home' }]), 'only@example.com', 'email'],
    ['first phone', (c) => (c.phones = [{ value: '+1 555 0100', type: 'mobile' }]), '+1 555 0100', 'phone'],
    ['nothing at all', () => undefined, 'Unknown', 'none'],
    ['blank display name', (c) => ((c.displayName = ' \u0000 '), (c.emails = [{ value: 'x@example.com', type: 'home' }])), 'x@example.com', 'email'],
  ];
  for (const [name, fill, fn, source] of cases) {
    it(`falls back to the ${name}`, () => {
      const c = contact(name, fill);
      expect(fullName(c)).toEqual({ text: fn, source });
      for (const version of VERSIONS) {
        const vcf = card(c, version);
        const [py] = validated(vcf);
        expect(py!.fn).toEqual([fn]);
        // 3.0 requires N; 4.0 gets one only when there is a name to put in it.
        expect(linesOf(vcf, 'N').length).toBe(version === '3.0' || source === 'display' || source === 'name' ? 1 : 0);
      }
    });
  }

  it('writes an e-mail-only contact (what Android exports without FN) as a valid card', () => {
    const vcf = card(contact('mail', (c) => (c.emails = [{ value: 'only@example.com', type: 'other' }])), '3.0');
    expect(linesOf(vcf, 'FN')).toEqual(['FN:only@example.com']);
    expect(linesOf(vcf, 'N')).toEqual(['N:;;;;']);
    validated(vcf);
  });

  it('puts the display name in N when there is no structured name, and shows companies as such', () => {
    expect(linesOf(card(contact('d', (c) => (c.displayName = 'Ann Lee')), '3.0'), 'N')).toEqual(['N:Ann Lee;;;;']);
    const company = card(contact('o', (c) => (c.organizations = [{ company: 'ACME', title: 'Shop' }])), '3.0');
    expect(linesOf(company, 'X-ABShowAs')).toEqual(['X-ABShowAs:COMPANY']);
  });
});

describe('labels and types', () => {
  it('maps every phone kind to TYPEs, with a label where TYPE alone loses something', () => {
    const kinds = ['mobile', 'home', 'work', 'fax-work', 'fax_home', 'other-fax', 'pager', 'work-pager', 'work-mobile', 'car', 'isdn', 'main', 'company-main', 'mms', 'tty-tdd', 'callback', 'telex', 'assistant', 'other', 'custom', 'satellite'];
    const c = contact('kinds', (x) => (x.phones = kinds.map((type, i) => ({ value: `+1 555 01${String(i).padStart(2, '0')}`, type }))));
    const v3 = card(c, '3.0');
    const tel = linesOf(v3, 'TEL');
    expect(tel).toHaveLength(kinds.length);
    expect(tel).toEqual(
      expect.arrayContaining([
        'TEL;TYPE=HOME,FAX:+1 555 0104',
        'TEL;TYPE=FAX:+1 555 0105',
        'TEL;TYPE=WORK,CELL,VOICE:+1 555 0108',
        'TEL:+1 555 0119', // custom without a label
      ]),
    );
    // A kind we do not know keeps its word as the label.
    expect(lines(v3)).toContain(`${tel.find((l) => l.endsWith('0120'))!.split('.')[0]}.X-ABLabel:satellite`);
    validated(v3);
    validated(card(c, '4.0'));
  });

  it('numbers item groups once per card and pairs each label with its property', () => {
    const vcf = card(full, '3.0');
    const groups = lines(vcf)
      .map((l) => /^(item\d+)\./.exec(l)?.[1])
      .filter((g): g is string => g !== undefined);
    for (const g of new Set(groups)) expect(lines(vcf).filter((l) => l.startsWith(`${g}.X-ABLabel:`)).length).toBeLessThanOrEqual(1);
    expect([...new Set(groups)]).toEqual(Array.from({ length: new Set(groups).size }, (_, i) => `item${i + 1}`));
  });

  it('groups second and later organisations so each title stays with its company', () => {
    const vcf = card(contact('orgs', (c) => (c.organizations = [{ company: 'A', title: 'Boss' }, { company: 'B', department: 'Ops', title: 'Helper' }])), '3.0');
    expect(lines(vcf)).toEqual(expect.arrayContaining(['ORG:A', 'TITLE:Boss', 'item1.ORG:B;Ops', 'item1.TITLE:Helper']));
    validated(vcf);
  });
});

describe('dates', () => {
  const withDates = (dates: Contact['dates']) => contact('dates', (c) => ((c.displayName = 'D'), (c.dates = dates)));

  it('writes a birthday without a year the Apple/Google way in 3.0 and as --MMDD in 4.0', () => {
    const c = withDates([{ type: 'birthday', month: 3, day: 22, raw: '--03-22' }]);
    expect(linesOf(card(c, '3.0'), 'BDAY')).toEqual(['BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-22']);
    expect(linesOf(card(c, '4.0'), 'BDAY')).toEqual(['BDAY:--0322']);
    const [js] = icalJsCards(card(c, '4.0'));
    expect(js!.getFirstPropertyValue('bday')!.toString()).toBe('--03-22');
    validated(card(c, '3.0'));
  });

  it('keeps 29 February without a year (1604 is a leap year)', () => {
    const c = withDates([{ type: 'birthday', month: 2, day: 29, raw: '--02-29' }]);
    expect(linesOf(card(c, '3.0'), 'BDAY')).toEqual(['BDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29']);
    expect(linesOf(card(c, '4.0'), 'BDAY')).toEqual(['BDAY:--0229']);
  });

  it('writes one BDAY and one anniversary; more go to X-ABDATE with a label', () => {
    const c = withDates([
      { type: 'birthday', year: 1980, month: 3, day: 22, raw: '' },
      { type: 'birthday', year: 1981, month: 3, day: 22, raw: '' },
      { type: 'anniversary', year: 2004, month: 8, day: 15, raw: '' },
      { type: 'anniversary', year: 2014, month: 8, day: 15, raw: '' },
      { type: 'other', year: 2001, month: 1, day: 2, raw: '' },
    ]);
    const v3 = card(c, '3.0');
    expect(lines(v3).filter((l) => /BDAY|ANNIVERSARY|X-ABDATE|X-ABLabel/.test(l))).toEqual([
      'BDAY;VALUE=date:1980-03-22',
      'item1.X-ABDATE:1981-03-22',
      'item1.X-ABLabel:birthday',
      'X-ANNIVERSARY:2004-08-15',
      'item2.X-ABDATE:2014-08-15',
      'item2.X-ABLabel:_$!<Anniversary>!$_',
      'item3.X-ABDATE:2001-01-02',
      'item3.X-ABLabel:_$!<Other>!$_',
    ]);
    const v4 = card(c, '4.0');
    expect(linesOf(v4, 'BDAY')).toEqual(['BDAY:19800322']);
    expect(linesOf(v4, 'ANNIVERSARY')).toEqual(['ANNIVERSARY:20040815']);
    validated(v3);
    validated(v4);
  });

  it('keeps a date it could not read as text', () => {
    const c = withDates([{ type: 'birthday', month: 2, day: 30, raw: '30.02.' }]);
    expect(linesOf(card(c, '4.0'), 'BDAY')).toEqual(['BDAY;VALUE=text:30.02.']);
    const v3 = card(c, '3.0');
    expect(linesOf(v3, 'BDAY')).toEqual([]);
    expect(lines(v3)).toEqual(expect.arrayContaining(['item1.X-LIFEBOAT-UNPARSED-DATE:30.02.', 'item1.X-ABLabel:birthday']));
    validated(v3);
    validated(card(c, '4.0'));
  });
});

describe('identity and photo', () => {
  it('writes a non-URI UID as text in 4.0', () => {
    const c = contact('u', (x) => (x.displayName = 'U'));
    expect(linesOf(formatVCard(c, { version: '4.0', uid: 'abc-123' }), 'UID')).toEqual(['UID;VALUE=text:abc-123']);
    expect(linesOf(formatVCard(c, { version: '3.0', uid: 'abc;123' }), 'UID')).toEqual(['UID:abc\\;123']);
    expect(() => formatVCard(c, { version: '3.0', uid: 'x', rev: 'soon' })).toThrow(/rev/);
  });

  it('leaves out a photo that is not base64, and names PNGs as such', () => {
    const bad = contact('p', (x) => ((x.displayName = 'P'), (x.photo = { mediaType: 'image/jpeg', base64: 'not base64!' })));
    expect(linesOf(card(bad, '3.0'), 'PHOTO')).toEqual([]);
    const png = contact('p', (x) => ((x.displayName = 'P'), (x.photo = { mediaType: 'image/png', base64: 'iVBORw0KGgo=' })));
    expect(linesOf(card(png, '3.0'), 'PHOTO')).toEqual(['PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=']);
    expect(linesOf(card(png, '4.0'), 'PHOTO')).toEqual(['PHOTO:data:image/png;base64,iVBORw0KGgo=']);
  });

  it('folds a large photo within 75 octets per line', () => {
    const big = contact('big', (x) => ((x.displayName = 'Big'), (x.photo = { mediaType: 'image/jpeg', base64: Buffer.alloc(30_000, 0xab).toString('base64') })));
    for (const version of VERSIONS) {
      const vcf = card(big, version);
      const [py] = validated(vcf);
      if (version === '3.0') expect(py!.props.PHOTO![0]!.value).toEqual({ bytes: 30_000 });
    }
  });
});

describe('hostile values', () => {
  const hostile = [
    'commas, semicolons; backslash \\ and a \\n that is not a newline',
    'line one\nline two\r\nline three\rline four',
    'END:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:Injected\r\nEND:VCARD',
    `${'x'.repeat(70)}😀${'y'.repeat(71)}中文${'z'.repeat(69)}é👨‍👩‍👧`,
    'ctrl\u0000\u0001\u0007\u001b\u007f chars\tand tab',
    '\u2028 line sep \u2029 para sep \u0085 NEL',
    'a lone \ud800 surrogate',
    Array.from({ length: 10_000 }, (_, i) => 'aé中😀,;\\\n:'[i % 10]).join(''),
  ];

  for (const version of VERSIONS) {
    it(`vCard ${version}: every hostile note and name stays one value of one card`, () => {
      const contacts = hostile.map((text, i) =>
        contact(`h${i}`, (c) => {
          c.displayName = text;
          c.notes = [text];
          c.organizations = [{ company: text, title: text }];
          c.phones = [{ value: '+1 555 0100', type: 'custom', label: text }];
        }),
      );
      const vcf = contacts.map((c) => card(c, version)).join('');
      const py = validated(vcf);
      expect(py).toHaveLength(hostile.length);
      const js = icalJsCards(vcf);
      hostile.forEach((text, i) => {
        const clean = sanitizeText(text);
        const fn = clean.replace(/\s+/g, ' ').trim();
        expect(py[i]!.fn).toEqual([fn]);
        expect(py[i]!.note).toEqual([clean]);
        expect(py[i]!.props.ORG![0]!.value).toEqual([clean]);
        const asText = (v: unknown): unknown => (version === '3.0' ? icalJsText(v) : v);
        expect(asText(js[i]!.getFirstPropertyValue('fn'))).toBe(fn);
        expect(asText(js[i]!.getFirstPropertyValue('note'))).toBe(clean);
      });
      expect(lines(vcf).filter((l) => l === 'BEGIN:VCARD')).toHaveLength(hostile.length);
    });
  }
});
