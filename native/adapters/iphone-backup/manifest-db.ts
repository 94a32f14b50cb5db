import { BadInputError } from '../errors.ts';
import { asBadInput, openProviderDb, type ProviderDb } from '../../readers/provider-db.ts';
import { decodeMbFile, type MbFile } from './mbfile.ts';

/**
 * Manifest.db: the index of a backup. Files(fileID, domain, relativePath, flags, file) names
 * every file the phone gave; the payload of a regular file (flags 1) is at xx/<fileID>, where
 * fileID = SHA1(domain + "-" + relativePath) in lower-case hex.
 *
 * The backup is untrusted input, so a row is only believed when it is well formed: a fileID of
 * exactly 40 hex digits (never a path), a relativePath without "..", empty or absolute
 * segments. Anything else is left out and told to `onProblem`.
 */
export interface ManifestRow {
  fileID: string;
  domain: string;
  relativePath: string;
  mbFile?: MbFile;
  /** Why the MBFile could not be decoded, when it could not. */
  mbFileProblem?: string;
}

export const FILE_ID = /^[0-9a-f]{40}$/;
const KIND = 'a backup index (Manifest.db)';
const REGULAR_FILE = 1;

export class ManifestDb {
  private constructor(private readonly source: ProviderDb, private readonly dbPath: string) {}

  static open(dbPath: string): ManifestDb {
    const source = openProviderDb(dbPath, KIND);
    try {
      const columns = source.columns('Files');
      const missing = ['fileID', 'domain', 'relativePath', 'flags', 'file'].filter((c) => !columns.has(c));
      if (columns.size === 0) throw new BadInputError(`${dbPath} is not ${KIND}: it has no Files table`);
      if (missing.length) throw new BadInputError(`${dbPath} is not ${KIND}: table Files has no column ${missing.join(', ')}`);
      // Reading every page once here finds a damaged file now, not in the middle of a rescue.
      const check = source.db.prepare('PRAGMA quick_check').pluck().all() as string[];
      if (check.length !== 1 || check[0] !== 'ok') throw new BadInputError(`${dbPath} is not ${KIND}: the database is damaged (${check.slice(0, 3).join('; ')})`);
    } catch (error) {
      source.close();
      throw asBadInput(dbPath, KIND, error);
    }
    return new ManifestDb(source, dbPath);
  }

  /** The regular file at domain/relativePath, or undefined when the backup does not hold it. */
  find(domain: string, relativePath: string, onProblem?: (message: string) => void): ManifestRow | undefined {
    const rows = this.query(
      'SELECT fileID, domain, relativePath, file FROM Files WHERE domain = ? AND relativePath = ? AND flags = ? ORDER BY fileID',
      domain, relativePath, REGULAR_FILE,
    );
    for (const row of rows) {
      const checked = checkRow(row, onProblem);
      if (checked) return checked;
    }
    return undefined;
  }

  /** Regular files of a domain under a folder prefix ("Media/DCIM/"), in path order. */
  *under(domain: string, prefix: string, onProblem?: (message: string) => void): Generator<ManifestRow> {
    // substr, not LIKE: LIKE treats _ and % in the prefix as wildcards.
    const statement = this.source.db.prepare(
      'SELECT fileID, domain, relativePath, file FROM Files WHERE domain = ? AND substr(relativePath, 1, ?) = ? AND flags = ? ORDER BY relativePath, fileID',
    );
    try {
      for (const row of statement.iterate(domain, prefix.length, prefix, REGULAR_FILE) as Iterable<RawRow>) {
        const checked = checkRow(row, onProblem);
        if (checked) yield checked;
      }
    } catch (error) {
      throw asBadInput(this.dbPath, KIND, error);
    }
  }

  close(): void {
    this.source.close();
  }

  private query(sql: string, ...params: unknown[]): RawRow[] {
    try {
      return this.source.db.prepare(sql).all(...params) as RawRow[];
    } catch (error) {
      throw asBadInput(this.dbPath, KIND, error);
    }
  }
}

interface RawRow {
  fileID: unknown;
  domain: unknown;
  relativePath: unknown;
  file: unknown;
}

function checkRow(row: RawRow, onProblem?: (message: string) => void): ManifestRow | undefined {
  const where = `${String(row.domain)}/${String(row.relativePath)}`;
  if (typeof row.fileID !== 'string' || !FILE_ID.test(row.fileID)) {
    onProblem?.(`left out ${JSON.stringify(where)}: its fileID ${JSON.stringify(String(row.fileID).slice(0, 80))} is not 40 hex digits`);
    return undefined;
  }
  if (typeof row.domain !== 'string' || typeof row.relativePath !== 'string' || !isSafeRelativePath(row.relativePath)) {
    onProblem?.(`left out ${JSON.stringify(where.slice(0, 200))}: its path is not a plain path inside the phone's folder`);
    return undefined;
  }
  const out: ManifestRow = { fileID: row.fileID, domain: row.domain, relativePath: row.relativePath };
  if (Buffer.isBuffer(row.file)) {
    try {
      out.mbFile = decodeMbFile(row.file);
    } catch (error) {
      out.mbFileProblem = (error as Error).message;
    }
  } else {
    out.mbFileProblem = 'it has no file record';
  }
  return out;
}

/** '/'-separated, relative, no empty, "." or ".." segments, no NUL or backslash, not absurdly long. */
export function isSafeRelativePath(p: string): boolean {
  if (p.length === 0 || p.length > 4096 || p.includes('\0') || p.includes('\\')) return false;
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
