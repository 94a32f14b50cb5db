import Database from 'better-sqlite3';
import type { Contact, ContactDate, TypedValue } from '../../model/contact.ts';
import {
  ADDRESS_KEYS, ADDRESS_LABELS, appleLabel, DATE_LABELS, EMAIL_LABELS, IM_LABELS, IM_SERVICES, labelNameOf, NO_YEAR,
  PHONE_LABELS, PHONE_PLAIN_LABELS, PROPERTY, RELATION_LABELS, URL_LABELS,
} from '../../readers/ios-addressbook-vocabulary.ts';
import { MAC_EPOCH_OFFSET_SECONDS } from '../../readers/ios-plist.ts';

/**
 * The inverse of native/readers/ios-addressbook-db.ts, for fixtures: AddressBook.sqlitedb and
 * AddressBookImages.sqlitedb in iOS's schema (real table and column names, a subset of the
 * columns of iOS 9-17 as public forensic references document them). What the model has and
 * iOS has not (accounts, SIP addresses, starred) is not written.
 */
const ADDRESS_BOOK_SCHEMA = `
  CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
  CREATE TABLE ABStore (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, Type INTEGER,
    ConstraintsPath TEXT, ExternalModificationTag TEXT, ExternalSyncTag TEXT, AccountID INTEGER, Enabled INTEGER DEFAULT 1,
    SyncData BLOB, MeIdentifier INTEGER DEFAULT -1, Capabilities INTEGER DEFAULT 0);
  CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, FirstPhonetic TEXT,
    MiddlePhonetic TEXT, LastPhonetic TEXT, Organization TEXT, Department TEXT, Note TEXT, Kind INTEGER, Birthday TEXT,
    JobTitle TEXT, Nickname TEXT, Prefix TEXT, Suffix TEXT, FirstSort TEXT, LastSort TEXT, CreationDate INTEGER,
    ModificationDate INTEGER, CompositeNameFallback TEXT, ExternalIdentifier TEXT, ExternalModificationTag TEXT,
    ExternalUUID TEXT, StoreID INTEGER, DisplayName TEXT, ExternalRepresentation BLOB, FirstSortSection TEXT,
    LastSortSection TEXT, FirstSortLanguageIndex INTEGER DEFAULT 2147483647, LastSortLanguageIndex INTEGER DEFAULT 2147483647,
    PersonLink INTEGER DEFAULT -1, ImageURI TEXT, IsPreferredName INTEGER DEFAULT 1, guid TEXT, PhonemeData TEXT,
    AlternateBirthday TEXT, MapsData TEXT, FirstPronunciation TEXT, MiddlePronunciation TEXT, LastPronunciation TEXT,
    OrganizationPhonetic TEXT, OrganizationPronunciation TEXT, PreviousFamilyName TEXT);
  CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER,
    value TEXT, guid TEXT);
  CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
  CREATE TABLE ABMultiValueEntry (parent_id INTEGER, key INTEGER, value TEXT, UNIQUE(parent_id, key));
  CREATE TABLE ABMultiValueEntryKey (value TEXT, UNIQUE(value));
  CREATE TABLE ABGroup (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, Name TEXT, ExternalIdentifier TEXT, StoreID INTEGER,
    ExternalModificationTag TEXT, ExternalRepresentation BLOB, ExternalUUID TEXT, guid TEXT);
  CREATE TABLE ABGroupMembers (UID INTEGER PRIMARY KEY, group_id INTEGER, member_type INTEGER, member_id INTEGER,
    UNIQUE(group_id, member_type, member_id));
  CREATE INDEX ABMultiValueRecordIDIndex ON ABMultiValue(record_id);
  CREATE INDEX ABMultiValueEntryParentIndex ON ABMultiValueEntry(parent_id);`;

const IMAGES_SCHEMA = `
  CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
  CREATE TABLE ABFullSizeImage (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER, crop_x INTEGER, crop_y INTEGER,
    crop_width INTEGER, crop_height INTEGER, data BLOB, UNIQUE(record_id));
  CREATE TABLE ABThumbnailImage (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, record_id INTEGER, format INTEGER,
    derived_from_format INTEGER, data BLOB, UNIQUE(record_id, format));`;

/** Birthdays are written at noon UTC of their day; readers take the UTC day (see the README). */
function macSecondsOfDay(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day, 12) / 1000 - MAC_EPOCH_OFFSET_SECONDS;
}

export function writeIosAddressBook(dbPath: string, imagesDbPath: string, contacts: Contact[]): void {
  const db = new Database(dbPath);
  const images = new Database(imagesDbPath);
  try {
    db.exec(ADDRESS_BOOK_SCHEMA);
    images.exec(IMAGES_SCHEMA);
    db.prepare(`INSERT INTO _SqliteDatabaseProperties VALUES ('__CPRecordSequenceNumber', '1')`).run();
    db.prepare(`INSERT INTO ABStore (Name, Type) VALUES ('Local', 0)`).run();
    const person = db.prepare(`INSERT INTO ABPerson (First, Last, Middle, Prefix, Suffix, FirstPhonetic, MiddlePhonetic, LastPhonetic,
      Nickname, Organization, Department, JobTitle, Note, Birthday, Kind, StoreID, guid, CreationDate, ModificationDate)
      VALUES (@given, @family, @middle, @prefix, @suffix, @phoneticGiven, @phoneticMiddle, @phoneticFamily, @nickname,
        @company, @department, @title, @note, @birthday, 0, 1, @guid, 0, 0)`);
    const multiValue = db.prepare('INSERT INTO ABMultiValue (record_id, property, identifier, label, value) VALUES (?, ?, ?, ?, ?)');
    const labelId = idTable(db, 'ABMultiValueLabel');
    const keyId = idTable(db, 'ABMultiValueEntryKey');
    const entry = db.prepare('INSERT INTO ABMultiValueEntry (parent_id, key, value) VALUES (?, ?, ?)');
    const groupId = new Map<string, number>();
    const addGroup = db.prepare('INSERT INTO ABGroup (Name, StoreID) VALUES (?, 1)');
    const member = db.prepare('INSERT INTO ABGroupMembers (group_id, member_type, member_id) VALUES (?, 0, ?)');
    const fullImage = images.prepare('INSERT INTO ABFullSizeImage (record_id, crop_x, crop_y, crop_width, crop_height, data) VALUES (?, 0, 0, 0, 0, ?)');

    db.transaction(() => {
      for (const c of contacts) {
        const birthday = c.dates.find((d) => d.type === 'birthday');
        const org = c.organizations[0];
        const id = Number(person.run({
          given: c.name?.given ?? null, family: c.name?.family ?? null, middle: c.name?.middle ?? null,
          prefix: c.name?.prefix ?? null, suffix: c.name?.suffix ?? null, phoneticGiven: c.name?.phoneticGiven ?? null,
          phoneticMiddle: c.name?.phoneticMiddle ?? null, phoneticFamily: c.name?.phoneticFamily ?? null,
          nickname: c.nicknames[0] ?? null, company: org?.company ?? null, department: org?.department ?? null,
          title: org?.title ?? null, note: c.notes.length ? c.notes.join('\n') : null,
          birthday: birthday ? dateText(birthday) : null, guid: c.sourceKey,
        }).lastInsertRowid);
        let identifier = 0;
        const add = (property: number, value: string | null, label: string | undefined): number =>
          Number(multiValue.run(id, property, identifier++, label === undefined ? null : labelId(label), value).lastInsertRowid);
        for (const v of c.phones) add(PROPERTY.phone, v.value, labelOf(v, PHONE_LABELS, PHONE_PLAIN_LABELS));
        for (const v of c.emails) add(PROPERTY.email, v.value, labelOf(v, EMAIL_LABELS));
        for (const a of c.addresses) {
          const uid = add(PROPERTY.address, null, labelOf(a, ADDRESS_LABELS));
          for (const [key, field] of Object.entries(ADDRESS_KEYS)) {
            const value = a[field];
            if (value !== undefined) entry.run(uid, keyId(key), value);
          }
        }
        for (const v of c.websites) add(PROPERTY.url, v.value, labelOf(v, URL_LABELS));
        for (const v of c.relations) add(PROPERTY.relatedName, v.value, labelOf(v, RELATION_LABELS));
        for (const d of c.dates) if (d.type !== 'birthday') add(PROPERTY.date, dateText(d), labelOf(d, DATE_LABELS));
        for (const im of c.ims) {
          const uid = add(PROPERTY.instantMessage, null, labelOf(im, IM_LABELS));
          entry.run(uid, keyId('username'), im.handle);
          entry.run(uid, keyId('service'), Object.keys(IM_SERVICES).find((s) => IM_SERVICES[s] === im.protocol) ?? im.protocol);
        }
        for (const g of c.groups) {
          let gid = groupId.get(g);
          if (gid === undefined) {
            gid = Number(addGroup.run(g).lastInsertRowid);
            groupId.set(g, gid);
          }
          member.run(gid, id);
        }
        if (c.photo) fullImage.run(id, Buffer.from(c.photo.base64, 'base64'));
      }
    })();
  } finally {
    db.close();
    images.close();
  }
}

function dateText(d: ContactDate): string {
  return String(macSecondsOfDay(d.year ?? NO_YEAR, d.month, d.day));
}

/** The model's kind as the label iOS stores: Apple's own word (wrapped), a plain Apple word, or the user's text. */
function labelOf(v: Pick<TypedValue, 'type' | 'label'>, table: Record<string, string>, plain: Record<string, string> = {}): string | undefined {
  if (v.type === 'custom') return v.label;
  const apple = labelNameOf(table, v.type);
  if (apple) return appleLabel(apple);
  const plainWord = labelNameOf(plain, v.type);
  return plainWord ?? v.label ?? v.type;
}

/** A table of unique values (ABMultiValueLabel, ABMultiValueEntryKey): the ROWID of a value, added when new. */
function idTable(db: Database.Database, table: string): (value: string) => number {
  const find = db.prepare(`SELECT ROWID FROM ${table} WHERE value = ?`).pluck();
  const insert = db.prepare(`INSERT INTO ${table} (value) VALUES (?)`);
  return (value) => (find.get(value) as number | undefined) ?? Number(insert.run(value).lastInsertRowid);
}
