import type { Adb } from '@yume-chan/adb';
import type { Contact } from '../../model/contact.ts';
import { BY_AGGREGATE, BY_RAW_CONTACT, contactsFromDataRows, type ContactDataRow } from '../../readers/android-contacts-db.ts';
import { MIMETYPE } from '../../readers/android-contacts-vocabulary.ts';
import { CONTENT_BLOB, contentInteger, type ContentRow, type ContentValue } from './content-query-output.ts';
import { contentQuery, ContentQueryError } from './content-query.ts';
import { Peekable } from './peekable.ts';

/**
 * Contacts over ADB, through ContactsProvider's own views (`content query`), turned into Contact
 * objects by the same code that reads contacts2.db (contactsFromDataRows), so that a rescue over
 * ADB and a rescue of a device image give the same contacts.
 *
 * Three streams, each ordered by contact id, are merge-joined one contact at a time, so memory
 * holds one contact whatever the size of the address book:
 *   /contacts      the aggregate: lookup key, starred, name_raw_contact_id, photo_id
 *   /raw_contacts  one per account; deleted=1 rows (pending sync deletion) are left out
 *   /data          the fields, data1..data15 by mimetype
 * plus /groups (a few rows) for group titles.
 *
 * Contact photos: `content` prints a BLOB column as the word "BLOB", never its bytes, and
 * `content read` (ContentProvider.openFile) is not served by ContactsProvider, which only offers
 * photos through openAssetFile. So contact photos cannot be had over `content`, and contacts
 * rescued over ADB come without their photo; everything else is the same as from contacts2.db.
 * Each contact whose photo stays behind is told to `onSkip`, so the receipt says so.
 */
export async function* readAdbContacts(adb: Adb, onSkip?: (reason: string) => void): AsyncGenerator<Contact> {
  const groupTitles = await readGroupTitles(adb);
  const contactColumns = await contactsProjection(adb);
  const contacts = new Peekable(contentQuery(adb, { uri: CONTACTS_URI, projection: contactColumns, sort: '_id' }));
  const raws = new Peekable(liveRows(contentQuery(adb, { uri: RAW_CONTACTS_URI, projection: RAW_CONTACT_COLUMNS, sort: 'contact_id, _id' })));
  const data = new Peekable(contentQuery(adb, { uri: DATA_URI, projection: DATA_COLUMNS, sort: 'contact_id, raw_contact_id, _id' }));
  const knowsNameRawContact = contactColumns.includes('name_raw_contact_id');
  // Raw contacts the aggregator has not joined to a contact yet: rare and few, given last, as
  // the contacts2.db reader does.
  const unaggregated: ContactDataRow[] = [];
  try {
    for (;;) {
      const first = await raws.peek();
      if (!first) break;
      const cid = id(first.contact_id);
      const rawRows = await raws.takeWhile((row) => id(row.contact_id) === cid);
      // Data rows are sorted the same way; rows of contacts without a live raw contact are dropped.
      await data.takeWhile((row) => before(id(row.contact_id), cid));
      const dataRows = await data.takeWhile((row) => id(row.contact_id) === cid);
      let contact: ContentRow | undefined;
      if (cid !== undefined) {
        await contacts.takeWhile((row) => before(id(row._id), cid));
        if (id((await contacts.peek())?._id) === cid) contact = await contacts.next();
      }
      const rows = joinRows(contact, rawRows, dataRows, knowsNameRawContact);
      if (contact) yield* tellingOfPhotos(contactsFromDataRows(rows, groupTitles, BY_AGGREGATE), dataRows, onSkip);
      else unaggregated.push(...rows);
    }
    unaggregated.sort((a, b) => a.rid - b.rid || (a.did ?? -1) - (b.did ?? -1));
    yield* contactsFromDataRows(unaggregated, groupTitles, BY_RAW_CONTACT);
  } finally {
    await Promise.all([contacts.close(), raws.close(), data.close()]);
  }
}

/** The contacts as read, and for each one that has a photo on the phone, a word to `onSkip`. */
function* tellingOfPhotos(contacts: Iterable<Contact>, dataRows: ContentRow[], onSkip?: (reason: string) => void): Generator<Contact> {
  const hasPhoto = dataRows.some((row) => row.mimetype === MIMETYPE.photo && row.data15 === CONTENT_BLOB);
  for (const contact of contacts) {
    if (hasPhoto) {
      onSkip?.(
        `the photo of contact "${contact.displayName ?? contact.sourceKey}" stays on the phone: Android gives contact photos over ADB only to a rooted phone`,
      );
    }
    yield contact;
  }
}

const CONTACTS_URI = 'content://com.android.contacts/contacts';
const RAW_CONTACTS_URI = 'content://com.android.contacts/raw_contacts';
const DATA_URI = 'content://com.android.contacts/data';
const GROUPS_URI = 'content://com.android.contacts/groups';

// First an integer id (the parser relies on it), then short values, free text last.
const CONTACT_COLUMNS = ['_id', 'starred', 'photo_id', 'name_raw_contact_id', 'lookup', 'display_name'];
const RAW_CONTACT_COLUMNS = ['_id', 'contact_id', 'deleted', 'starred', 'display_name_source', 'account_type', 'account_name', 'display_name'];
const DATA_COLUMNS = [
  '_id', 'raw_contact_id', 'contact_id', 'is_primary', 'is_super_primary', 'mimetype',
  ...Array.from({ length: 15 }, (_, i) => `data${i + 1}`),
];

/**
 * name_raw_contact_id (which raw contact gives the name) is a hidden column some Android
 * releases do not project; without it the contact's display_name stands in, as in old databases.
 */
async function contactsProjection(adb: Adb): Promise<string[]> {
  try {
    for await (const row of contentQuery(adb, { uri: CONTACTS_URI, projection: CONTACT_COLUMNS, sort: '_id' })) {
      void row;
      break;
    }
    return CONTACT_COLUMNS;
  } catch (error) {
    if (!(error instanceof ContentQueryError)) throw error;
    return CONTACT_COLUMNS.filter((name) => name !== 'name_raw_contact_id');
  }
}

async function readGroupTitles(adb: Adb): Promise<Map<string, string>> {
  const titles = new Map<string, string>();
  for await (const row of liveRows(contentQuery(adb, { uri: GROUPS_URI, projection: ['_id', 'deleted', 'title'], sort: '_id' }))) {
    const title = row.title;
    if (typeof title === 'string' && title.trim() !== '' && id(row._id) !== undefined) titles.set(String(id(row._id)), title);
  }
  return titles;
}

/** The rows of one contact as the contacts2.db reader joins them: raw contacts by _id, their data by _id. */
function joinRows(contact: ContentRow | undefined, rawRows: ContentRow[], dataRows: ContentRow[], knowsNameRawContact: boolean): ContactDataRow[] {
  const byRaw = new Map<number, ContentRow[]>();
  for (const row of dataRows) {
    const rid = id(row.raw_contact_id);
    if (rid === undefined || id(row._id) === undefined) continue;
    let list = byRaw.get(rid);
    if (!list) byRaw.set(rid, (list = []));
    list.push(row);
  }
  const aggregate = {
    cid: contact ? (id(contact._id) ?? null) : null,
    lookup: plain(contact?.lookup),
    c_starred: plain(contact?.starred),
    name_rid: plain(contact?.name_raw_contact_id),
    photo_id: plain(contact?.photo_id),
    // contacts2.db's contacts table has no display name of its own since Android 2; the view's
    // one is the chosen raw contact's, which is only needed when that choice is unknown.
    c_display_name: contact && !knowsNameRawContact ? plain(contact.display_name) : null,
  };
  const rows: ContactDataRow[] = [];
  const sortedRaws = [...rawRows].sort((a, b) => (id(a._id) ?? 0) - (id(b._id) ?? 0));
  for (const raw of sortedRaws) {
    const rid = id(raw._id);
    if (rid === undefined) continue;
    const rawPart = {
      ...aggregate,
      rid,
      r_display_name: plain(raw.display_name),
      r_display_name_source: plain(raw.display_name_source),
      r_starred: plain(raw.starred),
      account_name: plain(raw.account_name),
      account_type: plain(raw.account_type),
    };
    const fields = (byRaw.get(rid) ?? []).sort((a, b) => (id(a._id) ?? 0) - (id(b._id) ?? 0));
    if (fields.length === 0) {
      rows.push({ ...rawPart, did: null, mimetype: null, is_primary: null, is_super_primary: null });
      continue;
    }
    for (const field of fields) {
      const row: ContactDataRow = {
        ...rawPart,
        did: id(field._id) ?? null,
        mimetype: typeof field.mimetype === 'string' ? field.mimetype : null,
        is_primary: plain(field.is_primary),
        is_super_primary: plain(field.is_super_primary),
      };
      for (let i = 1; i <= 15; i++) row[`data${i}`] = plain(field[`data${i}`]);
      rows.push(row);
    }
  }
  return rows;
}

/** Rows whose `deleted` is 0 or absent. */
async function* liveRows(rows: AsyncIterable<ContentRow>): AsyncGenerator<ContentRow> {
  for await (const row of rows) {
    const deleted = contentInteger(row.deleted);
    if (deleted === undefined || deleted === 0) yield row;
  }
}

/** Ids are numbers in the shared rows (the contacts2.db reader compares them with ===). */
function id(value: ContentValue | undefined): number | undefined {
  const n = contentInteger(value);
  return typeof n === 'number' ? n : undefined;
}

/** SQLite's ascending order: NULL first, then numbers. */
function before(a: number | undefined, b: number | undefined): boolean {
  if (b === undefined) return false;
  return a === undefined || a < b;
}

/** A value as the shared row code takes it: text or null; a blob's bytes never come over `content`. */
function plain(value: ContentValue | undefined): string | null {
  return value === undefined || value === null || value === CONTENT_BLOB ? null : value;
}
