import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { Contact, TypedValue } from '../model/contact.ts';
import type { CalendarEvent, CalendarInfo, EventTime } from '../model/event.ts';
import {
  CUSTOM_TYPE, EMAIL_TYPES, EVENT_TYPES, IM_PROTOCOL_CUSTOM, IM_PROTOCOLS, IM_TYPES, MIMETYPE, PHONE_TYPES,
  POSTAL_TYPES, RELATION_TYPES, WEBSITE_TYPES, codeOf,
} from '../readers/android-contacts-vocabulary.ts';
import { ATTENDEE_RELATIONSHIP, ATTENDEE_STATUS, ATTENDEE_TYPE, EVENT_STATUS, REMINDER_METHOD } from '../readers/android-calendar-vocabulary.ts';

/**
 * The inverse of the provider readers: databases in AOSP's own schema (real table and column
 * names, a subset of the columns) for fixtures, the demo image and benchmarks. A database written
 * here must read back as the same model; that round trip is what the readers' tests rely on.
 * Everything happens in one transaction with prepared statements, so 100,000 contacts take
 * seconds.
 */

// ---- contacts2.db --------------------------------------------------------------------------

export interface ContactsDbOptions {
  /**
   * Write the schema of Android before 4.1 (contacts2.db version < 700): account_name and
   * account_type on raw_contacts and groups, no accounts table, no contacts.name_raw_contact_id.
   */
  legacySchema?: boolean;
  /**
   * Raw contacts marked deleted=1 (deleted on the phone, not yet synced), which readers must
   * skip. With `aggregateWith` (the sourceKey of a live contact) they hide inside that aggregate.
   */
  deletedRawContacts?: { contact: Contact; aggregateWith?: string }[];
}

/** Mimetype rows are inserted in an order unlike the phone's, so that ids differ from the real fixture's. */
const MIMETYPE_ORDER = [
  'vnd.com.google.cursor.item/contact_misc', MIMETYPE.website, MIMETYPE.sip, MIMETYPE.relation, MIMETYPE.postal,
  MIMETYPE.photo, MIMETYPE.phone, MIMETYPE.organization, MIMETYPE.note, MIMETYPE.nickname, MIMETYPE.name,
  MIMETYPE.im, MIMETYPE.identity, MIMETYPE.group, MIMETYPE.email, MIMETYPE.event,
];

function contactsSchema(legacy: boolean): string {
  const accountColumns = legacy ? 'account_name TEXT, account_type TEXT, data_set TEXT' : 'account_id INTEGER REFERENCES accounts(_id)';
  return `
    CREATE TABLE android_metadata (locale TEXT);
    ${legacy ? '' : `CREATE TABLE accounts (_id INTEGER PRIMARY KEY AUTOINCREMENT, account_name TEXT, account_type TEXT,
      data_set TEXT, ungrouped_visible INTEGER NOT NULL DEFAULT 0, should_sync INTEGER NOT NULL DEFAULT 1);`}
    CREATE TABLE contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT,
      ${legacy ? '' : 'name_raw_contact_id INTEGER REFERENCES raw_contacts(_id),'}
      photo_id INTEGER REFERENCES data(_id), photo_file_id INTEGER, custom_ringtone TEXT,
      send_to_voicemail INTEGER NOT NULL DEFAULT 0, times_contacted INTEGER NOT NULL DEFAULT 0,
      last_time_contacted INTEGER, starred INTEGER NOT NULL DEFAULT 0, pinned INTEGER NOT NULL DEFAULT 0,
      has_phone_number INTEGER NOT NULL DEFAULT 0, lookup TEXT, status_update_id INTEGER,
      contact_last_updated_timestamp INTEGER);
    CREATE TABLE raw_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, ${accountColumns}, sourceid TEXT,
      raw_contact_is_read_only INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 1,
      dirty INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,
      contact_id INTEGER REFERENCES contacts(_id), aggregation_mode INTEGER NOT NULL DEFAULT 0,
      aggregation_needed INTEGER NOT NULL DEFAULT 1, starred INTEGER NOT NULL DEFAULT 0,
      pinned INTEGER NOT NULL DEFAULT 0, display_name TEXT, display_name_alt TEXT,
      display_name_source INTEGER NOT NULL DEFAULT 0, phonetic_name TEXT, phonetic_name_style TEXT,
      sync1 TEXT, sync2 TEXT, sync3 TEXT, sync4 TEXT);
    CREATE TABLE mimetypes (_id INTEGER PRIMARY KEY AUTOINCREMENT, mimetype TEXT NOT NULL);
    CREATE TABLE data (_id INTEGER PRIMARY KEY AUTOINCREMENT, package_id INTEGER,
      mimetype_id INTEGER REFERENCES mimetypes(_id) NOT NULL, raw_contact_id INTEGER REFERENCES raw_contacts(_id) NOT NULL,
      hash_id TEXT, is_read_only INTEGER NOT NULL DEFAULT 0, is_primary INTEGER NOT NULL DEFAULT 0,
      is_super_primary INTEGER NOT NULL DEFAULT 0, data_version INTEGER NOT NULL DEFAULT 0,
      data1 TEXT, data2 TEXT, data3 TEXT, data4 TEXT, data5 TEXT, data6 TEXT, data7 TEXT, data8 TEXT,
      data9 TEXT, data10 TEXT, data11 TEXT, data12 TEXT, data13 TEXT, data14 TEXT, data15 TEXT,
      data_sync1 TEXT, data_sync2 TEXT, data_sync3 TEXT, data_sync4 TEXT);
    CREATE TABLE groups (_id INTEGER PRIMARY KEY AUTOINCREMENT, package_id INTEGER, ${accountColumns},
      sourceid TEXT, version INTEGER NOT NULL DEFAULT 1, dirty INTEGER NOT NULL DEFAULT 0, title TEXT,
      title_res INTEGER, notes TEXT, system_id TEXT, deleted INTEGER NOT NULL DEFAULT 0,
      group_visible INTEGER NOT NULL DEFAULT 0, should_sync INTEGER NOT NULL DEFAULT 1,
      auto_add INTEGER NOT NULL DEFAULT 0, favorites INTEGER NOT NULL DEFAULT 0,
      group_is_read_only INTEGER NOT NULL DEFAULT 0, sync1 TEXT, sync2 TEXT, sync3 TEXT, sync4 TEXT);`;
}

/** Indexes are made after the rows are in: faster, and the same result. Names are AOSP's. */
const CONTACTS_INDEXES = `
  CREATE UNIQUE INDEX mime_type ON mimetypes (mimetype);
  CREATE INDEX raw_contacts_contact_id_index ON raw_contacts (contact_id);
  CREATE INDEX data_raw_contact_id ON data (raw_contact_id);
  CREATE INDEX data_mimetype_data1_index ON data (mimetype_id, data1);
  CREATE INDEX contacts_has_phone_index ON contacts (has_phone_number);`;

/** Android's RawContacts.DISPLAY_NAME_SOURCE for a name from a StructuredName row. */
const DISPLAY_NAME_SOURCE_STRUCTURED_NAME = 40;

type DataFields = Partial<Record<`data${number}`, string | number | Buffer | null>>;

export function writeContactsDb(dbPath: string, contacts: Iterable<Contact>, options: ContactsDbOptions = {}): void {
  const legacy = options.legacySchema ?? false;
  const db = createDatabase(dbPath);
  try {
    db.exec(contactsSchema(legacy));
    db.prepare('INSERT INTO android_metadata (locale) VALUES (?)').run('en_US');
    const insertMimetype = db.prepare('INSERT INTO mimetypes (mimetype) VALUES (?)');
    const mimetypeIds = new Map(MIMETYPE_ORDER.map((m) => [m, Number(insertMimetype.run(m).lastInsertRowid)]));

    const insertAccount = legacy ? undefined : db.prepare('INSERT INTO accounts (account_name, account_type) VALUES (?, ?)');
    const insertRaw = db.prepare(
      legacy
        ? `INSERT INTO raw_contacts (account_name, account_type, contact_id, deleted, starred, display_name, display_name_source, sourceid)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
        : `INSERT INTO raw_contacts (account_id, contact_id, deleted, starred, display_name, display_name_source, sourceid)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertGroup = db.prepare(
      legacy
        ? 'INSERT INTO groups (account_name, account_type, title, group_visible) VALUES (?, ?, ?, 1)'
        : 'INSERT INTO groups (account_id, title, group_visible) VALUES (?, ?, 1)',
    );
    const insertContact = db.prepare(
      legacy
        ? `INSERT INTO contacts (_id, photo_id, starred, has_phone_number, lookup) VALUES (?, ?, ?, ?, ?)`
        : `INSERT INTO contacts (_id, name_raw_contact_id, photo_id, starred, has_phone_number, lookup) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const dataColumns = Array.from({ length: 15 }, (_, i) => `data${i + 1}`);
    const insertData = db.prepare(
      `INSERT INTO data (mimetype_id, raw_contact_id, is_primary, is_super_primary, ${dataColumns.join(', ')})
       VALUES (?, ?, ?, ?, ${dataColumns.map(() => '?').join(', ')})`,
    );

    const accountIds = new Map<string, number>();
    const accountIdOf = (account: { type: string; name: string } | null): number => {
      const key = account ? `${account.type}\0${account.name}` : '';
      let id = accountIds.get(key);
      if (id === undefined) {
        id = Number(insertAccount!.run(account?.name ?? null, account?.type ?? null).lastInsertRowid);
        accountIds.set(key, id);
      }
      return id;
    };
    const groupIds = new Map<string, number>();
    const groupIdOf = (title: string, account: { type: string; name: string } | null): number => {
      const key = `${account?.type ?? ''}\0${account?.name ?? ''}\0${title}`;
      let id = groupIds.get(key);
      if (id === undefined) {
        const owner = legacy ? [account?.name ?? null, account?.type ?? null] : [accountIdOf(account)];
        id = Number(insertGroup.run(...owner, title).lastInsertRowid);
        groupIds.set(key, id);
      }
      return id;
    };
    const addData = (rawId: number, mimetype: string, fields: DataFields, primary = false): number => {
      const values = dataColumns.map((column) => fields[column as `data${number}`] ?? null);
      return Number(insertData.run(mimetypeIds.get(mimetype), rawId, primary ? 1 : 0, primary ? 1 : 0, ...values).lastInsertRowid);
    };
    const addRaw = (account: { type: string; name: string } | null, contactId: number, contact: Contact, deleted: boolean): number => {
      const values = [
        contactId, deleted ? 1 : 0, contact.starred ? 1 : 0, contact.displayName ?? null,
        contact.displayName !== undefined ? DISPLAY_NAME_SOURCE_STRUCTURED_NAME : 0, null,
      ];
      const owner = legacy ? [account?.name ?? null, account?.type ?? null] : [accountIdOf(account)];
      return Number(insertRaw.run(...owner, ...values).lastInsertRowid);
    };

    const contactIds = new Map<string, number>();
    const wanted = new Set((options.deletedRawContacts ?? []).flatMap((d) => (d.aggregateWith ? [d.aggregateWith] : [])));
    let nextContactId = 1;
    const takeContactId = (sourceKey: string): number => {
      // A reader gives "contact:<id>" for an aggregate without a lookup key: write it back that way.
      const explicit = /^contact:(\d+)$/.exec(sourceKey);
      const id = explicit ? Number(explicit[1]) : nextContactId;
      nextContactId = Math.max(nextContactId, id + 1);
      return id;
    };

    db.transaction(() => {
      for (const contact of contacts) {
        const contactId = takeContactId(contact.sourceKey);
        if (wanted.has(contact.sourceKey)) contactIds.set(contact.sourceKey, contactId);
        const accounts = contact.accounts.length > 0 ? contact.accounts : [null];
        const rawIds = accounts.map((account) => addRaw(account, contactId, contact, false));
        const photoId = writeContactData(contact, rawIds[0]!, accounts[0]!, addData, groupIdOf);
        // Other accounts hold their own copy of the name and first phone, as synced accounts do;
        // the reader must merge them back into one.
        for (const rawId of rawIds.slice(1)) writeSharedData(contact, rawId, addData);
        const lookup = /^contact:\d+$/.test(contact.sourceKey) ? null : contact.sourceKey;
        const common = [photoId ?? null, contact.starred ? 1 : 0, contact.phones.length > 0 ? 1 : 0, lookup];
        insertContact.run(contactId, ...(legacy ? [] : [rawIds[0]]), ...common);
      }
      for (const { contact, aggregateWith } of options.deletedRawContacts ?? []) {
        let contactId = aggregateWith !== undefined ? contactIds.get(aggregateWith) : undefined;
        if (contactId === undefined) {
          contactId = takeContactId(contact.sourceKey);
          const lookup = /^contact:\d+$/.test(contact.sourceKey) ? null : contact.sourceKey;
          insertContact.run(contactId, ...(legacy ? [] : [null]), null, 0, 0, lookup);
        }
        const account = contact.accounts[0] ?? null;
        const rawId = addRaw(account, contactId, contact, true);
        writeContactData(contact, rawId, account, addData, groupIdOf);
      }
    })();
    db.exec(CONTACTS_INDEXES);
    db.pragma('user_version = 1701');
  } finally {
    finishDatabase(db);
  }
}

type AddData = (rawId: number, mimetype: string, fields: DataFields, primary?: boolean) => number;

/** Writes every field of the model as the data rows Android would have; returns the photo row id. */
function writeContactData(
  contact: Contact,
  rawId: number,
  account: { type: string; name: string } | null,
  addData: AddData,
  groupIdOf: (title: string, account: { type: string; name: string } | null) => number,
): number | undefined {
  writeName(contact, rawId, addData);
  for (const phone of contact.phones) addData(rawId, MIMETYPE.phone, typed(phone, PHONE_TYPES), phone.primary);
  for (const email of contact.emails) addData(rawId, MIMETYPE.email, typed(email, EMAIL_TYPES), email.primary);
  for (const site of contact.websites) addData(rawId, MIMETYPE.website, typed(site, WEBSITE_TYPES), site.primary);
  for (const relation of contact.relations) addData(rawId, MIMETYPE.relation, typed(relation, RELATION_TYPES), relation.primary);
  for (const a of contact.addresses) {
    addData(rawId, MIMETYPE.postal, {
      ...typeCode(a.type, a.label, POSTAL_TYPES),
      data1: a.formatted, data4: a.street, data5: a.poBox, data6: a.neighborhood, data7: a.city,
      data8: a.region, data9: a.postcode, data10: a.country,
    });
  }
  for (const o of contact.organizations) {
    // data2 = 1 is Organization.TYPE_WORK, what the Contacts app writes.
    addData(rawId, MIMETYPE.organization, {
      data1: o.company, data2: '1', data4: o.title, data5: o.department, data6: o.jobDescription, data9: o.officeLocation,
    });
  }
  for (const im of contact.ims) {
    const protocol = codeOf(IM_PROTOCOLS, im.protocol);
    addData(rawId, MIMETYPE.im, {
      data1: im.handle,
      ...typeCode(im.type, im.label, IM_TYPES),
      data5: String(protocol ?? IM_PROTOCOL_CUSTOM),
      data6: protocol === undefined ? im.protocol : null,
    });
  }
  for (const date of contact.dates) {
    addData(rawId, MIMETYPE.event, { data1: date.raw || formatEventDate(date), ...typeCode(date.type, date.label, EVENT_TYPES) });
  }
  for (const note of contact.notes) addData(rawId, MIMETYPE.note, { data1: note });
  // data2 = 1 is Nickname.TYPE_DEFAULT.
  for (const nickname of contact.nicknames) addData(rawId, MIMETYPE.nickname, { data1: nickname, data2: '1' });
  for (const sip of contact.sipAddresses) addData(rawId, MIMETYPE.sip, { data1: sip });
  for (const title of contact.groups) addData(rawId, MIMETYPE.group, { data1: String(groupIdOf(title, account)) });
  if (contact.photo) {
    return addData(rawId, MIMETYPE.photo, { data15: Buffer.from(contact.photo.base64, 'base64') }, true);
  }
  return undefined;
}

function writeSharedData(contact: Contact, rawId: number, addData: AddData): void {
  writeName(contact, rawId, addData);
  const phone = contact.phones[0];
  if (phone) addData(rawId, MIMETYPE.phone, typed(phone, PHONE_TYPES), phone.primary);
}

function writeName(contact: Contact, rawId: number, addData: AddData): void {
  const n = contact.name;
  if (!n) return;
  addData(rawId, MIMETYPE.name, {
    data1: contact.displayName, data2: n.given, data3: n.family, data4: n.prefix, data5: n.middle, data6: n.suffix,
    data7: n.phoneticGiven, data8: n.phoneticMiddle, data9: n.phoneticFamily,
  }, true);
}

function typed(item: TypedValue, types: Readonly<Record<number, string>>): DataFields {
  return { data1: item.value, ...typeCode(item.type, item.label, types) };
}

/** A word Android has no code for is kept as a custom label rather than lost. */
function typeCode(type: string, label: string | undefined, types: Readonly<Record<number, string>>): DataFields {
  const code = codeOf(types, type);
  if (code === undefined) return { data2: String(CUSTOM_TYPE), data3: label ?? type };
  return { data2: String(code), data3: code === CUSTOM_TYPE ? (label ?? null) : null };
}

function formatEventDate(date: { year?: number; month: number; day: number }): string {
  const mmdd = `${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
  return date.year === undefined ? `--${mmdd}` : `${String(date.year).padStart(4, '0')}-${mmdd}`;
}

// ---- calendar.db ---------------------------------------------------------------------------

export interface CalendarDbOptions {
  /** Events marked deleted=1 (deleted on the phone, not yet synced), which readers must skip. */
  deletedEvents?: CalendarEvent[];
}

const CALENDAR_SCHEMA = `
  CREATE TABLE android_metadata (locale TEXT);
  CREATE TABLE Calendars (_id INTEGER PRIMARY KEY, account_name TEXT, account_type TEXT, _sync_id TEXT,
    dirty INTEGER, name TEXT, calendar_displayName TEXT, calendar_color INTEGER, calendar_access_level INTEGER,
    visible INTEGER NOT NULL DEFAULT 1, sync_events INTEGER NOT NULL DEFAULT 0, calendar_location TEXT,
    calendar_timezone TEXT, ownerAccount TEXT, isPrimary INTEGER, deleted INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE Events (_id INTEGER PRIMARY KEY AUTOINCREMENT, _sync_id TEXT, dirty INTEGER,
    lastSynced INTEGER DEFAULT 0, calendar_id INTEGER NOT NULL, title TEXT, eventLocation TEXT,
    description TEXT, eventColor INTEGER, eventStatus INTEGER, selfAttendeeStatus INTEGER NOT NULL DEFAULT 0,
    dtstart INTEGER, dtend INTEGER, eventTimezone TEXT, duration TEXT, allDay INTEGER NOT NULL DEFAULT 0,
    accessLevel INTEGER NOT NULL DEFAULT 0, availability INTEGER NOT NULL DEFAULT 0,
    hasAlarm INTEGER NOT NULL DEFAULT 0, hasExtendedProperties INTEGER NOT NULL DEFAULT 0, rrule TEXT,
    rdate TEXT, exrule TEXT, exdate TEXT, original_id INTEGER, original_sync_id TEXT,
    originalInstanceTime INTEGER, originalAllDay INTEGER, lastDate INTEGER,
    hasAttendeeData INTEGER NOT NULL DEFAULT 0, guestsCanModify INTEGER NOT NULL DEFAULT 0,
    guestsCanInviteOthers INTEGER NOT NULL DEFAULT 1, guestsCanSeeGuests INTEGER NOT NULL DEFAULT 1,
    organizer STRING, isOrganizer INTEGER, deleted INTEGER NOT NULL DEFAULT 0, eventEndTimezone TEXT,
    customAppPackage TEXT, customAppUri TEXT, uid2445 TEXT);
  CREATE TABLE Attendees (_id INTEGER PRIMARY KEY, event_id INTEGER, attendeeName TEXT, attendeeEmail TEXT,
    attendeeStatus INTEGER, attendeeRelationship INTEGER, attendeeType INTEGER, attendeeIdentity TEXT,
    attendeeIdNamespace TEXT);
  CREATE TABLE Reminders (_id INTEGER PRIMARY KEY, event_id INTEGER, minutes INTEGER,
    method INTEGER NOT NULL DEFAULT 0);`;

const CALENDAR_INDEXES = `
  CREATE INDEX eventsCalendarIdIndex ON Events (calendar_id);
  CREATE INDEX attendeesEventIdIndex ON Attendees (event_id);
  CREATE INDEX remindersEventIdIndex ON Reminders (event_id);`;

export function writeCalendarDb(dbPath: string, events: Iterable<CalendarEvent>, options: CalendarDbOptions = {}): void {
  const db = createDatabase(dbPath);
  try {
    db.exec(CALENDAR_SCHEMA);
    db.prepare('INSERT INTO android_metadata (locale) VALUES (?)').run('en_US');
    const insertCalendar = db.prepare(
      `INSERT INTO Calendars (_id, account_name, account_type, name, calendar_displayName, calendar_color,
         calendar_access_level, visible, sync_events, calendar_timezone, ownerAccount)
       VALUES (?, ?, ?, ?, ?, ?, 700, 1, 1, ?, ?)`,
    );
    const insertEvent = db.prepare(
      `INSERT INTO Events (_id, _sync_id, dirty, calendar_id, title, eventLocation, description, eventStatus,
         dtstart, dtend, eventTimezone, eventEndTimezone, duration, allDay, hasAlarm, hasAttendeeData,
         rrule, rdate, exrule, exdate, original_id, original_sync_id, originalInstanceTime, originalAllDay,
         organizer, deleted, uid2445)
       VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertAttendee = db.prepare(
      `INSERT INTO Attendees (event_id, attendeeName, attendeeEmail, attendeeStatus, attendeeRelationship, attendeeType)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const insertReminder = db.prepare('INSERT INTO Reminders (event_id, minutes, method) VALUES (?, ?, ?)');

    const calendarIds = new Map<string, number>();
    let nextCalendarId = 1;
    const calendarIdOf = (calendar: CalendarInfo): number => {
      let id = calendarIds.get(calendar.sourceKey);
      if (id === undefined) {
        id = numericKey(calendar.sourceKey) ?? nextCalendarId;
        nextCalendarId = Math.max(nextCalendarId, id + 1);
        calendarIds.set(calendar.sourceKey, id);
        insertCalendar.run(
          id, calendar.accountName ?? null, calendar.accountType ?? null, calendar.displayName, calendar.displayName,
          calendar.color ?? null, calendar.timeZone ?? null, calendar.ownerAccount ?? null,
        );
      }
      return id;
    };
    const eventIds = new Map<string, number>();
    let nextEventId = 1;
    const writeEvent = (event: CalendarEvent, deleted: boolean) => {
      const id = numericKey(event.sourceKey) ?? nextEventId;
      nextEventId = Math.max(nextEventId, id + 1);
      eventIds.set(event.sourceKey, id);
      const startZone = event.start.kind === 'instant' ? event.start.timeZone : 'UTC';
      const endZone = event.end?.kind === 'instant' ? event.end.timeZone : event.end ? 'UTC' : null;
      const original = event.original;
      const originalId = original?.sourceKey !== undefined ? (eventIds.get(original.sourceKey) ?? numericKey(original.sourceKey) ?? null) : null;
      const joined = (values: string[]) => (values.length > 0 ? values.join('\n') : null);
      insertEvent.run(
        id, event.syncId ?? null, calendarIdOf(event.calendar), event.title ?? null, event.location ?? null,
        event.description ?? null, event.status !== undefined ? (codeOf(EVENT_STATUS, event.status) ?? null) : null,
        utcMillisOf(event.start), event.end ? utcMillisOf(event.end) : null, startZone, endZone, event.duration ?? null,
        event.allDay ? 1 : 0, event.reminders.length > 0 ? 1 : 0, event.attendees.length > 0 ? 1 : 0,
        joined(event.rrule), joined(event.rdate), joined(event.exrule), joined(event.exdate),
        originalId, original?.syncId ?? null, original ? utcMillisOf(original.instanceStart) : null,
        original ? (original.instanceStart.kind === 'date' ? 1 : 0) : null,
        event.organizer ?? null, deleted ? 1 : 0, event.uid ?? null,
      );
      for (const a of event.attendees) {
        insertAttendee.run(
          id, a.name ?? null, a.email ?? null, codeOf(ATTENDEE_STATUS, a.status) ?? 0,
          codeOf(ATTENDEE_RELATIONSHIP, a.relationship) ?? 0, codeOf(ATTENDEE_TYPE, a.role) ?? 0,
        );
      }
      for (const r of event.reminders) insertReminder.run(id, r.minutes, codeOf(REMINDER_METHOD, r.method) ?? 0);
    };

    db.transaction(() => {
      for (const event of events) writeEvent(event, false);
      for (const event of options.deletedEvents ?? []) writeEvent(event, true);
    })();
    db.exec(CALENDAR_INDEXES);
    db.pragma('user_version = 601');
  } finally {
    finishDatabase(db);
  }
}

function utcMillisOf(time: EventTime): number {
  return time.kind === 'instant' ? time.utcMillis : Date.UTC(time.year, time.month - 1, time.day);
}

function numericKey(key: string): number | undefined {
  return /^[1-9]\d{0,14}$/.test(key) ? Number(key) : undefined;
}

// ---- shared --------------------------------------------------------------------------------

/** A fresh file (any old one and its journals removed), fast settings while writing. */
function createDatabase(dbPath: string): Database.Database {
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(dbPath + suffix, { force: true });
  const db = new Database(dbPath);
  // Android never enforces foreign keys here (AOSP's own DDL even references a table "mimetype"
  // that does not exist; ours names "mimetypes"); better-sqlite3 turns them on by default, and
  // rows are written before the ones they point to.
  db.pragma('foreign_keys = OFF');
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  return db;
}

/** Phones keep these databases in WAL mode; the header says so, and closing folds the WAL in. */
function finishDatabase(db: Database.Database): void {
  try {
    if (db.open) db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
}
