import { quoteIdentifier } from '../../readers/provider-db.ts';
import { copiedHashMapCapacity, javaHashMapIterationOrder } from './java-hash-map-order.ts';
import type { ProviderName } from './provider-databases.ts';

/**
 * What ContactsProvider2 and CalendarProvider2 return for each URI the simulator serves, as SQL
 * over the image's real tables. Column names and meanings follow AOSP (ContactsDatabaseHelper's
 * view_data / view_raw_contacts / view_contacts / view_groups, CalendarProvider2's Events view,
 * Calendars, Attendees and Reminders queries), including what they do NOT filter:
 * - content://com.android.contacts/data still holds the rows of raw contacts marked deleted (the
 *   view joins raw_contacts without a deleted test); raw_contacts shows them with deleted=1;
 * - content://com.android.calendar/events shows deleted=1 rows; it only hides lastSynced=1 rows
 *   (appendLastSyncedColumnToSelection) as it does for every caller that is not a sync adapter.
 * Columns for a query without --projection are the provider's projection map, in the order the
 * real provider returns them: the map is a java.util.HashMap, so its hash order (see
 * java-hash-map-order.ts), e.g. data starts "data3, data2, data1, ..." not "_id, ...". Reminders
 * has no projection map (SELECT * of the table). Columns the image's schema lacks (sort keys,
 * presence, sync columns ...) are NULL; constants are as in AOSP.
 */
export interface ProviderView {
  provider: ProviderName;
  /** Every column, in the order a query without projection returns them. */
  columns: readonly string[];
  /** A SELECT giving every column under its public name. */
  sql: string;
}

type Columns = (table: string) => Set<string>;

/** `alias."column"` when the image has the column, else NULL (one query fits every schema version). */
function pick(columns: Columns, table: string, alias: string, column: string): string {
  return columns(table).has(column) ? `${alias}.${quoteIdentifier(column)}` : 'NULL';
}

type Entry = [name: string, expression: string];

/**
 * The view's SELECT (every column under its public name) and its default column order. `order`
 * lists the columns as a query without projection returns them; by default the entries' order.
 */
function select(entries: Entry[], from: string, order?: readonly string[]): { columns: string[]; sql: string } {
  const unique = new Map<string, string>();
  for (const [name, expression] of entries) if (!unique.has(name)) unique.set(name, expression);
  return {
    columns: order ? [...order] : [...unique.keys()],
    sql: `SELECT ${[...unique].map(([name, expression]) => `${expression} AS ${quoteIdentifier(name)}`).join(', ')} FROM ${from}`,
  };
}

/**
 * The iteration order of a ProjectionMap built from `direct` keys and then `addAll` of sub-maps:
 * each sub-map is itself a HashMap, so its keys are inserted in its own iteration order.
 */
function projectionMapOrder(direct: readonly string[], ...subMaps: (readonly string[])[]): string[] {
  return javaHashMapIterationOrder([...direct, ...subMaps.flatMap((keys) => javaHashMapIterationOrder(keys))]);
}

const names = (entries: Entry[]) => entries.map(([name]) => name);

const CONTACTS_URI = 'content://com.android.contacts/contacts';
const nulls = (...columns: string[]): Entry[] => columns.map((name) => [name, 'NULL']);
const DATA_PRESENCE: Entry[] = nulls('mode', 'chat_capability', 'status', 'status_ts', 'status_res_package', 'status_label', 'status_icon');
const CONTACT_PRESENCE: Entry[] = nulls(
  'contact_presence', 'contact_chat_capability', 'contact_status', 'contact_status_ts', 'contact_status_res_package',
  'contact_status_label', 'contact_status_icon',
);

function photoUris(contactId: string, photoId: string, photoFileId: string): Entry[] {
  return [
    ['photo_uri', `(CASE WHEN ${photoFileId} IS NULL THEN (CASE WHEN ${photoId} IS NULL OR ${photoId}=0 THEN NULL ELSE '${CONTACTS_URI}/'||${contactId}||'/photo' END) ELSE '${CONTACTS_URI}/'||${contactId}||'/display_photo' END)`],
    ['photo_thumb_uri', `(CASE WHEN ${photoId} IS NULL OR ${photoId}=0 THEN NULL ELSE '${CONTACTS_URI}/'||${contactId}||'/photo' END)`],
  ];
}

/** sContactsColumns: what a contact shows, through its name raw contact (contactNameColumns). */
function contactColumns(c: Columns, contactAlias: string, nameAlias: string): Entry[] {
  const contact = (column: string) => pick(c, 'contacts', contactAlias, column);
  const name = (column: string) => pick(c, 'raw_contacts', nameAlias, column);
  return [
    ['custom_ringtone', contact('custom_ringtone')],
    ['display_name', name('display_name')],
    ['display_name_alt', name('display_name_alt')],
    ['display_name_source', name('display_name_source')],
    ['in_default_directory', '1'],
    ['in_visible_group', '1'],
    ['last_time_contacted', '0'],
    ['lookup', contact('lookup')],
    ['phonetic_name', name('phonetic_name')],
    ['phonetic_name_style', name('phonetic_name_style')],
    ['photo_id', contact('photo_id')],
    ['photo_file_id', contact('photo_file_id')],
    ...photoUris(`${contactAlias}._id`, contact('photo_id'), contact('photo_file_id')),
    ['send_to_voicemail', contact('send_to_voicemail')],
    ['sort_key_alt', name('sort_key_alt')],
    ['sort_key', name('sort_key')],
    ['phonebook_label', name('phonebook_label')],
    ['phonebook_bucket', name('phonebook_bucket')],
    ['phonebook_label_alt', name('phonebook_label_alt')],
    ['phonebook_bucket_alt', name('phonebook_bucket_alt')],
    ['starred', contact('starred')],
    ['pinned', contact('pinned')],
    ['times_contacted', '0'],
    ['has_phone_number', contact('has_phone_number')],
    ['contact_last_updated_timestamp', contact('contact_last_updated_timestamp')],
  ];
}

/** sRawContactColumns: the account and sync state of a raw contact. */
function rawContactColumns(c: Columns, rawAlias: string, accountAlias: string): Entry[] {
  const account = (column: string) => pick(c, 'accounts', accountAlias, column);
  const raw = (column: string) => pick(c, 'raw_contacts', rawAlias, column);
  return [
    ['account_name', account('account_name')],
    ['account_type', account('account_type')],
    ['data_set', account('data_set')],
    ['account_type_and_data_set', `(CASE WHEN ${account('data_set')} IS NULL THEN ${account('account_type')} ELSE ${account('account_type')}||'/'||${account('data_set')} END)`],
    ['dirty', raw('dirty')],
    ['sourceid', raw('sourceid')],
    ['backup_id', raw('backup_id')],
    ['version', raw('version')],
  ];
}

function dataView(c: Columns): ProviderView {
  const data = (column: string) => pick(c, 'data', 'd', column);
  const direct: Entry[] = [
    ['_id', 'd._id'],
    ['raw_contact_id', 'd.raw_contact_id'],
    ['hash_id', data('hash_id')],
    ['contact_id', 'rc.contact_id'],
    ['name_raw_contact_id', pick(c, 'contacts', 'ct', 'name_raw_contact_id')],
    ['raw_contact_is_user_profile', '0'],
  ];
  const dataColumns: Entry[] = [];
  for (let i = 1; i <= 15; i++) dataColumns.push([`data${i}`, data(`data${i}`)]);
  dataColumns.push(
    ['carrier_presence', data('carrier_presence')],
    ['preferred_phone_account_component_name', data('preferred_phone_account_component_name')],
    ['preferred_phone_account_id', data('preferred_phone_account_id')],
    ['data_version', data('data_version')],
    ['is_primary', data('is_primary')],
    ['is_super_primary', data('is_super_primary')],
    ['mimetype', 'm.mimetype'],
    ['res_package', 'NULL'],
    ['data_sync1', data('data_sync1')],
    ['data_sync2', data('data_sync2')],
    ['data_sync3', data('data_sync3')],
    ['data_sync4', data('data_sync4')],
    ['group_sourceid', pick(c, 'groups', 'g', 'sourceid')],
  );
  const raw = rawContactColumns(c, 'rc', 'a');
  const contact = contactColumns(c, 'ct', 'nrc');
  const usage: Entry[] = [['times_used', '0'], ['last_time_used', '0']];
  const groupJoin = c('groups').size > 0
    ? ` LEFT OUTER JOIN groups g ON (m.mimetype='vnd.android.cursor.item/group_membership' AND g._id=${data('data1')})`
    : '';
  const from =
    'data d JOIN mimetypes m ON (d.mimetype_id=m._id) JOIN raw_contacts rc ON (d.raw_contact_id=rc._id)' +
    ' LEFT OUTER JOIN accounts a ON (rc.account_id=a._id) JOIN contacts ct ON (rc.contact_id=ct._id)' +
    ' JOIN raw_contacts nrc ON (ct.name_raw_contact_id=nrc._id)' + groupJoin;
  const order = projectionMapOrder(names(direct), names(dataColumns), names(DATA_PRESENCE), names(raw), names(contact), names(CONTACT_PRESENCE), names(usage));
  return { provider: 'contacts', ...select([...direct, ...dataColumns, ...DATA_PRESENCE, ...raw, ...contact, ...CONTACT_PRESENCE, ...usage], from, order) };
}

function rawContactsView(c: Columns): ProviderView {
  const raw = (column: string) => pick(c, 'raw_contacts', 'rc', column);
  const direct: Entry[] = [
    ['_id', 'rc._id'],
    ['contact_id', raw('contact_id')],
    ['deleted', raw('deleted')],
    ['display_name', raw('display_name')],
    ['display_name_alt', raw('display_name_alt')],
    ['display_name_source', raw('display_name_source')],
    ['phonetic_name', raw('phonetic_name')],
    ['phonetic_name_style', raw('phonetic_name_style')],
    ['sort_key', raw('sort_key')],
    ['sort_key_alt', raw('sort_key_alt')],
    ['phonebook_label', raw('phonebook_label')],
    ['phonebook_bucket', raw('phonebook_bucket')],
    ['phonebook_label_alt', raw('phonebook_label_alt')],
    ['phonebook_bucket_alt', raw('phonebook_bucket_alt')],
    ['times_contacted', '0'],
    ['last_time_contacted', '0'],
    ['custom_ringtone', raw('custom_ringtone')],
    ['send_to_voicemail', raw('send_to_voicemail')],
    ['starred', raw('starred')],
    ['pinned', raw('pinned')],
    ['aggregation_mode', raw('aggregation_mode')],
    ['raw_contact_is_user_profile', '0'],
    ['metadata_dirty', raw('metadata_dirty')],
  ];
  const account = rawContactColumns(c, 'rc', 'a');
  const sync: Entry[] = ['sync1', 'sync2', 'sync3', 'sync4'].map((name) => [name, raw(name)]);
  const order = projectionMapOrder(names(direct), names(account), names(sync));
  return { provider: 'contacts', ...select([...direct, ...account, ...sync], 'raw_contacts rc LEFT OUTER JOIN accounts a ON (rc.account_id=a._id)', order) };
}

function contactsView(c: Columns): ProviderView {
  const direct: Entry[] = [
    ['_id', 'ct._id'],
    ['has_phone_number', pick(c, 'contacts', 'ct', 'has_phone_number')],
    ['name_raw_contact_id', pick(c, 'contacts', 'ct', 'name_raw_contact_id')],
    ['is_user_profile', '0'],
  ];
  const contact = contactColumns(c, 'ct', 'nrc');
  const order = projectionMapOrder(names(direct), names(contact), names(CONTACT_PRESENCE));
  return { provider: 'contacts', ...select([...direct, ...contact, ...CONTACT_PRESENCE], 'contacts ct JOIN raw_contacts nrc ON (ct.name_raw_contact_id=nrc._id)', order) };
}

function groupsView(c: Columns): ProviderView {
  const group = (column: string) => pick(c, 'groups', 'g', column);
  const account = (column: string) => pick(c, 'accounts', 'a', column);
  const entries: Entry[] = [
    ['_id', 'g._id'],
    ['account_name', account('account_name')],
    ['account_type', account('account_type')],
    ['data_set', account('data_set')],
    ['account_type_and_data_set', `(CASE WHEN ${account('data_set')} IS NULL THEN ${account('account_type')} ELSE ${account('account_type')}||'/'||${account('data_set')} END)`],
    ['sourceid', group('sourceid')],
    ['dirty', group('dirty')],
    ['version', group('version')],
    ['res_package', 'NULL'],
    ['title', group('title')],
    ['title_res', group('title_res')],
    ['group_visible', group('group_visible')],
    ['system_id', group('system_id')],
    ['deleted', group('deleted')],
    ['notes', group('notes')],
    ['should_sync', group('should_sync')],
    ['favorites', group('favorites')],
    ['auto_add', group('auto_add')],
    ['group_is_read_only', group('group_is_read_only')],
    ['sync1', group('sync1')],
    ['sync2', group('sync2')],
    ['sync3', group('sync3')],
    ['sync4', group('sync4')],
  ];
  return { provider: 'contacts', ...select(entries, 'groups g LEFT OUTER JOIN accounts a ON (g.account_id=a._id)', javaHashMapIterationOrder(names(entries))) };
}

/** CalendarProvider2's event columns shared by the events, attendees and reminders maps (put order). */
const EVENT_BASE_COLUMNS = [
  'account_name', 'account_type', 'title', 'eventLocation', 'description', 'eventStatus', 'eventColor', 'eventColor_index',
  'selfAttendeeStatus', 'dtstart', 'dtend', 'eventTimezone', 'eventEndTimezone', 'duration', 'allDay', 'accessLevel',
  'availability', 'hasAlarm', 'hasExtendedProperties', 'rrule', 'rdate', 'exrule', 'exdate', 'original_sync_id', 'original_id',
  'originalInstanceTime', 'originalAllDay', 'lastDate', 'hasAttendeeData', 'calendar_id', 'guestsCanInviteOthers',
  'guestsCanModify', 'guestsCanSeeGuests', 'organizer', 'isOrganizer', 'customAppPackage', 'customAppUri', 'uid2445', 'deleted',
  '_sync_id',
];
const EVENT_CALENDAR_COLUMNS = [
  'calendar_color', 'calendar_color_index', 'calendar_access_level', 'visible', 'calendar_timezone', 'ownerAccount',
  'calendar_displayName', 'allowedReminders', 'allowedAttendeeTypes', 'allowedAvailability', 'maxReminders',
  'canOrganizerRespond', 'canModifyTimeZone', 'isPrimary', 'displayColor',
];
const tenOf = (prefix: string) => Array.from({ length: 10 }, (_, i) => `${prefix}${i + 1}`);
const EVENT_SYNC_COLUMNS = ['_id', ...tenOf('sync_data'), ...tenOf('cal_sync'), 'dirty', 'mutators', 'lastSynced'];

/** An event column's SQL: from Events, else from its calendar, with AOSP's two computed ones. */
function eventColumn(c: Columns, name: string): string {
  if (name === 'isPrimary') return `COALESCE(${pick(c, 'Calendars', 'cal', 'isPrimary')}, ${pick(c, 'Calendars', 'cal', 'ownerAccount')} = ${pick(c, 'Calendars', 'cal', 'account_name')})`;
  if (name === 'displayColor') return `(CASE WHEN ${pick(c, 'Events', 'e', 'eventColor')} IS NULL THEN ${pick(c, 'Calendars', 'cal', 'calendar_color')} ELSE ${pick(c, 'Events', 'e', 'eventColor')} END)`;
  const calendarOwned = name === 'account_name' || name === 'account_type' || name.startsWith('cal_sync') || EVENT_CALENDAR_COLUMNS.includes(name);
  return calendarOwned ? pick(c, 'Calendars', 'cal', name) : pick(c, 'Events', 'e', name);
}

const EVENTS_FROM = 'Events e JOIN Calendars cal ON (e.calendar_id=cal._id)';

function eventsView(c: Columns): ProviderView {
  const keys = [...EVENT_BASE_COLUMNS, ...EVENT_CALENDAR_COLUMNS, ...EVENT_SYNC_COLUMNS];
  const view = select(keys.map((name): Entry => [name, eventColumn(c, name)]), EVENTS_FROM, javaHashMapIterationOrder(keys));
  // Not a sync adapter: rows with lastSynced=1 are hidden (appendLastSyncedColumnToSelection).
  const sql = c('Events').has('lastSynced') ? `${view.sql} WHERE e.lastSynced = 0` : view.sql;
  return { provider: 'calendar', columns: view.columns, sql };
}

function calendarsView(c: Columns): ProviderView {
  const keys = [
    '_id', 'account_name', 'account_type', '_sync_id', 'dirty', 'mutators', 'name', 'calendar_displayName', 'calendar_color',
    'calendar_color_index', 'calendar_access_level', 'visible', 'sync_events', 'calendar_location', 'calendar_timezone',
    'ownerAccount', 'isPrimary', 'canOrganizerRespond', 'canModifyTimeZone', 'canPartiallyUpdate', 'maxReminders',
    'allowedReminders', 'allowedAvailability', 'allowedAttendeeTypes', 'deleted', ...tenOf('cal_sync'),
  ];
  const column = (name: string) =>
    name === 'isPrimary'
      ? `COALESCE(${pick(c, 'Calendars', 'cal', 'isPrimary')}, ${pick(c, 'Calendars', 'cal', 'ownerAccount')} = ${pick(c, 'Calendars', 'cal', 'account_name')})`
      : pick(c, 'Calendars', 'cal', name);
  return { provider: 'calendar', ...select(keys.map((name): Entry => [name, column(name)]), 'Calendars cal', javaHashMapIterationOrder(keys)) };
}

function attendeesView(c: Columns): ProviderView {
  // new HashMap<>(event base map), then the attendee columns; deleted and _sync_id are the event's.
  const attendee = (name: string) => pick(c, 'Attendees', 'att', name);
  const own: Entry[] = [
    ['event_id', attendee('event_id')],
    ['_id', 'att._id'],
    ...['attendeeName', 'attendeeEmail', 'attendeeStatus', 'attendeeRelationship', 'attendeeType', 'attendeeIdentity', 'attendeeIdNamespace']
      .map((name): Entry => [name, attendee(name)]),
  ];
  const base = javaHashMapIterationOrder(EVENT_BASE_COLUMNS);
  const order = javaHashMapIterationOrder([...base, ...names(own)], copiedHashMapCapacity(base.length));
  const entries: Entry[] = [...own, ...EVENT_BASE_COLUMNS.map((name): Entry => [name, eventColumn(c, name)])];
  return {
    provider: 'calendar',
    ...select(entries, 'Attendees att JOIN Events e ON (e._id=att.event_id) JOIN Calendars cal ON (e.calendar_id=cal._id)', order),
  };
}

function remindersView(c: Columns): ProviderView {
  // CalendarProvider2 queries REMINDERS with no projection map: SELECT * of the table, in table order.
  return { provider: 'calendar', ...select([...c('Reminders')].map((name): Entry => [name, `r.${quoteIdentifier(name)}`]), 'Reminders r') };
}

/** authority → first path segment → view builder. */
export const PROVIDER_VIEWS: Record<string, { provider: ProviderName; paths: Record<string, (c: Columns) => ProviderView> }> = {
  'com.android.contacts': {
    provider: 'contacts',
    paths: { data: dataView, raw_contacts: rawContactsView, contacts: contactsView, groups: groupsView },
  },
  'com.android.calendar': {
    provider: 'calendar',
    paths: { events: eventsView, calendars: calendarsView, attendees: attendeesView, reminders: remindersView },
  },
};
