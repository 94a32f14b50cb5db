import { BadInputError } from '../adapters/errors.ts';
import type { Contact } from '../model/contact.ts';
import type { CalendarEvent } from '../model/event.ts';
import type { MediaRecord, SkipRow, Vault, VaultDevice } from '../vault/vault.ts';
import { BagWriter } from './bagit.ts';
import { ChosenItems } from './chosen-items.ts';
import type { ChosenCounts, ExportSelection, SelectionCategory } from './export-selection.ts';
import { calendarFooter, calendarHeader, formatEvent, timeZoneIdsOf } from './icalendar.ts';
import { photoPath, type PhotoLayout } from './photo-layout.ts';
import type { ExportNote } from './export-note.ts';
import { receiptHtml, type ReceiptCategory, type ReceiptNote, type ReceiptSkip } from './receipt-html.ts';
import { collisionKey, safeName, withSuffix } from './safe-name.ts';
import { stableUuid } from './stable-uid.ts';
import { formatVCard } from './vcard.ts';

export const APP_VERSION = '0.1.0';
const PRODID = '-//Lifeboat//Lifeboat 0.1//EN';

export interface ExportOptions {
  vault: Vault;
  out: string;
  /** Serial of the phone to export; required when the vault holds several. */
  serial?: string;
  vcardVersion: '3.0' | '4.0';
  photoLayout: PhotoLayout;
  /**
   * Write only these items (see export-selection.ts); without it, everything of the phone. Ids
   * that are not this phone's items of that category are refused (BadInputError) before the
   * folder is made.
   */
  only?: ExportSelection;
  onProgress?: (event: ExportProgress) => void;
}

export interface ExportProgress {
  type: 'export-progress';
  phase: 'contacts' | 'calendar' | 'photos' | 'finish';
  done: number;
  total?: number;
  bytes?: number;
}

export interface ExportResult {
  out: string;
  serial: string;
  contacts: number;
  events: number;
  calendars: number;
  photos: number;
  photoBytes: number;
  duplicates: number;
  manifestSha256: string;
  payloadOxum: string;
  /** Only when a selection was given: how many of each category were chosen, of how many. */
  chosen?: ChosenCounts;
}

/** Thrown when a vault holds several phones and none was chosen: the CLI lists them (exit 2). */
export class DeviceChoiceNeededError extends BadInputError {
  constructor(readonly serials: string[]) {
    super(`this vault holds ${serials.length} phones; choose one with --device SERIAL: ${serials.join(', ')}`);
  }
}

/** Chooses the phone of a vault to export. */
export function pickDevice(vault: Vault, serial: string | undefined): VaultDevice {
  const devices = vault.devices();
  if (serial !== undefined) {
    const device = devices.find((d) => d.serial === serial);
    if (!device) {
      throw new BadInputError(
        `no phone with serial ${serial} in this vault; it holds: ${devices.map((d) => d.serial).join(', ') || 'nothing yet'}`,
      );
    }
    return device;
  }
  if (devices.length === 0) throw new BadInputError('this vault holds no phone yet: run a rescue into it first.');
  if (devices.length > 1) throw new DeviceChoiceNeededError(devices.map((d) => d.serial));
  return devices[0]!;
}

/**
 * Exports one phone of a vault as a BagIt bag: contacts as vCard, one iCalendar file per
 * calendar, photos and videos with their original bytes, and a receipt. The payload depends only
 * on what is in the vault, so exporting twice gives the same files (the receipt aside).
 */
export async function exportBag(opts: ExportOptions): Promise<ExportResult> {
  const { vault } = opts;
  const device = pickDevice(vault, opts.serial);
  const chosen = ChosenItems.resolve(vault, device, opts.only);
  const bag = await BagWriter.create(opts.out);
  const progress = opts.onProgress ?? (() => undefined);
  const rescueSkips = vault.skips(device.id);
  const totals = vault.totals(device.id);
  const skipped: ReceiptSkip[] = [];

  const notes: ReceiptNote[] = [];
  const contacts = await exportContacts(opts, device, bag, progress, chosen);
  const calendar = await exportCalendars(opts, device, bag, progress, notes, skipped, chosen);
  const photos = await exportPhotos(opts, device, bag, progress, skipped, chosen);

  const counts: ChosenCounts = {
    contacts: { chosen: contacts.chosen, of: totals.contact.count },
    events: { chosen: calendar.chosen, of: totals.event.count },
    photos: { chosen: photos.chosen, of: totals.media.count },
  };
  // What the rescue could not read is listed for a category exported whole; of a category
  // chosen in part or not at all it would read as missing from this export, which it is not.
  const whole = (category: SelectionCategory) =>
    chosen.takesAll(category) || (counts[category].chosen > 0 && counts[category].chosen === counts[category].of);
  const listedSkips = rescueSkips.filter((s) => whole(categoryOfSkip(s)));
  skipped.unshift(...listedSkips.map((s) => ({ what: `${s.kind} ${s.sourceKey}`, reason: s.reason })));
  const none = 'not in this export (none chosen)';
  const categories: ReceiptCategory[] = [
    { name: 'Contacts', count: contacts.count, where: contacts.written ? 'data/contacts/contacts.vcf' : none },
    {
      name: 'Calendar events',
      count: calendar.events,
      where: chosen.isSelection && calendar.chosen === 0 ? none : `data/calendar/ (${calendar.files.join(', ') || 'none'})`,
    },
    {
      name: 'Photos and videos',
      count: photos.count,
      bytes: photos.bytes,
      where:
        chosen.isSelection && photos.chosen === 0
          ? none
          : opts.photoLayout === 'by-date'
            ? 'data/photos/YEAR/MONTH/'
            : 'data/photos/ (folders as on the phone)',
    },
  ];
  if (chosen.isSelection) {
    categories[0]!.chosen = counts.contacts;
    categories[1]!.chosen = counts.events;
    categories[2]!.chosen = counts.photos;
  }
  const exportedAtIso = new Date().toISOString();
  await bag.writeText(
    ['report.html'],
    receiptHtml({
      identity: device.identity,
      runs: vault.runs(device.id),
      exportedAtIso,
      appVersion: APP_VERSION,
      categories,
      skipped,
      ...(chosen.isSelection ? { selection: { unlistedSkips: rescueSkips.length - listedSkips.length } } : {}),
      notes,
      options: { 'vCard version': opts.vcardVersion, 'Photo layout': opts.photoLayout },
    }),
  );
  progress({ type: 'export-progress', phase: 'finish', done: 1, total: 1 });
  const id = device.identity;
  const sealed = await bag.finish({
    'Source-Organization': 'Lifeboat',
    'External-Description': `Rescue of ${id.manufacturer} ${id.model} (serial ${id.serial})`,
    'External-Identifier': id.serial,
    'Bagging-Date': exportedAtIso.slice(0, 10),
    'Bag-Software-Agent': `Lifeboat ${APP_VERSION}`,
  });
  return {
    out: bag.root,
    serial: device.serial,
    contacts: contacts.count,
    events: calendar.events,
    calendars: calendar.files.length,
    photos: photos.count,
    photoBytes: photos.bytes,
    duplicates: photos.duplicates,
    ...sealed,
    ...(chosen.isSelection ? { chosen: counts } : {}),
  };
}

/** The category of the export a rescue's skip belongs to (see rescue-run.ts for the kinds). */
function categoryOfSkip(skip: SkipRow): SelectionCategory {
  if (skip.kind === 'category') return skip.sourceKey === 'contacts' ? 'contacts' : skip.sourceKey === 'calendar' ? 'events' : 'photos';
  return skip.kind === 'contact' ? 'contacts' : skip.kind === 'event' ? 'events' : 'photos';
}

async function exportContacts(
  opts: ExportOptions,
  device: VaultDevice,
  bag: BagWriter,
  progress: (e: ExportProgress) => void,
  chosen: ChosenItems,
): Promise<{ count: number; chosen: number; written: boolean }> {
  const vault = opts.vault;
  // Sorted by name so a person reading the file finds people; only the sort keys are held in
  // memory, each card is read again when it is written.
  const order: { key: string; sourceKey: string; id: number }[] = [];
  const namePaths = ['$.displayName', '$.name.given', '$.emails[0].value', '$.phones[0].value'];
  for (const { id, sourceKey, fields } of vault.latestItemFields(device.id, 'contact', namePaths)) {
    if (chosen.has('contacts', sourceKey)) order.push({ key: sortName(fields), sourceKey, id });
  }
  // A selection without contacts writes no contacts file (an export of everything always does).
  if (chosen.isSelection && order.length === 0) return { count: 0, chosen: 0, written: false };
  order.sort((a, b) => compare(a.key, b.key) || compare(a.sourceKey, b.sourceKey));
  let done = 0;
  async function* cards(): AsyncGenerator<Uint8Array> {
    for (const { id } of order) {
      const item = vault.itemById<Contact>(id);
      yield Buffer.from(
        formatVCard(item.record, {
          version: opts.vcardVersion,
          uid: `urn:uuid:${stableUuid(device.serial, 'contact', item.sourceKey)}`,
          rev: new Date(item.rescuedMs).toISOString(),
        }),
        'utf8',
      );
      if (++done % 1000 === 0) progress({ type: 'export-progress', phase: 'contacts', done, total: order.length });
    }
  }
  await bag.writeFile(['contacts', 'contacts.vcf'], cards());
  progress({ type: 'export-progress', phase: 'contacts', done, total: order.length });
  return { count: order.length, chosen: order.length, written: true };
}

function sortName(fields: unknown[]): string {
  const first = fields.find((f): f is string => typeof f === 'string' && f !== '');
  return (first ?? '').normalize('NFC').toLowerCase();
}

async function exportCalendars(
  opts: ExportOptions,
  device: VaultDevice,
  bag: BagWriter,
  progress: (e: ExportProgress) => void,
  notes: ReceiptNote[],
  skipped: ReceiptSkip[],
  chosen: ChosenItems,
): Promise<{ events: number; chosen: number; files: string[] }> {
  const vault = opts.vault;
  // The event being written, by its key: notes name it the way a person knows it.
  const titles = new Map<string, string>();
  const onNote = (note: ExportNote) => {
    const what = note.sourceKey ? `event ${titles.get(note.sourceKey) ?? note.sourceKey}` : 'calendar file';
    if (note.code === 'event-skipped') skipped.push({ what, reason: note.message });
    else notes.push({ what, note: note.message });
  };
  // First pass: which calendars, which time zones each needs, and the UID of every series
  // (an exception must carry its series' UID, also when the series itself is not chosen).
  const calendars = new Map<string, { name: string; zones: Set<string>; ids: number[] }>();
  const seriesUid = new Map<string, string>();
  const keyBySyncId = new Map<string, string>();
  const seriesKeyOf = (original: CalendarEvent['original']): string | undefined =>
    original ? (original.sourceKey ?? (original.syncId ? keyBySyncId.get(original.syncId) : undefined)) : undefined;
  let total = 0;
  const include = (id: number, calendarKey: string, calendarName: string, zones: Iterable<string>) => {
    let cal = calendars.get(calendarKey);
    if (!cal) calendars.set(calendarKey, (cal = { name: calendarName, zones: new Set(), ids: [] }));
    for (const tz of zones) cal.zones.add(tz);
    cal.ids.push(id);
    total++;
  };
  // Occurrences not chosen themselves, which go with their series if that is chosen: a series
  // without its changed or cancelled occurrences would show them as they were before.
  const pending: { id: number; original: CalendarEvent['original']; calendarKey: string; calendarName: string; zones: string[] }[] = [];
  for (const { id, record: e } of vault.latestItems<CalendarEvent>(device.id, 'event')) {
    if (e.uid) seriesUid.set(e.sourceKey, e.uid);
    if (e.syncId) keyBySyncId.set(e.syncId, e.sourceKey);
    if (chosen.has('events', e.sourceKey)) include(id, e.calendar.sourceKey, e.calendar.displayName, timeZoneIdsOf(e));
    else if (e.original) pending.push({ id, original: e.original, calendarKey: e.calendar.sourceKey, calendarName: e.calendar.displayName, zones: [...timeZoneIdsOf(e)] });
  }
  for (const p of pending) {
    const seriesKey = seriesKeyOf(p.original);
    if (seriesKey !== undefined && chosen.has('events', seriesKey)) include(p.id, p.calendarKey, p.calendarName, p.zones);
  }
  const uidOf = (e: CalendarEvent): string => {
    const seriesKey = seriesKeyOf(e.original);
    if (seriesKey !== undefined) return seriesUid.get(seriesKey) ?? derivedUid(device, seriesKey);
    return e.uid ?? derivedUid(device, e.sourceKey);
  };

  const files: string[] = [];
  const used = new Set<string>();
  let done = 0;
  let written = 0;
  const ordered = [...calendars.entries()].sort(([a], [b]) => compare(a, b));
  for (const [, cal] of ordered) {
    let name = `${safeName(cal.name, 'Calendar')}.ics`;
    for (let n = 1; used.has(collisionKey(name)); n++) name = withSuffix(`${safeName(cal.name, 'Calendar')}.ics`, n);
    used.add(collisionKey(name));
    async function* text(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(calendarHeader({ prodId: PRODID, name: cal.name, timeZoneIds: [...cal.zones].sort(), onNote }), 'utf8');
      for (const id of cal.ids) {
        const item = vault.itemById<CalendarEvent>(id);
        titles.set(item.sourceKey, `"${item.record.title ?? 'untitled'}" (${cal.name}, #${item.sourceKey})`);
        const text = formatEvent(item.record, { uid: uidOf(item.record), dtstamp: new Date(item.rescuedMs).toISOString(), onNote });
        titles.delete(item.sourceKey);
        if (text === '') continue;
        written++;
        yield Buffer.from(text, 'utf8');
        if (++done % 1000 === 0) progress({ type: 'export-progress', phase: 'calendar', done, total });
      }
      yield Buffer.from(calendarFooter(), 'utf8');
    }
    await bag.writeFile(['calendar', name], text());
    files.push(name);
  }
  progress({ type: 'export-progress', phase: 'calendar', done, total });
  return { events: written, chosen: total, files };
}

function derivedUid(device: VaultDevice, sourceKey: string): string {
  return `${stableUuid(device.serial, 'event', sourceKey)}@lifeboat`;
}

async function exportPhotos(
  opts: ExportOptions,
  device: VaultDevice,
  bag: BagWriter,
  progress: (e: ExportProgress) => void,
  skipped: ReceiptSkip[],
  chosen: ChosenItems,
): Promise<{ count: number; chosen: number; bytes: number; duplicates: number }> {
  const vault = opts.vault;
  const total = chosen.takesAll('photos') ? vault.totals(device.id).media.count : countChosenPhotos(vault, device, chosen);
  const exportedHashes = new Map<string, string>();
  const usedNames = new Set<string>();
  let count = 0;
  let bytes = 0;
  let duplicates = 0;
  let done = 0;
  for (const item of vault.latestItems<MediaRecord>(device.id, 'media')) {
    if (!chosen.has('photos', item.sourceKey)) continue;
    done++;
    const already = exportedHashes.get(item.sha256);
    if (already !== undefined) {
      duplicates++;
      skipped.push({ what: `photo ${item.sourceKey}`, reason: `the same bytes are exported once, as ${already}` });
      continue;
    }
    const segments = ['photos', ...photoPath(item.record, opts.photoLayout)];
    const fileName = segments.pop()!;
    let name = fileName;
    for (let n = 1; usedNames.has(collisionKey([...segments, name].join('/'))); n++) name = withSuffix(fileName, n);
    usedNames.add(collisionKey([...segments, name].join('/')));
    const written = await bag.writeFile(
      [...segments, name],
      vault.openBlob(item.sha256) as AsyncIterable<Uint8Array>,
      new Date(item.record.capture.utcMillis),
    );
    if (written.sha256 !== item.sha256) {
      throw new Error(`the vault's copy of ${item.sourceKey} no longer matches its hash: run "verify" on the vault`);
    }
    exportedHashes.set(item.sha256, written.relPath);
    count++;
    bytes += written.size;
    progress({ type: 'export-progress', phase: 'photos', done, total, bytes });
  }
  return { count, chosen: done, bytes, duplicates };
}

/** How many photos a selection takes, for the progress total (source keys only, no records). */
function countChosenPhotos(vault: Vault, device: VaultDevice, chosen: ChosenItems): number {
  let n = 0;
  for (const { sourceKey } of vault.latestItemFields(device.id, 'media', [])) if (chosen.has('photos', sourceKey)) n++;
  return n;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
