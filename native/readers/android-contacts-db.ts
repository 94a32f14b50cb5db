import type { Contact, ContactDate, ContactName, PostalAddress, TypedValue } from '../model/contact.ts';
import { emptyContact } from '../model/contact.ts';
import { BadInputError } from '../adapters/errors.ts';
import {
  CUSTOM_TYPE, EMAIL_TYPES, EVENT_TYPES, IM_PROTOCOL_CUSTOM, IM_PROTOCOLS, IM_TYPES, MIMETYPE,
  PHONE_TYPES, POSTAL_TYPES, RELATION_TYPES, WEBSITE_TYPES,
} from './android-contacts-vocabulary.ts';
import { sniffMediaType } from './media-type.ts';
import { asBadInput, columnOrNull, openProviderDb, type ProviderDb } from './provider-db.ts';

/**
 * Reads Android's contacts2.db (AOSP ContactsProvider) the way the phone's owner sees it: one
 * Contact per aggregate (`contacts` row), merging the data rows of all its live raw contacts
 * (one per account). Rows are streamed in (contact, raw contact, data) order, so memory holds one
 * contact at a time whatever the size of the address book.
 *
 * Works with both the current schema (raw_contacts.account_id → accounts) and the pre-4.1 one
 * (account_name/account_type on raw_contacts); columns are looked up, never assumed.
 */
export function* readAndroidContacts(dbPath: string): Generator<Contact> {
  const source = openProviderDb(dbPath, KIND);
  try {
    const sql = buildQueries(source, dbPath);
    const groupTitles = loadGroupTitles(source);
    yield* contactsFromDataRows(source.db.prepare(sql.aggregated).iterate() as Iterable<ContactDataRow>, groupTitles, BY_AGGREGATE);
    // Raw contacts the aggregator has not reached yet (no contacts row) would otherwise be lost.
    yield* contactsFromDataRows(source.db.prepare(sql.unaggregated).iterate() as Iterable<ContactDataRow>, groupTitles, BY_RAW_CONTACT);
  } catch (error) {
    throw asBadInput(dbPath, KIND, error);
  } finally {
    source.close();
  }
}

/**
 * How SQLite will run the main read (EXPLAIN QUERY PLAN details), so tests and benchmarks can
 * check that it walks indexes in order instead of sorting the whole table in memory.
 */
export function contactsReadPlan(dbPath: string): string[] {
  const source = openProviderDb(dbPath, KIND);
  try {
    const sql = buildQueries(source, dbPath);
    return (source.db.prepare(`EXPLAIN QUERY PLAN ${sql.aggregated}`).all() as { detail: string }[]).map((row) => row.detail);
  } finally {
    source.close();
  }
}

const KIND = 'an Android contacts database';
const REQUIRED_TABLES = ['contacts', 'raw_contacts', 'data', 'mimetypes'];

/**
 * One joined row: the aggregate, one of its raw contacts, and one data row (or none). Other
 * sources (ADB's `content query`) build the same rows, so that every source gives the same
 * Contact objects. Ids are numbers; other values may be text, numbers or bytes.
 */
export interface ContactDataRow {
  cid: number | null;
  lookup: unknown;
  c_starred: unknown;
  name_rid: unknown;
  photo_id: unknown;
  c_display_name: unknown;
  rid: number;
  r_display_name: unknown;
  r_display_name_source: unknown;
  r_starred: unknown;
  account_name: unknown;
  account_type: unknown;
  did: number | null;
  mimetype: string | null;
  is_primary: unknown;
  is_super_primary: unknown;
  [dataColumn: `data${number}`]: unknown;
}

function buildQueries(source: ProviderDb, dbPath: string): { aggregated: string; unaggregated: string } {
  const missing = REQUIRED_TABLES.filter((table) => !source.hasTable(table));
  if (missing.length > 0) {
    const hint = source.hasTable('people') ? ' (it looks like an Android 1.x contacts.db, which is not supported)' : '';
    throw new BadInputError(`${dbPath} is not ${KIND}: it has no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}${hint}`);
  }
  const contacts = source.columns('contacts');
  const raw = source.columns('raw_contacts');
  const data = source.columns('data');
  for (const [table, columns, needed] of [
    ['raw_contacts', raw, ['_id', 'contact_id']],
    ['data', data, ['_id', 'raw_contact_id', 'mimetype_id', 'data1']],
  ] as const) {
    const absent = needed.filter((name) => !columns.has(name));
    if (absent.length > 0) throw new BadInputError(`${dbPath} is not ${KIND}: table ${table} has no column ${absent.join(', ')}`);
  }

  // Since Android 4.1 accounts live in their own table; before, on each raw contact.
  const usesAccountsTable = raw.has('account_id') && source.hasTable('accounts');
  const accountJoin = usesAccountsTable ? 'LEFT JOIN accounts a ON a._id = rc.account_id' : '';
  const accountName = usesAccountsTable ? 'a.account_name' : columnOrNull(raw, 'rc', 'account_name');
  const accountType = usesAccountsTable ? 'a.account_type' : columnOrNull(raw, 'rc', 'account_type');
  const dataColumns = Array.from({ length: 15 }, (_, i) => `${columnOrNull(data, 'd', `data${i + 1}`)} AS data${i + 1}`);

  const select = `
    SELECT c._id AS cid,
           ${columnOrNull(contacts, 'c', 'lookup')} AS lookup,
           ${columnOrNull(contacts, 'c', 'starred')} AS c_starred,
           ${columnOrNull(contacts, 'c', 'name_raw_contact_id')} AS name_rid,
           ${columnOrNull(contacts, 'c', 'photo_id')} AS photo_id,
           ${columnOrNull(contacts, 'c', 'display_name')} AS c_display_name,
           rc._id AS rid,
           ${columnOrNull(raw, 'rc', 'display_name')} AS r_display_name,
           ${columnOrNull(raw, 'rc', 'display_name_source')} AS r_display_name_source,
           ${columnOrNull(raw, 'rc', 'starred')} AS r_starred,
           ${accountName} AS account_name,
           ${accountType} AS account_type,
           d._id AS did,
           m.mimetype AS mimetype,
           ${columnOrNull(data, 'd', 'is_primary')} AS is_primary,
           ${columnOrNull(data, 'd', 'is_super_primary')} AS is_super_primary,
           ${dataColumns.join(', ')}`;
  const dataJoin = `
    ${accountJoin}
    LEFT JOIN data d ON d.raw_contact_id = rc._id
    LEFT JOIN mimetypes m ON m._id = d.mimetype_id`;
  const live = raw.has('deleted') ? 'AND COALESCE(rc.deleted, 0) = 0' : '';
  return {
    aggregated: `${select}
      FROM contacts c JOIN raw_contacts rc ON rc.contact_id = c._id ${dataJoin}
      WHERE 1 = 1 ${live}
      ORDER BY c._id, rc._id, d._id`,
    unaggregated: `${select}
      FROM raw_contacts rc LEFT JOIN contacts c ON c._id = rc.contact_id ${dataJoin}
      WHERE c._id IS NULL ${live}
      ORDER BY rc._id, d._id`,
  };
}

/** Group titles by row id. Groups are few (tens), unlike contacts, so a map is fine. */
function loadGroupTitles(source: ProviderDb): Map<string, string> {
  const titles = new Map<string, string>();
  const columns = source.columns('groups');
  if (!columns.has('_id') || !columns.has('title')) return titles;
  const live = columns.has('deleted') ? 'WHERE COALESCE(deleted, 0) = 0' : '';
  for (const row of source.db.prepare(`SELECT _id, title FROM groups ${live}`).iterate() as Iterable<{ _id: unknown; title: unknown }>) {
    const title = text(row.title);
    if (title !== undefined) titles.set(String(row._id), title);
  }
  return titles;
}

export interface ContactGrouping {
  /** Rows with the same value, consecutive thanks to ORDER BY, make one contact. */
  groupOf(row: ContactDataRow): unknown;
  sourceKeyOf(row: ContactDataRow): string;
}

/** Aggregates (contacts rows), known by their lookup key, else by their _id. */
export const BY_AGGREGATE: ContactGrouping = {
  groupOf: (row) => row.cid,
  sourceKeyOf: (row) => text(row.lookup) ?? `contact:${row.cid}`,
};

/** Raw contacts the aggregator has not joined to a contact yet. */
export const BY_RAW_CONTACT: ContactGrouping = {
  groupOf: (row) => row.rid,
  sourceKeyOf: (row) => `raw_contact:${row.rid}`,
};

/**
 * Turns provider rows into contacts: rows ordered by (contact, raw contact, data row), the
 * raw contacts of one contact consecutive; one Contact per group, yielded as soon as it is whole.
 * `groupTitles` maps groups._id (as text) to the group's title.
 */
export function* contactsFromDataRows(
  rows: Iterable<ContactDataRow>,
  groupTitles: Map<string, string>,
  grouping: ContactGrouping = BY_AGGREGATE,
): Generator<Contact> {
  let builder: ContactBuilder | undefined;
  let currentGroup: unknown;
  for (const row of rows) {
    const group = grouping.groupOf(row);
    if (!builder || group !== currentGroup) {
      if (builder) yield builder.build();
      builder = new ContactBuilder(grouping.sourceKeyOf(row), row, groupTitles);
      currentGroup = group;
    }
    builder.add(row);
  }
  if (builder) yield builder.build();
}

interface RawContactInfo {
  id: number;
  displayName?: string;
  displayNameSource: number;
}

/** Gathers one aggregate's rows; identical values from several accounts are kept once. */
class ContactBuilder {
  private readonly contact: Contact;
  private readonly rawContacts: RawContactInfo[] = [];
  private readonly names = new Map<number, ContactName>();
  private readonly photos: { dataId: number | null; superPrimary: boolean; bytes: Uint8Array }[] = [];
  private readonly seen = new Map<unknown[], Map<string, unknown>>();
  private readonly nameRawContactId: number | undefined;
  private readonly photoDataId: number | undefined;
  private readonly legacyDisplayName: string | undefined;

  constructor(sourceKey: string, first: ContactDataRow, private readonly groupTitles: Map<string, string>) {
    this.contact = emptyContact(sourceKey);
    this.contact.starred = flag(first.c_starred);
    this.nameRawContactId = int(first.name_rid);
    this.photoDataId = int(first.photo_id);
    this.legacyDisplayName = text(first.c_display_name);
  }

  add(row: ContactDataRow): void {
    const last = this.rawContacts[this.rawContacts.length - 1];
    if (last?.id !== row.rid) this.addRawContact(row);
    if (row.did !== null && row.mimetype !== null) this.addData(row);
  }

  private addRawContact(row: ContactDataRow): void {
    this.rawContacts.push({
      id: row.rid,
      displayName: text(row.r_display_name),
      displayNameSource: int(row.r_display_name_source) ?? 0,
    });
    if (flag(row.r_starred)) this.contact.starred = true;
    const name = text(row.account_name);
    const type = text(row.account_type);
    // A raw contact with no account is "on this phone only": there is no account to name.
    if (name !== undefined || type !== undefined) {
      this.unique(this.contact.accounts, { type: type ?? '', name: name ?? '' });
    }
  }

  private addData(row: ContactDataRow): void {
    const c = this.contact;
    const primary = flag(row.is_primary);
    switch (row.mimetype) {
      case MIMETYPE.name: {
        const name = contactName(row);
        if (name && !this.names.has(row.rid)) this.names.set(row.rid, name);
        break;
      }
      case MIMETYPE.phone:
        this.typed(c.phones, row, PHONE_TYPES, primary);
        break;
      case MIMETYPE.email:
        this.typed(c.emails, row, EMAIL_TYPES, primary);
        break;
      case MIMETYPE.website:
        this.typed(c.websites, row, WEBSITE_TYPES, primary);
        break;
      case MIMETYPE.relation:
        this.typed(c.relations, row, RELATION_TYPES, primary);
        break;
      case MIMETYPE.postal: {
        const address = postalAddress(row);
        if (address) this.unique(c.addresses, address);
        break;
      }
      case MIMETYPE.organization: {
        const organization = compact({
          company: text(row.data1),
          department: text(row.data5),
          title: text(row.data4),
          jobDescription: text(row.data6),
          officeLocation: text(row.data9),
        });
        if (organization) this.unique(c.organizations, organization);
        break;
      }
      case MIMETYPE.im: {
        const handle = text(row.data1);
        if (handle === undefined) break;
        this.unique(c.ims, { handle, protocol: imProtocol(row), ...typeAndLabel(IM_TYPES, row) });
        break;
      }
      case MIMETYPE.event: {
        const date = contactDate(row);
        if (date) this.unique(c.dates, date);
        break;
      }
      case MIMETYPE.note:
        this.uniqueText(c.notes, row.data1);
        break;
      case MIMETYPE.nickname:
        this.uniqueText(c.nicknames, row.data1);
        break;
      case MIMETYPE.sip:
        this.uniqueText(c.sipAddresses, row.data1);
        break;
      case MIMETYPE.group: {
        const title = this.groupTitles.get(String(row.data1));
        if (title !== undefined) this.uniqueText(c.groups, title);
        break;
      }
      case MIMETYPE.photo: {
        const bytes = row.data15;
        if (bytes instanceof Uint8Array && bytes.length > 0) {
          this.photos.push({ dataId: row.did, superPrimary: flag(row.is_super_primary), bytes });
        }
        break;
      }
      default:
        // identity, app-specific kinds (WhatsApp, Signal ...): nothing a person would miss.
        break;
    }
  }

  build(): Contact {
    const c = this.contact;
    const displayName = this.displayName();
    if (displayName !== undefined) c.displayName = displayName;
    const name = (this.nameRawContactId !== undefined ? this.names.get(this.nameRawContactId) : undefined) ?? this.names.values().next().value;
    if (name) c.name = name;
    const photo =
      this.photos.find((p) => p.dataId === this.photoDataId) ?? this.photos.find((p) => p.superPrimary) ?? this.photos[0];
    if (photo) {
      c.photo = {
        mediaType: sniffMediaType(photo.bytes)?.mediaType ?? 'application/octet-stream',
        base64: Buffer.from(photo.bytes).toString('base64'),
      };
    }
    return c;
  }

  /**
   * The name Android shows: that of the raw contact the aggregator picked (name_raw_contact_id),
   * else the old contacts.display_name, else the raw contact whose name came from the best source.
   */
  private displayName(): string | undefined {
    const chosen = this.rawContacts.find((r) => r.id === this.nameRawContactId)?.displayName;
    if (chosen !== undefined) return chosen;
    if (this.legacyDisplayName !== undefined) return this.legacyDisplayName;
    let best: RawContactInfo | undefined;
    for (const raw of this.rawContacts) {
      if (raw.displayName !== undefined && (!best || raw.displayNameSource > best.displayNameSource)) best = raw;
    }
    return best?.displayName;
  }

  /** The same value from two accounts is one value; it is primary if either account says so. */
  private typed(list: TypedValue[], row: ContactDataRow, types: Readonly<Record<number, string>>, primary: boolean): void {
    const value = text(row.data1);
    if (value === undefined) return;
    const kept = this.unique(list, { value, ...typeAndLabel(types, row) });
    if (primary) kept.primary = true;
  }

  private uniqueText(list: string[], value: unknown): void {
    const s = text(value);
    if (s !== undefined && !list.includes(s)) list.push(s);
  }

  /** Adds `item` unless an equal one is there; returns the one kept. */
  private unique<T>(list: T[], item: T): T {
    let keys = this.seen.get(list as unknown[]);
    if (!keys) this.seen.set(list as unknown[], (keys = new Map()));
    const key = JSON.stringify(item);
    const existing = keys.get(key) as T | undefined;
    if (existing) return existing;
    keys.set(key, item);
    list.push(item);
    return item;
  }
}

function contactName(row: ContactDataRow): ContactName | undefined {
  return compact({
    given: text(row.data2),
    family: text(row.data3),
    prefix: text(row.data4),
    middle: text(row.data5),
    suffix: text(row.data6),
    phoneticGiven: text(row.data7),
    phoneticMiddle: text(row.data8),
    phoneticFamily: text(row.data9),
  });
}

function postalAddress(row: ContactDataRow): PostalAddress | undefined {
  const parts = compact({
    formatted: text(row.data1),
    street: text(row.data4),
    poBox: text(row.data5),
    neighborhood: text(row.data6),
    city: text(row.data7),
    region: text(row.data8),
    postcode: text(row.data9),
    country: text(row.data10),
  });
  return parts ? { ...typeAndLabel(POSTAL_TYPES, row), ...parts } : undefined;
}

function imProtocol(row: ContactDataRow): string {
  const code = int(row.data5);
  const custom = text(row.data6);
  if (code === IM_PROTOCOL_CUSTOM || code === undefined) return custom ?? 'custom';
  return IM_PROTOCOLS[code] ?? custom ?? 'custom';
}

function contactDate(row: ContactDataRow): ContactDate | undefined {
  const raw = text(row.data1);
  if (raw === undefined) return undefined;
  // A date we cannot read keeps month and day 0: `raw` still carries what the phone had.
  const parsed = parseAndroidEventDate(raw) ?? { month: 0, day: 0 };
  return { ...typeAndLabel(EVENT_TYPES, row), ...parsed, raw };
}

/**
 * Android stores Event.START_DATE as text: 'YYYY-MM-DD', '--MM-DD' for a date without a year,
 * and, from some apps and sync adapters, 'YYYYMMDD', an ISO date-time, or a Unix timestamp.
 */
export function parseAndroidEventDate(raw: string): { year?: number; month: number; day: number } | undefined {
  const s = raw.trim();
  let match = /^--(\d{2})-?(\d{2})$/.exec(s);
  if (match) return checked(undefined, Number(match[1]), Number(match[2]));
  // Date-times are cut to their date as written: a birthday does not move with time zones.
  match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (match) return checked(Number(match[1]), Number(match[2]), Number(match[3]));
  if (/^-?\d{9,}$/.test(s)) {
    const n = Number(s);
    const date = new Date(Math.abs(n) >= 1e11 ? n : n * 1000);
    if (Number.isNaN(date.getTime())) return undefined;
    return checked(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
  }
  return undefined;
}

function checked(year: number | undefined, month: number, day: number): { year?: number; month: number; day: number } | undefined {
  if (month < 1 || month > 12 || day < 1) return undefined;
  // Without a year, 29 February is a real birthday; with one, the day must exist in that year.
  const daysInMonth = new Date(Date.UTC(year || 2000, month, 0)).getUTCDate();
  if (day > daysInMonth) return undefined;
  // Some apps write year 0000 for "no year".
  return year ? { year, month, day } : { month, day };
}

/** The neutral type word, with the user's label when the type is custom (or unknown to us). */
function typeAndLabel(types: Readonly<Record<number, string>>, row: ContactDataRow): { type: string; label?: string } {
  const code = int(row.data2);
  const label = text(row.data3);
  if (code === CUSTOM_TYPE || code === undefined || types[code] === undefined) {
    if (label !== undefined) return { type: 'custom', label };
    return { type: code === CUSTOM_TYPE ? 'custom' : 'other' };
  }
  return { type: types[code]! };
}

function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const s = value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : String(value);
  return s.trim() === '' ? undefined : s;
}

function int(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

function flag(value: unknown): boolean {
  return (int(value) ?? 0) !== 0;
}

/** The object without its undefined fields, or undefined when nothing is left. */
function compact<T extends object>(fields: T): T | undefined {
  const entries = Object.entries(fields).filter(([, v]) => v !== undefined);
  return entries.length > 0 ? (Object.fromEntries(entries) as T) : undefined;
}
