import type Database from 'better-sqlite3';
import { BadInputError } from '../adapters/errors.ts';
import { emptyContact, type Contact, type ContactDate, type PostalAddress, type TypedValue } from '../model/contact.ts';
import {
  ADDRESS_KEYS, ADDRESS_LABELS, DATE_LABELS, EMAIL_LABELS, IM_LABELS, IM_SERVICES, NO_YEAR, PHONE_LABELS, PHONE_PLAIN_LABELS,
  PROPERTY, RELATION_LABELS, URL_LABELS,
} from './ios-addressbook-vocabulary.ts';
import { MAC_EPOCH_OFFSET_SECONDS } from './ios-plist.ts';
import { sniffMediaType } from './media-type.ts';
import { asBadInput, columnOrNull, openProviderDb, type ProviderDb } from './provider-db.ts';

export interface IosContactsReadOptions {
  /** AddressBookImages.sqlitedb, where contact photos live. */
  imagesDbPath?: string;
  onSkip?: (reason: string) => void;
}

const KIND = 'an iPhone address book (AddressBook.sqlitedb)';
const IMAGES_KIND = 'an iPhone address book image store (AddressBookImages.sqlitedb)';

/**
 * Reads iOS's AddressBook.sqlitedb: one Contact per ABPerson row, with its multi-values
 * (ABMultiValue + labels, and ABMultiValueEntry for the parts of postal addresses and
 * instant-messaging handles), groups, and the photo from AddressBookImages.sqlitedb.
 * Rows are streamed; related rows are fetched per person.
 */
export function* readIosContacts(dbPath: string, options: IosContactsReadOptions = {}): Generator<Contact> {
  const source = openProviderDb(dbPath, KIND);
  let images: ProviderDb | undefined;
  try {
    if (options.imagesDbPath) {
      try {
        images = openProviderDb(options.imagesDbPath, IMAGES_KIND);
      } catch (error) {
        options.onSkip?.(`contact photos: ${(error as Error).message}`);
      }
    }
    const statements = prepare(source, dbPath, images);
    for (const person of statements.people.iterate() as Iterable<PersonRow>) {
      yield contactOf(person, statements, options.onSkip);
    }
  } catch (error) {
    throw asBadInput(dbPath, KIND, error);
  } finally {
    source.close();
    images?.close();
  }
}

interface PersonRow {
  ROWID: number;
  guid: unknown;
  First: unknown; Last: unknown; Middle: unknown; Prefix: unknown; Suffix: unknown;
  FirstPhonetic: unknown; MiddlePhonetic: unknown; LastPhonetic: unknown;
  Nickname: unknown; Organization: unknown; Department: unknown; JobTitle: unknown;
  Note: unknown; Birthday: unknown;
}

interface MultiValueRow {
  UID: number;
  property: number;
  value: unknown;
  label: unknown;
}

type Statement = Database.Statement<unknown[], unknown>;

interface Statements {
  people: Statement;
  multiValues: Statement;
  entries?: Statement;
  groups?: Statement;
  fullImage?: Statement;
  thumbnail?: Statement;
}

function prepare(source: ProviderDb, dbPath: string, images: ProviderDb | undefined): Statements {
  for (const table of ['ABPerson', 'ABMultiValue']) {
    if (!source.hasTable(table)) throw new BadInputError(`${dbPath} is not ${KIND}: it has no ${table} table`);
  }
  const p = source.columns('ABPerson');
  const personColumns = [
    'First', 'Last', 'Middle', 'Prefix', 'Suffix', 'FirstPhonetic', 'MiddlePhonetic', 'LastPhonetic', 'Nickname',
    'Organization', 'Department', 'JobTitle', 'Note', 'Birthday', 'guid',
  ].map((name) => `${columnOrNull(p, 'p', name)} AS ${name}`);
  const people = source.db.prepare(`SELECT p.ROWID AS ROWID, ${personColumns.join(', ')} FROM ABPerson p ORDER BY p.ROWID`);
  const hasLabels = source.hasTable('ABMultiValueLabel');
  const multiValues = source.db.prepare(
    `SELECT mv.UID AS UID, mv.property AS property, mv.value AS value, ${hasLabels ? 'l.value' : 'NULL'} AS label
       FROM ABMultiValue mv ${hasLabels ? 'LEFT JOIN ABMultiValueLabel l ON l.ROWID = mv.label' : ''}
      WHERE mv.record_id = ? ORDER BY mv.UID`,
  );
  const entries = source.hasTable('ABMultiValueEntry') && source.hasTable('ABMultiValueEntryKey')
    ? source.db.prepare(
        `SELECT k.value AS key, e.value AS value FROM ABMultiValueEntry e JOIN ABMultiValueEntryKey k ON k.ROWID = e.key
          WHERE e.parent_id = ? ORDER BY e.ROWID`,
      )
    : undefined;
  const groups = source.hasTable('ABGroup') && source.hasTable('ABGroupMembers')
    ? source.db.prepare(
        `SELECT g.Name AS name FROM ABGroupMembers m JOIN ABGroup g ON g.ROWID = m.group_id
          WHERE m.member_id = ? ORDER BY g.ROWID`,
      )
    : undefined;
  let fullImage: Statement | undefined;
  let thumbnail: Statement | undefined;
  if (images) {
    if (images.hasTable('ABFullSizeImage')) fullImage = images.db.prepare('SELECT data FROM ABFullSizeImage WHERE record_id = ? ORDER BY ROWID').pluck();
    if (images.hasTable('ABThumbnailImage')) thumbnail = images.db.prepare('SELECT data FROM ABThumbnailImage WHERE record_id = ? ORDER BY format DESC').pluck();
  }
  return { people, multiValues, entries, groups, fullImage, thumbnail };
}

function contactOf(person: PersonRow, st: Statements, onSkip?: (reason: string) => void): Contact {
  const contact = emptyContact(text(person.guid) ?? String(person.ROWID));
  const name: NonNullable<Contact['name']> = {};
  const put = (field: keyof NonNullable<Contact['name']>, value: unknown) => {
    const t = text(value);
    if (t !== undefined) name[field] = t;
  };
  put('prefix', person.Prefix);
  put('given', person.First);
  put('middle', person.Middle);
  put('family', person.Last);
  put('suffix', person.Suffix);
  put('phoneticGiven', person.FirstPhonetic);
  put('phoneticMiddle', person.MiddlePhonetic);
  put('phoneticFamily', person.LastPhonetic);
  if (Object.keys(name).length > 0) contact.name = name;
  const displayName = iosDisplayName({
    prefix: text(person.Prefix), given: text(person.First), middle: text(person.Middle), family: text(person.Last),
    suffix: text(person.Suffix), organization: text(person.Organization),
  });
  if (displayName) contact.displayName = displayName;
  const nickname = text(person.Nickname);
  if (nickname) contact.nicknames.push(nickname);
  const org = { company: text(person.Organization), department: text(person.Department), title: text(person.JobTitle) };
  if (org.company || org.department || org.title) {
    contact.organizations.push(Object.fromEntries(Object.entries(org).filter(([, v]) => v !== undefined)));
  }
  const note = text(person.Note);
  if (note) contact.notes.push(note);
  const birthday = dateOf(person.Birthday, 'birthday');
  if (birthday) contact.dates.push(birthday);
  else if (text(person.Birthday)) onSkip?.(`contact ${contact.sourceKey}: birthday "${text(person.Birthday)}" is not a date; left out`);

  for (const mv of st.multiValues.all(person.ROWID) as MultiValueRow[]) {
    const label = text(mv.label);
    switch (mv.property) {
      case PROPERTY.phone: pushTyped(contact.phones, mv.value, label, PHONE_LABELS, PHONE_PLAIN_LABELS); break;
      case PROPERTY.email: pushTyped(contact.emails, mv.value, label, EMAIL_LABELS); break;
      case PROPERTY.url: pushTyped(contact.websites, mv.value, label, URL_LABELS); break;
      case PROPERTY.relatedName: pushTyped(contact.relations, mv.value, label, RELATION_LABELS); break;
      case PROPERTY.date: {
        const kind = kindOf(label, DATE_LABELS);
        const date = dateOf(mv.value, kind.type);
        if (date) contact.dates.push(kind.label !== undefined ? { ...date, label: kind.label } : date);
        break;
      }
      case PROPERTY.address: {
        const entries = entriesOf(st, mv.UID);
        const address: PostalAddress = { ...kindOf(label, ADDRESS_LABELS) };
        for (const [key, field] of Object.entries(ADDRESS_KEYS)) {
          const v = entries.get(key);
          if (v !== undefined) address[field] = v;
        }
        contact.addresses.push(address);
        break;
      }
      case PROPERTY.instantMessage: {
        const entries = entriesOf(st, mv.UID);
        const handle = entries.get('username');
        if (!handle) break;
        const service = entries.get('service');
        contact.ims.push({ handle, protocol: service === undefined ? 'other' : IM_SERVICES[service] ?? service, ...kindOf(label, IM_LABELS) });
        break;
      }
      default:
        break; // social profiles and the like: not part of the model
    }
  }
  if (st.groups) contact.groups = (st.groups.all(person.ROWID) as { name: unknown }[]).map((g) => text(g.name)).filter((n): n is string => !!n);
  const photo = photoOf(st, person.ROWID);
  if (photo === 'unreadable') onSkip?.(`contact ${contact.sourceKey}: its photo is not in an image format Lifeboat knows; left out`);
  else if (photo) contact.photo = photo;
  return contact;
}

/**
 * How iOS shows a person: the name parts in order, else the company. Names written in Chinese,
 * Japanese or Korean script put the family name first, as Contacts does for them.
 */
export function iosDisplayName(n: { prefix?: string; given?: string; middle?: string; family?: string; suffix?: string; organization?: string }): string | undefined {
  const familyFirst = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(`${n.family ?? ''}${n.given ?? ''}`);
  const order = familyFirst ? [n.prefix, n.family, n.middle, n.given, n.suffix] : [n.prefix, n.given, n.middle, n.family, n.suffix];
  const full = order.filter((s) => s !== undefined && s !== '').join(' ');
  return full || n.organization || undefined;
}

function entriesOf(st: Statements, uid: number): Map<string, string> {
  const out = new Map<string, string>();
  if (!st.entries) return out;
  for (const row of st.entries.all(uid) as { key: unknown; value: unknown }[]) {
    const key = text(row.key);
    const value = text(row.value);
    if (key !== undefined && value !== undefined) out.set(key, value);
  }
  return out;
}

function pushTyped(target: TypedValue[], value: unknown, label: string | undefined, table: Record<string, string>, plain: Record<string, string> = {}): void {
  const v = text(value);
  if (v === undefined) return;
  target.push({ value: v, ...kindOf(label, table, plain) });
}

/** A label as the model's type: Apple's own words through the table, the user's text as "custom". */
export function kindOf(label: string | undefined, table: Record<string, string>, plain: Record<string, string> = {}): { type: string; label?: string } {
  if (label === undefined) return { type: 'other' };
  const apple = /^_\$!<(.*)>!\$_$/.exec(label);
  if (apple) {
    const type = table[apple[1]!];
    return type ? { type } : { type: 'custom', label: apple[1]! };
  }
  const known = plain[label];
  return known ? { type: known } : { type: 'custom', label };
}

/** A date stored as Mac absolute seconds in text (ABPerson.Birthday, ABMultiValue dates): its UTC day. */
function dateOf(value: unknown, type: string): ContactDate | undefined {
  const raw = text(value);
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 1e11) return undefined;
  const d = new Date((seconds + MAC_EPOCH_OFFSET_SECONDS) * 1000);
  const year = d.getUTCFullYear();
  const date: ContactDate = { type, month: d.getUTCMonth() + 1, day: d.getUTCDate(), raw };
  if (year !== NO_YEAR) date.year = year;
  return date;
}

function photoOf(st: Statements, rowid: number): Contact['photo'] | 'unreadable' | undefined {
  const candidates = [st.fullImage?.get(rowid), ...((st.thumbnail?.all(rowid) as unknown[]) ?? [])].filter(
    (b): b is Buffer => Buffer.isBuffer(b) && b.length > 0,
  );
  for (const bytes of candidates) {
    const sniffed = sniffMediaType(bytes.subarray(0, 64));
    if (sniffed?.kind === 'photo') return { mediaType: sniffed.mediaType, base64: bytes.toString('base64') };
  }
  return candidates.length > 0 ? 'unreadable' : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value !== 'string') return undefined;
  return value === '' ? undefined : value;
}
