import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../adapters/errors.ts';
import type { Contact } from '../model/contact.ts';
import { emptyContact } from '../model/contact.ts';
import { writeCalendarDb, writeContactsDb } from '../sim/android-provider-writer.ts';
import { DELETED_RAW_CONTACT, demoContacts } from '../sim/images/demo-data.ts';
import { makeJpeg, makePng } from '../sim/jpeg-fixture.ts';
import { contactsReadPlan, parseAndroidEventDate, readAndroidContacts } from './android-contacts-db.ts';
import { IM_PROTOCOLS, MIMETYPE, PHONE_TYPES } from './android-contacts-vocabulary.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const realData = path.resolve(repoRoot, '../shared/real-data');
const realContactsDb = path.join(realData, 'android', 'contacts2_oldversion.db');
const hasRealData = fs.existsSync(realContactsDb);
if (!hasRealData) console.warn(`${realData} is absent: the tests on AOSP's real contacts2.db are skipped`);

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-contacts-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
function dbWith(contacts: Contact[], options?: Parameters<typeof writeContactsDb>[2]): string {
  const file = path.join(tmp, `c${++counter}.db`);
  writeContactsDb(file, contacts, options);
  return file;
}

function contact(sourceKey: string, fill: (c: Contact) => void = () => {}): Contact {
  const c = emptyContact(sourceKey);
  fill(c);
  return c;
}

/** Runs SQL on a written database, to shape cases the writer does not make on purpose. */
function edit(file: string, sql: string): void {
  const db = new Database(file);
  db.pragma('foreign_keys = OFF'); // as on Android, which never enforces them here
  db.exec(sql);
  db.close();
}

describe('readAndroidContacts on AOSP’s own contacts2.db (schema 1603)', () => {
  it.skipIf(!hasRealData)('reads both contacts with their names, phones, organisation, account and group', () => {
    const contacts = [...readAndroidContacts(realContactsDb)];
    expect(contacts).toHaveLength(2);
    const account = { type: 'com.google', name: 'shuoqtest@gmail.com' };
    expect(contacts[0]).toMatchObject({
      sourceKey: '1123ifde6d9688256e1b',
      accounts: [account],
      displayName: 'Test Test',
      name: { given: 'Test', family: 'Test' },
      phones: [{ value: '(631) 605-6461', type: 'mobile' }],
      organizations: [{ company: 'G' }],
      groups: ['My Contacts'],
      starred: false,
    });
    expect(contacts[1]).toMatchObject({
      sourceKey: '1123i39cda2fd8e012ed0',
      accounts: [account],
      displayName: 'Hhh Sss',
      name: { given: 'Hhh', family: 'Sss' },
      phones: [{ value: '(987) 654-3210', type: 'mobile' }],
    });
    // Its note and nickname rows are empty: they must not become empty values.
    expect(contacts.flatMap((c) => [...c.notes, ...c.nicknames])).toEqual([]);
  });

  it.skipIf(!hasRealData)('leaves the folder of the database exactly as it was', () => {
    const folder = path.dirname(realContactsDb);
    const before = fs.readdirSync(folder).map((name) => [name, fs.statSync(path.join(folder, name)).mtimeMs]);
    [...readAndroidContacts(realContactsDb)];
    expect(fs.readdirSync(folder).map((name) => [name, fs.statSync(path.join(folder, name)).mtimeMs])).toEqual(before);
  });

  it.skipIf(!hasRealData)('streams: SQLite walks the indexes in order and sorts nothing', () => {
    const plan = contactsReadPlan(realContactsDb);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });
});

describe('readAndroidContacts on databases in AOSP’s schema', () => {
  it('gives back every field of the model, contact by contact (current schema)', () => {
    const expected = demoContacts();
    expect([...readAndroidContacts(dbWith(expected))]).toEqual(expected);
  });

  it('gives back every field of the model with the pre-4.1 schema (accounts on raw_contacts)', () => {
    const expected = demoContacts();
    const file = dbWith(expected, { legacySchema: true });
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'accounts'").get()).toBeUndefined();
    db.close();
    expect([...readAndroidContacts(file)]).toEqual(expected);
  });

  it('joins mimetypes by their string: ids differ from one phone to the next', () => {
    const expected = demoContacts();
    const file = dbWith(expected);
    edit(file, `
      UPDATE mimetypes SET _id = 1000 - _id;
      UPDATE data SET mimetype_id = 1000 - mimetype_id;`);
    expect([...readAndroidContacts(file)]).toEqual(expected);
  });

  it('streams: SQLite walks the indexes in order and sorts nothing', () => {
    for (const legacySchema of [false, true]) {
      const plan = contactsReadPlan(dbWith(demoContacts(), { legacySchema })).join('\n');
      expect(plan).toMatch(/raw_contacts_contact_id_index/);
      expect(plan).toMatch(/data_raw_contact_id/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('skips deleted raw contacts, even inside a live aggregate', () => {
    const live = demoContacts();
    const alone = contact('deleted-alone', (c) => {
      c.displayName = 'Gone Entirely';
      c.phones = [{ value: '+1 555 0199', type: 'mobile' }];
    });
    const file = dbWith(live, {
      deletedRawContacts: [{ contact: DELETED_RAW_CONTACT, aggregateWith: live[0]!.sourceKey }, { contact: alone }],
    });
    const read = [...readAndroidContacts(file)];
    expect(read).toEqual(live);
    const everything = JSON.stringify(read);
    expect(everything).not.toContain('+49 30 0000000');
    expect(everything).not.toContain('Gone Entirely');
    expect(everything).not.toContain('must not be rescued');
  });

  it('merges the raw contacts of one aggregate: accounts, values once, primary if any says so', () => {
    const file = dbWith([
      contact('merged', (c) => {
        c.accounts = [{ type: 'com.google', name: 'a@example.com' }, { type: 'com.whatsapp', name: 'WhatsApp' }];
        c.displayName = 'Merged Person';
        c.name = { given: 'Merged', family: 'Person' };
        c.phones = [{ value: '+1 555 0100', type: 'mobile' }, { value: '+1 555 0101', type: 'home' }];
      }),
    ]);
    // The WhatsApp copy of the phone says "primary"; the Google one does not.
    edit(file, `UPDATE data SET is_primary = 1 WHERE raw_contact_id = 2 AND data1 = '+1 555 0100'`);
    edit(file, `INSERT INTO data (mimetype_id, raw_contact_id, data1, data2)
                SELECT _id, 2, 'whatsapp-only@example.com', '3' FROM mimetypes WHERE mimetype = '${MIMETYPE.email}'`);
    const [merged] = [...readAndroidContacts(file)];
    expect(merged!.accounts).toEqual([{ type: 'com.google', name: 'a@example.com' }, { type: 'com.whatsapp', name: 'WhatsApp' }]);
    expect(merged!.phones).toEqual([
      { value: '+1 555 0100', type: 'mobile', primary: true },
      { value: '+1 555 0101', type: 'home' },
    ]);
    expect(merged!.emails).toEqual([{ value: 'whatsapp-only@example.com', type: 'other' }]);
    expect(merged!.name).toEqual({ given: 'Merged', family: 'Person' });
  });

  it('takes the name Android shows: the raw contact named by contacts.name_raw_contact_id', () => {
    const file = dbWith([
      contact('two-names', (c) => {
        c.accounts = [{ type: 'com.google', name: 'a@example.com' }, { type: 'org.telegram.messenger', name: 'Telegram' }];
        c.displayName = 'Google Name';
        c.name = { given: 'Google', family: 'Name' };
      }),
    ]);
    edit(file, `
      UPDATE raw_contacts SET display_name = 'Telegram Name' WHERE _id = 2;
      UPDATE data SET data1 = 'Telegram Name', data2 = 'Telegram' WHERE raw_contact_id = 2;
      UPDATE contacts SET name_raw_contact_id = 2;`);
    const [read] = [...readAndroidContacts(file)];
    expect(read!.displayName).toBe('Telegram Name');
    expect(read!.name).toEqual({ given: 'Telegram', family: 'Name' });
  });

  it('without name_raw_contact_id (old schema), takes the display name from the best source', () => {
    const file = dbWith(
      [contact('old', (c) => {
        c.accounts = [{ type: 'com.google', name: 'a@example.com' }, { type: 'com.example', name: 'x' }];
        c.displayName = 'From An Email';
      })],
      { legacySchema: true },
    );
    // 10 = from an e-mail address, 40 = from a structured name.
    edit(file, `
      UPDATE raw_contacts SET display_name_source = 10 WHERE _id = 1;
      UPDATE raw_contacts SET display_name = 'From A Name', display_name_source = 40 WHERE _id = 2;`);
    expect([...readAndroidContacts(file)][0]!.displayName).toBe('From A Name');
  });

  it('is starred when the aggregate or any of its raw contacts is', () => {
    const file = dbWith([contact('s1'), contact('s2'), contact('s3')].map((c, i) => ({ ...c, displayName: `P${i}` })));
    edit(file, 'UPDATE contacts SET starred = 1 WHERE _id = 1; UPDATE raw_contacts SET starred = 1 WHERE _id = 2;');
    expect([...readAndroidContacts(file)].map((c) => c.starred)).toEqual([true, true, false]);
  });

  it('keeps raw contacts the aggregator has not reached yet, under their own key', () => {
    const file = dbWith([contact('linked', (c) => (c.displayName = 'Linked'))]);
    edit(file, `
      INSERT INTO raw_contacts (_id, account_id, contact_id, display_name) VALUES (50, 1, NULL, 'Not Yet Aggregated');
      INSERT INTO data (mimetype_id, raw_contact_id, data1, data2)
        SELECT _id, 50, '+1 555 0150', '2' FROM mimetypes WHERE mimetype = '${MIMETYPE.phone}';`);
    const read = [...readAndroidContacts(file)];
    expect(read.map((c) => c.sourceKey)).toEqual(['linked', 'raw_contact:50']);
    expect(read[1]).toMatchObject({ displayName: 'Not Yet Aggregated', phones: [{ value: '+1 555 0150', type: 'mobile' }] });
  });

  it('uses contact:<_id> when the aggregate has no lookup key', () => {
    const file = dbWith([contact('k1'), contact('k2')]);
    edit(file, "UPDATE contacts SET lookup = '' WHERE _id = 1; UPDATE contacts SET lookup = NULL WHERE _id = 2;");
    expect([...readAndroidContacts(file)].map((c) => c.sourceKey)).toEqual(['contact:1', 'contact:2']);
  });

  it('maps every phone type code, and keeps labels of custom and unknown types', () => {
    const c = contact('types', (c) => {
      c.phones = Object.values(PHONE_TYPES).filter((t) => t !== 'custom').map((type, i) => ({ value: `+1 555 01${String(i).padStart(2, '0')}`, type }));
      c.phones.push({ value: '+1 555 0199', type: 'custom', label: 'Boat' }, { value: '+1 555 0198', type: 'custom' });
    });
    const file = dbWith([c]);
    edit(file, `
      INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data3)
        SELECT _id, 1, '+1 555 0197', '99', 'Samsung special' FROM mimetypes WHERE mimetype = '${MIMETYPE.phone}';
      INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data3)
        SELECT _id, 1, '+1 555 0196', '99', NULL FROM mimetypes WHERE mimetype = '${MIMETYPE.phone}';
      INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data3)
        SELECT _id, 1, '+1 555 0195', NULL, NULL FROM mimetypes WHERE mimetype = '${MIMETYPE.phone}';`);
    const phones = [...readAndroidContacts(file)][0]!.phones;
    expect(phones.slice(0, c.phones.length)).toEqual(c.phones);
    expect(phones.slice(c.phones.length)).toEqual([
      { value: '+1 555 0197', type: 'custom', label: 'Samsung special' },
      { value: '+1 555 0196', type: 'other' },
      { value: '+1 555 0195', type: 'other' },
    ]);
  });

  it('maps every IM protocol code, and a custom protocol by its name', () => {
    const c = contact('ims', (c) => {
      c.ims = Object.values(IM_PROTOCOLS).map((protocol, i) => ({ handle: `h${i}`, protocol, type: 'home' }));
      c.ims.push({ handle: 'hx', protocol: 'Threema', type: 'work' });
    });
    expect([...readAndroidContacts(dbWith([c]))][0]!.ims).toEqual(c.ims);
    const file = dbWith([contact('raw-im')]);
    edit(file, `INSERT INTO data (mimetype_id, raw_contact_id, data1, data2, data5, data6)
                SELECT _id, 1, 'h', '3', '-1', NULL FROM mimetypes WHERE mimetype = '${MIMETYPE.im}'`);
    expect([...readAndroidContacts(file)][0]!.ims).toEqual([{ handle: 'h', protocol: 'custom', type: 'other' }]);
  });

  it('keeps a date it cannot read, with month and day 0 and the raw text', () => {
    const file = dbWith([contact('dates')]);
    edit(file, `INSERT INTO data (mimetype_id, raw_contact_id, data1, data2)
                SELECT _id, 1, 'next Tuesday', '3' FROM mimetypes WHERE mimetype = '${MIMETYPE.event}'`);
    expect([...readAndroidContacts(file)][0]!.dates).toEqual([{ type: 'birthday', month: 0, day: 0, raw: 'next Tuesday' }]);
  });

  it('gives the photo row the aggregate points at, typed by its bytes', () => {
    const png = makePng();
    const jpeg = makeJpeg({ fillByte: 10 });
    const file = dbWith([contact('photo', (c) => (c.photo = { mediaType: 'image/png', base64: png.toString('base64') }))]);
    expect([...readAndroidContacts(file)][0]!.photo).toEqual({ mediaType: 'image/png', base64: png.toString('base64') });
    const db = new Database(file);
    db.pragma('foreign_keys = OFF');
    const photoMime = (db.prepare('SELECT _id FROM mimetypes WHERE mimetype = ?').get(MIMETYPE.photo) as { _id: number })._id;
    const other = db.prepare('INSERT INTO data (mimetype_id, raw_contact_id, data15) VALUES (?, 1, ?)').run(photoMime, jpeg).lastInsertRowid;
    db.prepare('UPDATE contacts SET photo_id = ?').run(other);
    db.prepare('INSERT INTO data (mimetype_id, raw_contact_id, data15) VALUES (?, 1, ?)').run(photoMime, Buffer.from('junk'));
    db.close();
    expect([...readAndroidContacts(file)][0]!.photo).toEqual({ mediaType: 'image/jpeg', base64: jpeg.toString('base64') });
  });

  it('ignores data kinds it has no place for, and rows of apps (WhatsApp, identity)', () => {
    const file = dbWith([contact('apps', (c) => (c.displayName = 'App User'))]);
    edit(file, `
      INSERT INTO mimetypes (mimetype) VALUES ('vnd.android.cursor.item/vnd.com.whatsapp.profile');
      INSERT INTO data (mimetype_id, raw_contact_id, data1)
        SELECT _id, 1, 'Message +1 555 0100' FROM mimetypes WHERE mimetype LIKE '%whatsapp%';
      INSERT INTO data (mimetype_id, raw_contact_id, data1)
        SELECT _id, 1, 'some-identity' FROM mimetypes WHERE mimetype = '${MIMETYPE.identity}';`);
    expect([...readAndroidContacts(file)]).toEqual([{ ...emptyContact('apps'), displayName: 'App User' }]);
  });

  it('sees rows still in the write-ahead log of a database copied from a live phone', () => {
    const folder = fs.mkdtempSync(path.join(tmp, 'wal-'));
    const file = path.join(folder, 'contacts2.db');
    writeContactsDb(file, [contact('first', (c) => (c.displayName = 'First'))]);
    const writer = new Database(file);
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec(`INSERT INTO contacts (_id, lookup) VALUES (2, 'second');
                 INSERT INTO raw_contacts (account_id, contact_id, display_name) VALUES (1, 2, 'Only In The WAL');`);
    // Copy the three files as `adb pull` would, while the writer still holds the WAL open.
    const pulled = fs.mkdtempSync(path.join(tmp, 'pulled-'));
    for (const suffix of ['', '-wal']) fs.copyFileSync(file + suffix, path.join(pulled, `contacts2.db${suffix}`));
    writer.close();
    expect(fs.statSync(path.join(pulled, 'contacts2.db-wal')).size).toBeGreaterThan(0);
    const names = [...readAndroidContacts(path.join(pulled, 'contacts2.db'))].map((c) => c.displayName);
    expect(names).toEqual(['First', 'Only In The WAL']);
    // ... and nothing was added beside the pulled files.
    expect(fs.readdirSync(pulled).sort()).toEqual(['contacts2.db', 'contacts2.db-wal']);
  });

  it('reads a database copied in the middle of a write (hot journal) as its last committed state', () => {
    const folder = fs.mkdtempSync(path.join(tmp, 'hot-'));
    const file = path.join(folder, 'contacts2.db');
    writeContactsDb(file, [contact('a', (c) => (c.displayName = 'Committed'))]);
    const writer = new Database(file);
    writer.pragma('journal_mode = DELETE');
    writer.pragma('cache_size = 5'); // make SQLite spill the open transaction into the file
    writer.exec('BEGIN');
    const insert = writer.prepare('INSERT INTO data (mimetype_id, raw_contact_id, data1) VALUES (1, 1, ?)');
    for (let i = 0; i < 5000; i++) insert.run('x'.repeat(200));
    writer.exec("UPDATE raw_contacts SET display_name = 'Never Committed'");
    const pulled = fs.mkdtempSync(path.join(tmp, 'pulled-hot-'));
    for (const suffix of ['', '-journal']) fs.copyFileSync(file + suffix, path.join(pulled, `contacts2.db${suffix}`));
    writer.exec('ROLLBACK');
    writer.close();
    const before = fs.readdirSync(pulled).map((name) => fs.readFileSync(path.join(pulled, name)).length);
    expect([...readAndroidContacts(path.join(pulled, 'contacts2.db'))].map((c) => c.displayName)).toEqual(['Committed']);
    // The recovery happened on the private copy: the pulled files are as they were.
    expect(fs.readdirSync(pulled).map((name) => fs.readFileSync(path.join(pulled, name)).length)).toEqual(before);
  });

  it('removes its private copy when the reader stops early or finishes', () => {
    const privateTmp = fs.mkdtempSync(path.join(tmp, 'tmpdir-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      const file = dbWith(demoContacts());
      for (const c of readAndroidContacts(file)) {
        expect(fs.readdirSync(privateTmp)).toHaveLength(1); // the copy exists while reading
        if (c) break;
      }
      [...readAndroidContacts(file)];
      expect(fs.readdirSync(privateTmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

describe('readAndroidContacts refuses what is not a contacts database, with words a person can act on', () => {
  const expectBadInput = (file: string, message: RegExp) => {
    let error: unknown;
    try {
      [...readAndroidContacts(file)];
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(/is not an Android contacts database: /);
    expect((error as Error).message).toMatch(message);
  };

  it('a missing file', () => expectBadInput(path.join(tmp, 'nope.db'), /no such file/));
  it('a folder', () => expectBadInput(tmp, /not a file/));
  it('an empty file', () => {
    fs.writeFileSync(path.join(tmp, 'empty.db'), '');
    expectBadInput(path.join(tmp, 'empty.db'), /empty/);
  });
  it('a text file', () => {
    fs.writeFileSync(path.join(tmp, 'text.db'), 'hello, I am not SQLite\n'.repeat(20));
    expectBadInput(path.join(tmp, 'text.db'), /not an SQLite database/);
  });
  it('a JPEG named contacts2.db', () => {
    fs.writeFileSync(path.join(tmp, 'photo.db'), makeJpeg());
    expectBadInput(path.join(tmp, 'photo.db'), /not an SQLite database/);
  });
  it('a damaged SQLite file', () => {
    const file = dbWith(demoContacts());
    const bytes = fs.readFileSync(file);
    bytes.fill(0xa5, 100, 4096); // wreck the schema page, keep the header
    fs.writeFileSync(file, bytes);
    expectBadInput(file, /damaged|malformed/);
  });
  it('a calendar database', () => {
    const file = path.join(tmp, 'calendar.db');
    writeCalendarDb(file, []);
    expectBadInput(file, /it has no contacts, raw_contacts, data, mimetypes tables/);
  });
  it('an Android 1.x contacts.db', () => {
    const file = path.join(tmp, 'legacy1.db');
    edit(file, 'CREATE TABLE people (_id INTEGER PRIMARY KEY, name TEXT)');
    expectBadInput(file, /Android 1\.x/);
  });
  it('a database missing a column the reader needs', () => {
    const file = dbWith([contact('x')]);
    edit(file, 'ALTER TABLE raw_contacts RENAME COLUMN contact_id TO contact_ref');
    expectBadInput(file, /raw_contacts has no column contact_id/);
  });
});

describe('parseAndroidEventDate', () => {
  it.each([
    ['1985-04-12', { year: 1985, month: 4, day: 12 }],
    ['--07-14', { month: 7, day: 14 }],
    ['--0714', { month: 7, day: 14 }],
    ['--02-29', { month: 2, day: 29 }],
    ['19850412', { year: 1985, month: 4, day: 12 }],
    ['1985-4-2', { year: 1985, month: 4, day: 2 }],
    ['1985-04-12T00:00:00.000Z', { year: 1985, month: 4, day: 12 }],
    ['1985-04-12 23:59:59', { year: 1985, month: 4, day: 12 }],
    ['0000-05-12', { month: 5, day: 12 }],
    ['482112000000', { year: 1985, month: 4, day: 12 }], // milliseconds
    ['482112000', { year: 1985, month: 4, day: 12 }], // seconds
    ['-315619200', { year: 1960, month: 1, day: 1 }], // seconds before 1970
    [' 1985-04-12 ', { year: 1985, month: 4, day: 12 }],
  ])('reads %j', (raw, expected) => {
    expect(parseAndroidEventDate(raw)).toEqual(expected);
  });

  it.each(['', 'next Tuesday', '1985-13-01', '1985-02-30', '2023-02-29', '--13-01', '--00-10', '12.04.1985', '1985-04'])('refuses %j', (raw) => {
    expect(parseAndroidEventDate(raw)).toBeUndefined();
  });
});
