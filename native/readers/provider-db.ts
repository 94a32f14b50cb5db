import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';

/**
 * Opening an Android provider database (contacts2.db, calendar.db) without ever touching it.
 *
 * Phones keep these databases in WAL mode. SQLite opening such a file, even read-only, creates
 * `-shm`/`-wal` files beside it, which would change the user's image folder, and fails outright
 * where that folder is read-only and we are not its owner. So we copy the database (and its
 * journal, which may hold the newest rows) to a private temporary folder and open the copy
 * read-only. The copy is a file copy, so memory stays flat whatever the size.
 */
export interface ProviderDb {
  readonly db: Database.Database;
  /** Column names of a table, empty when the table does not exist. */
  columns(table: string): Set<string>;
  hasTable(table: string): boolean;
  close(): void;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** `kind` reads as "an Android contacts database" and names what the file should have been. */
export function openProviderDb(dbPath: string, kind: string): ProviderDb {
  const notA = (why: string) => new BadInputError(`${dbPath} is not ${kind}: ${why}`);
  checkLooksLikeSqlite(dbPath, notA);

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-provider-'));
  const removeWorkDir = () => fs.rmSync(workDir, { recursive: true, force: true });
  let db: Database.Database;
  try {
    const copy = path.join(workDir, path.basename(dbPath));
    fs.copyFileSync(dbPath, copy);
    for (const suffix of ['-wal', '-journal']) {
      if (fs.existsSync(dbPath + suffix)) fs.copyFileSync(dbPath + suffix, copy + suffix);
    }
    db = openReadOnly(copy);
  } catch (error) {
    removeWorkDir();
    if (error instanceof BadInputError) throw error;
    throw notA(describeSqliteFailure(error));
  }

  const columnCache = new Map<string, Set<string>>();
  const columns = (table: string): Set<string> => {
    let names = columnCache.get(table);
    if (!names) {
      const rows = db.prepare(`PRAGMA table_info(${quoteIdentifier(table)})`).all() as { name: string }[];
      names = new Set(rows.map((row) => row.name));
      columnCache.set(table, names);
    }
    return names;
  };
  return {
    db,
    columns,
    hasTable: (table) => columns(table).size > 0,
    close: () => {
      if (db.open) db.close();
      removeWorkDir();
    },
  };
}

/**
 * Opens the private copy read-only. A database copied in the middle of a write carries a hot
 * journal that must be rolled back first, which a read-only connection may not do; the copy is
 * ours, so one read-write open finishes that recovery, then we read it read-only as usual.
 */
function openReadOnly(copy: string): Database.Database {
  const open = () => {
    const db = new Database(copy, { readonly: true, fileMustExist: true });
    try {
      // Reading the schema is the first real read: a damaged or encrypted file fails here.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      return db;
    } catch (error) {
      db.close();
      throw error;
    }
  };
  try {
    return open();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'SQLITE_READONLY_ROLLBACK' && code !== 'SQLITE_READONLY_RECOVERY') throw error;
    const recovering = new Database(copy, { fileMustExist: true });
    recovering.prepare('SELECT count(*) FROM sqlite_master').get();
    recovering.close();
    return open();
  }
}

function checkLooksLikeSqlite(dbPath: string, notA: (why: string) => BadInputError): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dbPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw notA(code === 'ENOENT' ? 'there is no such file' : `it cannot be read (${code ?? String(error)})`);
  }
  if (!stat.isFile()) throw notA('it is not a file');
  if (stat.size === 0) throw notA('the file is empty');
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(dbPath, 'r');
    fs.readSync(fd, head, 0, head.length, 0);
  } catch (error) {
    throw notA(`it cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  if (head.toString('latin1') !== SQLITE_MAGIC) throw notA('the file is not an SQLite database');
}

/** Turns an SQLite failure into words, also used for failures in the middle of a read. */
export function describeSqliteFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return `the database is damaged (${code})`;
  if (error instanceof Error) return code ? `${error.message} (${code})` : error.message;
  return String(error);
}

/** Wraps SQLite failures met while reading rows: a damaged page shows up only when it is read. */
export function asBadInput(dbPath: string, kind: string, error: unknown): unknown {
  if (error instanceof BadInputError) return error;
  const code = (error as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return new BadInputError(`${dbPath} is not ${kind}: ${describeSqliteFailure(error)}`);
  }
  return error;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `table.column` when the column exists, else NULL, so one query fits every schema version. */
export function columnOrNull(columns: Set<string>, alias: string, ...candidates: string[]): string {
  const found = candidates.find((name) => columns.has(name));
  return found ? `${alias}.${quoteIdentifier(found)}` : 'NULL';
}
