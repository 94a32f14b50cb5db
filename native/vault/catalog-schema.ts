/**
 * The catalog: what is in the vault, where it came from, and each rescue run.
 * Records (contacts, events) live in `items.record_json`, hashed like blobs; media rows point
 * at a blob by `sha256`. A row is written only after its bytes are safe on the disk.
 */
export const CATALOG_VERSION = 1;

export const CATALOG_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS devices (
  id            INTEGER PRIMARY KEY,
  serial        TEXT NOT NULL UNIQUE,
  transport     TEXT NOT NULL,
  manufacturer  TEXT NOT NULL,
  model         TEXT NOT NULL,
  vendor_id     INTEGER NOT NULL,
  product_id    INTEGER NOT NULL,
  identity_json TEXT NOT NULL,
  first_seen_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id           INTEGER PRIMARY KEY,
  device_id    INTEGER NOT NULL REFERENCES devices(id),
  source       TEXT NOT NULL,
  categories   TEXT NOT NULL,
  battery      INTEGER,
  started_ms   INTEGER NOT NULL,
  finished_ms  INTEGER,
  -- running | done | failed | lost | cancelled | interrupted
  status       TEXT NOT NULL,
  error        TEXT,
  summary_json TEXT
);
CREATE TABLE IF NOT EXISTS items (
  id          INTEGER PRIMARY KEY,
  device_id   INTEGER NOT NULL REFERENCES devices(id),
  kind        TEXT NOT NULL CHECK (kind IN ('contact', 'event', 'media')),
  source_key  TEXT NOT NULL,
  sha256      TEXT NOT NULL,
  size        INTEGER NOT NULL,
  record_json TEXT NOT NULL,
  mtime_ms    INTEGER,
  capture_ms  INTEGER,
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  rescued_ms  INTEGER NOT NULL,
  verified_ms INTEGER NOT NULL,
  UNIQUE (device_id, kind, source_key, sha256)
);
CREATE INDEX IF NOT EXISTS items_by_source ON items (device_id, kind, source_key);
CREATE TABLE IF NOT EXISTS skips (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id),
  kind       TEXT NOT NULL,
  source_key TEXT NOT NULL,
  reason     TEXT NOT NULL
);
`;
