import type { Contact } from '../model/contact.ts';
import type { CalendarEvent, EventTime } from '../model/event.ts';
import type { MediaRecord, Vault, VaultDevice } from '../vault/vault.ts';
import type { ContactRow, EventRow, Page, PhotoRow } from './api.ts';
import { ApiError } from './user-error.ts';

/**
 * What Review shows of one phone's vault: contacts, events and photos as light rows, sorted the
 * way a person looks for them. Rows are rebuilt only when the vault's counts changed, so paging
 * through 50,000 photos reads the catalog once.
 */
export class ReviewIndex {
  #contacts?: { version: string; rows: (ContactRow & { haystack: string })[] };
  #events?: { version: string; rows: EventRow[] };
  #photos?: { version: string; rows: PhotoRow[] };

  constructor(
    private readonly vault: Vault,
    private readonly device: VaultDevice,
  ) {}

  contacts(query: string | undefined, offset: number, limit: number): Page<ContactRow> {
    const version = this.#version('contact');
    if (this.#contacts?.version !== version) this.#contacts = { version, rows: this.#buildContacts() };
    const words = (query ?? '').toLocaleLowerCase().split(/\s+/).filter(Boolean);
    const all = this.#contacts.rows;
    const hits = words.length ? all.filter((r) => words.every((w) => r.haystack.includes(w))) : all;
    return { total: hits.length, offset, rows: hits.slice(offset, offset + limit).map(({ haystack: _, ...row }) => row) };
  }

  contact(id: number): Contact {
    const item = this.#item<Contact>(id, 'contact');
    return item;
  }

  events(): EventRow[] {
    const version = this.#version('event');
    if (this.#events?.version !== version) this.#events = { version, rows: this.#buildEvents() };
    return this.#events.rows;
  }

  photos(offset: number, limit: number): Page<PhotoRow> {
    const version = this.#version('media');
    if (this.#photos?.version !== version) this.#photos = { version, rows: this.#buildPhotos() };
    return { total: this.#photos.rows.length, offset, rows: this.#photos.rows.slice(offset, offset + limit) };
  }

  /** The stored photo behind a row, checked to belong to this phone. */
  media(id: number): { sha256: string; record: MediaRecord } {
    const item = this.vault.itemById<MediaRecord>(id);
    if (item.kind !== 'media') throw notFound();
    return { sha256: item.sha256, record: item.record };
  }

  #item<T>(id: number, kind: 'contact' | 'event'): T {
    let item;
    try {
      item = this.vault.itemById<T>(id);
    } catch {
      throw notFound();
    }
    if (item.kind !== kind) throw notFound();
    return item.record;
  }

  #version(kind: 'contact' | 'event' | 'media'): string {
    const t = this.vault.totals(this.device.id)[kind];
    return `${t.count}:${t.bytes}`;
  }

  #buildContacts(): (ContactRow & { haystack: string })[] {
    const paths = ['$.displayName', '$.name.given', '$.name.family', '$.phones[0].value', '$.emails[0].value', '$.starred', '$.organizations[0].company'];
    const rows: (ContactRow & { haystack: string })[] = [];
    for (const { id, fields } of this.vault.latestItemFields(this.device.id, 'contact', paths)) {
      const [display, given, family, phone, email, starred, company] = fields.map((f) => (f === null || f === undefined ? '' : String(f)));
      const name = display || [given, family].filter(Boolean).join(' ') || company || email || phone || '(no name)';
      rows.push({
        id,
        name: name!,
        detail: phone || email || company || '',
        starred: starred === '1' || starred === 'true',
        haystack: [name, phone, email, company].join(' ').toLocaleLowerCase(),
      });
    }
    rows.sort((a, b) => a.name.localeCompare(b.name) || a.id - b.id);
    return rows;
  }

  #buildEvents(): EventRow[] {
    const rows: EventRow[] = [];
    for (const item of this.vault.latestItems<CalendarEvent>(this.device.id, 'event')) {
      const e = item.record;
      const startMs = millisOf(e.start);
      rows.push({
        id: item.id,
        title: e.title || '(no title)',
        calendar: e.calendar.displayName,
        startMs,
        endMs: e.end ? millisOf(e.end) : null,
        allDay: e.allDay,
        repeats: e.rrule.length > 0 || e.rdate.length > 0,
        ...(e.location ? { location: e.location } : {}),
        ...(e.start.kind === 'instant' ? { timeZone: e.start.timeZone } : {}),
      });
    }
    rows.sort((a, b) => a.startMs - b.startMs || a.id - b.id);
    return rows;
  }

  #buildPhotos(): PhotoRow[] {
    const paths = ['$.entry.path', '$.entry.kind', '$.entry.mediaType', '$.entry.size', '$.capture.utcMillis'];
    const rows: PhotoRow[] = [];
    for (const { id, fields } of this.vault.latestItemFields(this.device.id, 'media', paths)) {
      const [path, kind, mediaType, size, capture] = fields;
      rows.push({
        id,
        path: String(path ?? ''),
        kind: kind === 'video' ? 'video' : 'photo',
        mediaType: String(mediaType ?? 'application/octet-stream'),
        size: Number(size ?? 0),
        captureMs: typeof capture === 'number' ? capture : null,
      });
    }
    // Newest first, as a phone's gallery shows them.
    rows.sort((a, b) => (b.captureMs ?? 0) - (a.captureMs ?? 0) || a.path.localeCompare(b.path));
    return rows;
  }
}

function millisOf(t: EventTime): number {
  return t.kind === 'instant' ? t.utcMillis : Date.UTC(t.year, t.month - 1, t.day);
}

function notFound(): ApiError {
  return new ApiError('not-found', 'That item is not in the vault.', 'Go back to the list and choose it again.');
}
