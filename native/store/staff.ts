import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';

/**
 * Staff of the store, each with a PIN, kept in the store folder's staff.json. Only scrypt hashes
 * (node:crypto, N=2^15, r=8, p=1, a random 16-byte salt each) are stored. A PIN guards against a
 * colleague at the counter, not against someone who copies the file: short PINs can be guessed
 * offline whatever the hash (see README). Wrong PINs are throttled in this process.
 */
export const STAFF_ID = /^[A-Za-z0-9._-]{1,32}$/;
const PIN_RULE = /^\S{4,64}$/;
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const MAX_FAILURES = 5;
const LOCKOUT_MS = 60_000;

interface StaffRecord {
  id: string;
  salt: string;
  hash: string;
  params: { N: number; r: number; p: number };
  addedMs: number;
}

interface StaffFile {
  version: 1;
  staff: StaffRecord[];
}

export class WrongPinError extends BadInputError {}

export class StaffRegistry {
  readonly #failures = new Map<string, { count: number; untilMs: number }>();

  constructor(readonly file: string) {}

  list(): string[] {
    return this.#read().staff.map((s) => s.id);
  }

  /** Adds a member of staff, or sets a new PIN for one. */
  add(id: string, pin: string, nowMs = Date.now()): void {
    if (!STAFF_ID.test(id)) throw new BadInputError(`a staff id is 1-32 letters, digits, dots, dashes or underscores, not "${id}"`);
    if (!PIN_RULE.test(pin)) throw new BadInputError('a PIN is 4 to 64 characters without spaces');
    const salt = randomBytes(16);
    const hash = scryptSync(pin, salt, 32, SCRYPT);
    const data = this.#read();
    const record: StaffRecord = {
      id,
      salt: salt.toString('base64'),
      hash: hash.toString('base64'),
      params: { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p },
      addedMs: nowMs,
    };
    data.staff = [...data.staff.filter((s) => s.id !== id), record].sort((a, b) => (a.id < b.id ? -1 : 1));
    this.#write(data);
  }

  /** Checks a PIN; throws WrongPinError (after too many, for a minute whatever the PIN). */
  verify(id: string, pin: string, nowMs = Date.now()): void {
    const failed = this.#failures.get(id);
    if (failed && failed.count >= MAX_FAILURES && nowMs < failed.untilMs) {
      throw new WrongPinError(`too many wrong PINs for ${id}: wait ${Math.ceil((failed.untilMs - nowMs) / 1000)} s and try again`);
    }
    const record = this.#read().staff.find((s) => s.id === id);
    // Unknown ids cost the same scrypt as known ones, so a wrong id is not told by the time taken.
    const salt = record ? Buffer.from(record.salt, 'base64') : Buffer.alloc(16);
    const params = record?.params ?? SCRYPT;
    const hash = scryptSync(pin, salt, 32, { ...params, maxmem: SCRYPT.maxmem });
    const expected = record ? Buffer.from(record.hash, 'base64') : Buffer.alloc(32, 0xff);
    if (!record || expected.length !== hash.length || !timingSafeEqual(hash, expected)) {
      const count = (failed?.count ?? 0) + 1;
      this.#failures.set(id, { count, untilMs: nowMs + LOCKOUT_MS });
      throw new WrongPinError(record ? `wrong PIN for ${id}` : `no staff member "${id}" on this PC: add one with "lifeboat store staff add --staff ${id}"`);
    }
    this.#failures.delete(id);
  }

  #read(): StaffFile {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, staff: [] };
      throw err;
    }
    const data = JSON.parse(text) as StaffFile;
    if (data.version !== 1 || !Array.isArray(data.staff)) throw new BadInputError(`${this.file} is not a Lifeboat staff file`);
    return data;
  }

  #write(data: StaffFile): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
