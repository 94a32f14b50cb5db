import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { BadInputError } from '../adapters/errors.ts';
import type { DeviceIdentity } from '../model/device.ts';
import type { CaptureTime, MediaEntry } from '../model/media.ts';
import { BlobStore, type BlobStorage, type PartialStorage, type StoredBlob } from './blob-store.ts';
import { canonicalJson } from './canonical-json.ts';
import type { ResumableRead } from './partial-blobs.ts';
import { SealedBlobStore } from './sealed-blob-store.ts';
import { SealBrokenError } from './sealed-chunks.ts';
import type { SessionKey } from './session-key.ts';
import { CATALOG_SCHEMA, CATALOG_VERSION } from './catalog-schema.ts';

export type ItemKind = 'contact' | 'event' | 'media';
export type RunStatus = 'running' | 'done' | 'failed' | 'lost' | 'cancelled' | 'interrupted';

export interface VaultDevice {
  id: number;
  serial: string;
  identity: DeviceIdentity;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface VaultRun {
  id: number;
  deviceId: number;
  source: string;
  categories: string[];
  battery: number | null;
  startedMs: number;
  finishedMs: number | null;
  status: RunStatus;
  error: string | null;
  summary: Record<string, number> | null;
}

export interface StoredItem<T> {
  id: number;
  kind: ItemKind;
  sourceKey: string;
  sha256: string;
  size: number;
  record: T;
  mtimeMs: number | null;
  captureMs: number | null;
  runId: number;
  rescuedMs: number;
}

/** What the catalog keeps of a photo or video; its bytes are the blob named by the item's sha256. */
export interface MediaRecord {
  entry: MediaEntry;
  capture: CaptureTime;
}

export interface SkipRow {
  runId: number;
  kind: string;
  sourceKey: string;
  reason: string;
}

export interface RecordResult {
  sha256: string;
  size: number;
  /** False when the same content from the same source was already safe. */
  isNew: boolean;
}

export const CATALOG_FILE = 'catalog.db';
/**
 * The one plain file of a sealed vault: it says what the folder is (nothing of the customer). A
 * sealed vault's catalog lives only in memory, its blobs only in sealed form.
 */
export const SEALED_MARKER_FILE = 'sealed-vault.json';
const SEALED_MARKER = `${JSON.stringify({ format: 'lifeboat-sealed-vault', version: 1, chunkBytes: 65536 })}\n`;

export interface VaultOpenOptions {
  create: boolean;
  /**
   * Store mode: seal everything with this session's key. The catalog is an in-memory SQLite
   * database (nothing of it reaches the disk: not even its temporary tables), blobs, temporary and
   * partial files are sealed. Such a vault exists only as long as this object: the key lives in
   * memory only, so the folder can never be opened again (not even by this process).
   */
  sealedBy?: SessionKey;
}

/** A folder made by a store-mode session (its key is gone once the session ended). */
export function isSealedVaultFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, SEALED_MARKER_FILE));
}

/**
 * The vault: the one place rescued data is written. One folder holding a catalog (SQLite, WAL,
 * every commit flushed) and content-addressed blobs. Everything that writes rescued bytes goes
 * through this class, so that a store mode can seal them here and nowhere else.
 */
export class Vault {
  private constructor(
    readonly dir: string,
    private readonly db: Database.Database,
    private readonly blobs: BlobStorage,
    /** Store mode: everything on the disk is sealed, the catalog is in memory. */
    readonly sealed: boolean,
  ) {}

  static async open(dir: string, opts: VaultOpenOptions): Promise<Vault> {
    if (isSealedVaultFolder(dir)) {
      throw new BadInputError(
        `${dir} is a sealed store-mode session folder: its key lived only in the memory of the session that made it, so nothing in it can be read (by design).`,
      );
    }
    if (opts.sealedBy) return Vault.#openSealed(dir, opts.sealedBy);
    const catalogPath = path.join(dir, CATALOG_FILE);
    if (!fs.existsSync(catalogPath)) {
      if (!opts.create) throw new BadInputError(`${dir} is not a Lifeboat vault (no ${CATALOG_FILE} in it).`);
      if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
        throw new BadInputError(
          `${dir} already holds other files and is not a Lifeboat vault: choose an empty or new folder.`,
        );
      }
      fs.mkdirSync(dir, { recursive: true });
    }
    let db: Database.Database;
    try {
      db = new Database(catalogPath);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 10000');
      db.exec(CATALOG_SCHEMA);
    } catch (err) {
      throw new BadInputError(`the vault catalog ${catalogPath} cannot be opened: ${(err as Error).message}`);
    }
    const version = db.prepare(`SELECT value FROM meta WHERE key = 'version'`).pluck().get() as string | undefined;
    if (version === undefined) {
      db.prepare(`INSERT INTO meta (key, value) VALUES ('version', ?)`).run(String(CATALOG_VERSION));
    } else if (Number(version) > CATALOG_VERSION) {
      db.close();
      throw new BadInputError(`the vault ${dir} was made by a newer Lifeboat (catalog ${version}); update Lifeboat.`);
    }
    const blobs = new BlobStore(path.join(dir, 'blobs'), path.join(dir, 'tmp'));
    const vault = new Vault(dir, db, blobs, false);
    return vault;
  }

  static #openSealed(dir: string, key: SessionKey): Vault {
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      throw new BadInputError(`${dir} already holds files: a sealed vault is always made in a new or empty folder.`);
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, SEALED_MARKER_FILE), SEALED_MARKER, { flag: 'wx', mode: 0o600 });
    const db = new Database(':memory:');
    // Sorts, temporary tables and indices stay in memory too, never in a temporary file.
    db.pragma('temp_store = MEMORY');
    db.pragma('foreign_keys = ON');
    db.exec(CATALOG_SCHEMA);
    db.prepare(`INSERT INTO meta (key, value) VALUES ('version', ?)`).run(String(CATALOG_VERSION));
    const blobs = new SealedBlobStore(path.join(dir, 'blobs'), path.join(dir, 'tmp'), key);
    return new Vault(dir, db, blobs, true);
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** Statements are prepared once: the rescue and the export call the same few thousands of times. */
  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- writing: the rescue ----------------------------------------------------------------

  /** Records (or refreshes) a phone by its serial number; several phones may share a vault. */
  registerDevice(identity: DeviceIdentity, nowMs = Date.now()): VaultDevice {
    const json = canonicalJson(identity);
    this.db
      .prepare(
        `INSERT INTO devices (serial, transport, manufacturer, model, vendor_id, product_id, identity_json, first_seen_ms, last_seen_ms)
         VALUES (@serial, @transport, @manufacturer, @model, @vendorId, @productId, @json, @now, @now)
         ON CONFLICT (serial) DO UPDATE SET transport = excluded.transport, manufacturer = excluded.manufacturer,
           model = excluded.model, vendor_id = excluded.vendor_id, product_id = excluded.product_id,
           identity_json = excluded.identity_json, last_seen_ms = excluded.last_seen_ms`,
      )
      .run({ ...identity, json, now: nowMs });
    return this.device(identity.serial)!;
  }

  /** Runs left "running" by a process that no longer exists were cut short (crash, power loss). */
  markAbandonedRuns(): number {
    const rows = this.stmt(`SELECT id, summary_json FROM runs WHERE status = 'running'`).all() as {
      id: number;
      summary_json: string | null;
    }[];
    let marked = 0;
    for (const row of rows) {
      const pid = row.summary_json ? (JSON.parse(row.summary_json) as { pid?: number }).pid : undefined;
      if (pid !== undefined && processAlive(pid)) continue;
      this.stmt(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(row.id);
      marked++;
    }
    return marked;
  }

  startRun(deviceId: number, source: string, categories: string[], battery: number | null, nowMs = Date.now()): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (device_id, source, categories, battery, started_ms, status, summary_json)
         VALUES (?, ?, ?, ?, ?, 'running', ?)`,
      )
      .run(deviceId, source, categories.join(','), battery, nowMs, JSON.stringify({ pid: process.pid }));
    return Number(info.lastInsertRowid);
  }

  finishRun(runId: number, status: RunStatus, summary: Record<string, number> | null, error?: string): void {
    this.db
      .prepare(`UPDATE runs SET status = ?, finished_ms = ?, summary_json = ?, error = ? WHERE id = ?`)
      .run(status, Date.now(), summary ? JSON.stringify(summary) : null, error ?? null, runId);
  }

  /**
   * Saves contacts or events in one commit. Content already safe for the same source key is not
   * written again (isNew false).
   */
  putRecords(
    runId: number,
    deviceId: number,
    kind: 'contact' | 'event',
    records: { sourceKey: string; record: unknown }[],
    nowMs = Date.now(),
  ): RecordResult[] {
    const insert = this.stmt(
      `INSERT INTO items (device_id, kind, source_key, sha256, size, record_json, run_id, rescued_ms, verified_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, kind, source_key, sha256) DO NOTHING`,
    );
    const tx = this.db.transaction(() =>
      records.map(({ sourceKey, record }) => {
        const json = canonicalJson(record);
        const sha256 = sha256Hex(json);
        const size = Buffer.byteLength(json);
        const info = insert.run(deviceId, kind, sourceKey, sha256, size, json, runId, nowMs, nowMs);
        return { sha256, size, isNew: info.changes > 0 };
      }),
    );
    return tx();
  }

  /** A file with the same path, size and modification time that is already verified in the vault. */
  findSafeMedia(deviceId: number, entry: Pick<MediaEntry, 'path' | 'size' | 'mtimeMs'>): StoredItem<MediaRecord> | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM items WHERE device_id = ? AND kind = 'media' AND source_key = ? AND size = ? AND mtime_ms = ?
         ORDER BY id DESC LIMIT 1`,
      )
      .get(deviceId, entry.path, entry.size, entry.mtimeMs) as ItemRow | undefined;
    return row ? toItem<MediaRecord>(row) : undefined;
  }

  /** Streams bytes into the blob store (hashed while written, flushed, renamed into place). */
  storeBlob(bytes: AsyncIterable<Uint8Array>, onChunk?: (chunk: Uint8Array) => void): Promise<StoredBlob> {
    return this.blobs.put(bytes, onChunk);
  }

  /**
   * Streams a file into the blob store like storeBlob, going on from what an earlier call for the
   * same `key` kept when it was cut short (see partial-blobs.ts).
   */
  storeBlobResumable(deviceId: number, key: string, read: ResumableRead): Promise<StoredBlob> {
    return this.partialsOf(deviceId).complete(key, read);
  }

  discardPartial(deviceId: number, key: string): Promise<void> {
    return this.partialsOf(deviceId).discard(key);
  }

  /** Forgets the half-read files of one phone (another phone may be rescued into this vault meanwhile). */
  discardPartials(deviceId: number): Promise<void> {
    return this.partialsOf(deviceId).discardAll();
  }

  private partialsOf(deviceId: number): PartialStorage {
    if (!Number.isSafeInteger(deviceId) || deviceId < 0) throw new Error(`not a device id: ${deviceId}`);
    return this.blobs.partials(path.join(this.dir, 'partial', String(deviceId)));
  }

  /** Records a photo or video whose blob is already safe; from this commit on it counts as rescued. */
  recordMedia(runId: number, deviceId: number, record: MediaRecord, blob: StoredBlob, nowMs = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO items (device_id, kind, source_key, sha256, size, record_json, mtime_ms, capture_ms, run_id, rescued_ms, verified_ms)
         VALUES (?, 'media', ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (device_id, kind, source_key, sha256) DO UPDATE SET
           mtime_ms = excluded.mtime_ms, record_json = excluded.record_json`,
      )
      .run(
        deviceId,
        record.entry.path,
        blob.sha256,
        blob.size,
        canonicalJson(record),
        record.entry.mtimeMs,
        record.capture.utcMillis,
        runId,
        nowMs,
        nowMs,
      );
  }

  recordSkip(runId: number, kind: string, sourceKey: string, reason: string): void {
    this.stmt(`INSERT INTO skips (run_id, kind, source_key, reason) VALUES (?, ?, ?, ?)`).run(runId, kind, sourceKey, reason);
  }

  /** Removes what a crash left half-written; it was never recorded, so nothing rescued is lost. */
  sweepTemporary(): Promise<number> {
    return this.blobs.sweepTemporary();
  }

  // ---- reading: exporters and verify --------------------------------------------------------

  devices(): VaultDevice[] {
    return (this.stmt(`SELECT * FROM devices ORDER BY serial`).all() as DeviceRow[]).map(toDevice);
  }

  device(serial: string): VaultDevice | undefined {
    const row = this.stmt(`SELECT * FROM devices WHERE serial = ?`).get(serial) as DeviceRow | undefined;
    return row ? toDevice(row) : undefined;
  }

  runs(deviceId: number): VaultRun[] {
    return (this.stmt(`SELECT * FROM runs WHERE device_id = ? ORDER BY id`).all(deviceId) as RunRow[]).map(toRun);
  }

  skips(deviceId: number): SkipRow[] {
    return this.db
      .prepare(
        `SELECT s.run_id AS runId, s.kind, s.source_key AS sourceKey, s.reason FROM skips s
         JOIN runs r ON r.id = s.run_id WHERE r.device_id = ? ORDER BY s.id`,
      )
      .all(deviceId) as SkipRow[];
  }

  /** The newest version of every item of a kind, in source-key order (streamed, not loaded whole). */
  *latestItems<T>(deviceId: number, kind: ItemKind): Generator<StoredItem<T>> {
    const rows = this.db
      .prepare(
        `SELECT * FROM items WHERE id IN (
           SELECT MAX(id) FROM items WHERE device_id = ? AND kind = ? GROUP BY source_key)
         ORDER BY source_key, id`,
      )
      .iterate(deviceId, kind) as IterableIterator<ItemRow>;
    for (const row of rows) yield toItem<T>(row);
  }

  /**
   * Only a few fields of the newest version of every item (JSON paths such as '$.displayName'),
   * for ordering and grouping without parsing whole records.
   */
  *latestItemFields(deviceId: number, kind: ItemKind, jsonPaths: string[]): Generator<{ id: number; sourceKey: string; fields: unknown[] }> {
    const columns = jsonPaths.map((_, i) => `json_extract(record_json, ?) AS f${i}`).join(', ');
    const rows = this.stmt(
      `SELECT id, source_key${columns ? `, ${columns}` : ''} FROM items WHERE id IN (
         SELECT MAX(id) FROM items WHERE device_id = ? AND kind = ? GROUP BY source_key)
       ORDER BY source_key, id`,
    ).iterate(...jsonPaths, deviceId, kind) as IterableIterator<Record<string, unknown>>;
    for (const row of rows) {
      yield { id: row.id as number, sourceKey: row.source_key as string, fields: jsonPaths.map((_, i) => row[`f${i}`]) };
    }
  }

  itemById<T>(id: number): StoredItem<T> {
    const row = this.stmt(`SELECT * FROM items WHERE id = ?`).get(id) as ItemRow | undefined;
    if (!row) throw new Error(`no item ${id} in the vault`);
    return toItem<T>(row);
  }

  /** Counts and bytes of what is safe for a device: the newest version of each item. */
  totals(deviceId: number): Record<ItemKind, { count: number; bytes: number }> {
    const out: Record<ItemKind, { count: number; bytes: number }> = {
      contact: { count: 0, bytes: 0 },
      event: { count: 0, bytes: 0 },
      media: { count: 0, bytes: 0 },
    };
    const rows = this.db
      .prepare(
        `SELECT kind, COUNT(*) AS count, COALESCE(SUM(size), 0) AS bytes FROM items WHERE id IN (
           SELECT MAX(id) FROM items WHERE device_id = ? GROUP BY kind, source_key) GROUP BY kind`,
      )
      .all(deviceId) as { kind: ItemKind; count: number; bytes: number }[];
    for (const row of rows) out[row.kind] = { count: row.count, bytes: row.bytes };
    return out;
  }

  openBlob(sha256: string): Readable {
    return this.blobs.open(sha256);
  }

  // ---- verify ------------------------------------------------------------------------------

  /** Re-reads every record and blob and compares it with the hash recorded when it was saved. */
  async verify(onProgress?: (done: number, total: number) => void): Promise<string[]> {
    const problems: string[] = [];
    const integrity = this.db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`catalog: SQLite integrity check says ${String(integrity)}`);
    const total = this.stmt(`SELECT COUNT(*) FROM items`).pluck().get() as number;
    let done = 0;
    const checkedBlobs = new Map<string, boolean>();
    for (const row of this.stmt(`SELECT * FROM items ORDER BY id`).iterate() as IterableIterator<ItemRow>) {
      const where = `${row.kind} ${row.source_key}`;
      if (row.kind === 'media') {
        let ok = checkedBlobs.get(row.sha256);
        if (ok === undefined) {
          let found: StoredBlob | null;
          try {
            found = await this.blobs.rehash(row.sha256);
          } catch (err) {
            if (!(err instanceof SealBrokenError)) throw err;
            problems.push(`damaged: ${where} (${err.message})`);
            checkedBlobs.set(row.sha256, false);
            onProgress?.(++done, total);
            continue;
          }
          if (!found) problems.push(`missing: ${where} (blob ${row.sha256})`);
          else if (found.sha256 !== row.sha256 || found.size !== row.size)
            problems.push(`damaged: ${where} (blob ${row.sha256} now hashes to ${found.sha256}, ${found.size} bytes)`);
          ok = !!found && found.sha256 === row.sha256 && found.size === row.size;
          checkedBlobs.set(row.sha256, ok);
        }
      } else if (sha256Hex(row.record_json) !== row.sha256) {
        problems.push(`damaged: ${where} (record no longer matches its hash ${row.sha256})`);
      }
      onProgress?.(++done, total);
    }
    return problems;
  }
}

interface DeviceRow {
  id: number;
  serial: string;
  identity_json: string;
  first_seen_ms: number;
  last_seen_ms: number;
}

interface RunRow {
  id: number;
  device_id: number;
  source: string;
  categories: string;
  battery: number | null;
  started_ms: number;
  finished_ms: number | null;
  status: RunStatus;
  error: string | null;
  summary_json: string | null;
}

interface ItemRow {
  id: number;
  kind: ItemKind;
  source_key: string;
  sha256: string;
  size: number;
  record_json: string;
  mtime_ms: number | null;
  capture_ms: number | null;
  run_id: number;
  rescued_ms: number;
}

function toDevice(row: DeviceRow): VaultDevice {
  return {
    id: row.id,
    serial: row.serial,
    identity: JSON.parse(row.identity_json) as DeviceIdentity,
    firstSeenMs: row.first_seen_ms,
    lastSeenMs: row.last_seen_ms,
  };
}

function toRun(row: RunRow): VaultRun {
  const summary = row.summary_json ? (JSON.parse(row.summary_json) as Record<string, number>) : null;
  return {
    id: row.id,
    deviceId: row.device_id,
    source: row.source,
    categories: row.categories ? row.categories.split(',') : [],
    battery: row.battery,
    startedMs: row.started_ms,
    finishedMs: row.finished_ms,
    status: row.status,
    error: row.error,
    summary,
  };
}

function toItem<T>(row: ItemRow): StoredItem<T> {
  return {
    id: row.id,
    kind: row.kind,
    sourceKey: row.source_key,
    sha256: row.sha256,
    size: row.size,
    record: JSON.parse(row.record_json) as T,
    mtimeMs: row.mtime_ms,
    captureMs: row.capture_ms,
    runId: row.run_id,
    rescuedMs: row.rescued_ms,
  };
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
