import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { openProviderDb, type ProviderDb } from '../../readers/provider-db.ts';

export type ProviderName = 'contacts' | 'calendar';

const FILES: Record<ProviderName, { file: string; kind: string }> = {
  contacts: { file: 'contacts2.db', kind: 'an Android contacts database' },
  calendar: { file: 'calendar.db', kind: 'an Android calendar database' },
};

/**
 * The image's provider databases, opened the way the image reader opens them (a private copy,
 * read-only, so the image is never touched). The copy is made once per simulator; each query then
 * gets its own read-only connection to it, because a query streams its rows across many awaits and
 * better-sqlite3 allows one running statement per connection, while several shells may query at once.
 */
export class ProviderDatabases {
  private readonly opened = new Map<ProviderName, ProviderDb>();

  constructor(private readonly imageDir: string) {}

  /** False when the image has no such database (the phone's provider then holds nothing). */
  exists(name: ProviderName): boolean {
    return fs.existsSync(path.join(this.imageDir, 'providers', FILES[name].file));
  }

  /** A fresh read-only connection; the caller closes it. Throws BadInputError for a broken file. */
  connect(name: ProviderName): { db: Database.Database; columns: (table: string) => Set<string> } {
    let provider = this.opened.get(name);
    if (!provider) {
      provider = openProviderDb(path.join(this.imageDir, 'providers', FILES[name].file), FILES[name].kind);
      this.opened.set(name, provider);
    }
    const db = new Database(provider.db.name, { readonly: true, fileMustExist: true });
    db.defaultSafeIntegers(true); // 64-bit millisecond times and ids print exactly
    return { db, columns: provider.columns };
  }

  close(): void {
    for (const provider of this.opened.values()) provider.close();
    this.opened.clear();
  }
}
