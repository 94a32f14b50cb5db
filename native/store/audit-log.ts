import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { canonicalJson } from '../vault/canonical-json.ts';
import { isProcessAlive } from '../util/process-alive.ts';

/**
 * The store's audit log: what happened, when and by whom, never what a customer's phone held.
 * One JSON object per line (JSON Lines), append-only, each line chained to the one before:
 *
 *   {"data":{...},"event":"session-started","hash":H,"prev":P,"seq":N,"time":"2026-...Z"}
 *
 * `hash` is SHA-256 of the line's canonical JSON without `hash`; `prev` is the previous line's
 * `hash` (64 zeros for the first line). An edited line fails its own hash (or, edited with its
 * hash recomputed, the next line's `prev`); a removed line breaks `seq` and `prev` of the next.
 * Cutting lines off the end leaves a shorter valid chain, which only an outside copy of the last
 * hash can show: each receipt carries the hash of its session's last line for that reason.
 */
export const GENESIS = '0'.repeat(64);

/** The only fields an audit line may carry: metadata, by construction (see AuditData). */
export type AuditEvent =
  | 'staff-added'
  | 'staff-signed-in'
  | 'staff-sign-in-refused'
  | 'staff-signed-out'
  | 'store-mode-on'
  | 'store-mode-off'
  | 'holders-found'
  | 'session-started'
  | 'phone-identified'
  | 'rescue-finished'
  | 'preview-opened'
  | 'preview-closed'
  | 'handoff-verified'
  | 'handoff-failed'
  | 'key-destroyed'
  | 'session-ended';

/**
 * What a line may hold. Strings are ids, device make and model, codes and digests; numbers are
 * counts and times. Nothing here can carry a name, a number or a file of the customer's.
 */
export interface AuditData {
  session?: string;
  staff?: string;
  /** Device make and model as the phone reports them (the serial only as serialHash). */
  make?: string;
  model?: string;
  transport?: string;
  serialHash?: string;
  status?: string;
  outcome?: 'handed-off' | 'abandoned';
  counts?: { contacts: number; events: number; photos: number; bytes?: number };
  notTransferred?: number;
  manifestSha256?: string;
  destination?: 'folder';
  category?: string;
  customerPresent?: boolean;
  keyDestroyedAt?: string;
  holders?: string[];
  reason?: string;
}

export interface AuditLine {
  seq: number;
  time: string;
  event: AuditEvent;
  data: AuditData;
  prev: string;
  hash: string;
}

const LOCK_WAIT_MS = 5_000;

export class AuditLog {
  constructor(readonly file: string) {}

  /** Appends one line (flushed to the disk before this returns) and gives it back. */
  append(event: AuditEvent, data: AuditData, now = new Date()): AuditLine {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    return withLock(`${this.file}.lock`, () => {
      const last = lastLine(this.file);
      const body = { seq: last ? last.seq + 1 : 1, time: now.toISOString(), event, data, prev: last ? last.hash : GENESIS };
      const line: AuditLine = { ...body, hash: hashOf(body) };
      const fd = fs.openSync(this.file, 'a', 0o600);
      try {
        fs.writeSync(fd, `${canonicalJson(line)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return line;
    });
  }
}

function hashOf(body: Omit<AuditLine, 'hash'>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** The last whole line of the log (read from its tail), or null for a new log. */
function lastLine(file: string): AuditLine | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return null;
    // Lines are small (well under 4 KiB); read more of the tail only if one is not found.
    for (let span = 16 * 1024; ; span *= 4) {
      const from = Math.max(0, size - span);
      const buf = Buffer.alloc(size - from);
      fs.readSync(fd, buf, 0, buf.length, from);
      const text = buf.toString('utf8').replace(/\n+$/, '');
      const cut = text.lastIndexOf('\n');
      if (cut >= 0 || from === 0) {
        const line = JSON.parse(text.slice(cut + 1)) as AuditLine;
        if (typeof line.seq !== 'number' || typeof line.hash !== 'string') throw new Error(`${file}: its last line is not an audit line`);
        return line;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A lock file made with O_EXCL, so that two Lifeboat processes (the app and a CLI run) never chain
 * two lines to the same predecessor. A lock whose process is gone is taken over.
 */
function withLock<T>(lockFile: string, fn: () => T): T {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lockFile, 'utf8').trim() || 'NaN');
      if (!Number.isInteger(holder) || !isProcessAlive(holder)) {
        fs.rmSync(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`the audit log is locked by process ${holder} (${lockFile})`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}


export interface AuditVerification {
  ok: boolean;
  lines: number;
  /** The hash of the last line: compare it with a receipt's audit reference or a noted copy. */
  lastHash: string | null;
  /** The first line (1-based) that breaks the chain, and why. */
  firstBad?: { line: number; reason: string };
}

/** Checks every line's hash, sequence number and link to the line before. */
export function verifyAuditLog(file: string): AuditVerification {
  const text = fs.readFileSync(file, 'utf8');
  const rows = text.split('\n');
  if (rows[rows.length - 1] === '') rows.pop();
  let prev = GENESIS;
  let seq = 0;
  const bad = (line: number, reason: string): AuditVerification => ({ ok: false, lines: rows.length, lastHash: null, firstBad: { line, reason } });
  for (let i = 0; i < rows.length; i++) {
    const n = i + 1;
    let line: AuditLine;
    try {
      line = JSON.parse(rows[i]!) as AuditLine;
    } catch {
      return bad(n, 'not JSON');
    }
    if (typeof line !== 'object' || line === null || typeof line.hash !== 'string') return bad(n, 'not an audit line (no hash)');
    const { hash, ...body } = line;
    if (canonicalJson(line) !== rows[i]) return bad(n, 'not in canonical form (edited by hand?)');
    if (hashOf(body) !== hash) return bad(n, 'its content does not match its hash: the line was edited');
    if (line.seq !== seq + 1) return bad(n, `sequence number ${line.seq} where ${seq + 1} was due: a line before it was removed or added`);
    if (line.prev !== prev) return bad(n, 'it does not follow the line before it: that line was edited or removed');
    prev = hash;
    seq = line.seq;
  }
  return { ok: true, lines: rows.length, lastHash: rows.length ? prev : null };
}
