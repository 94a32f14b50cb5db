import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NotTransferred, StoreSessionInfo } from '../api/store-api.ts';
import { ApiError } from '../api/user-error.ts';
import type { Category } from '../rescue/categories.ts';
import { AuditLog } from './audit-log.ts';
import { checkHolders, systemProbe, type Holder, type HolderProbe } from './holders-check.ts';
import { StaffRegistry } from './staff.ts';
import { serialHasher, storeFolder, type StoreFolder } from './store-folder.ts';
import { StoreSession } from './store-session.ts';
import { isProcessAlive } from '../util/process-alive.ts';

export interface StoreDeskOptions {
  /** The store folder (default: the app's data folder + /store). */
  root?: string;
  probe?: HolderProbe;
  now?: () => number;
}

/**
 * The store's counter: staff, the audit log, and the customer sessions running side by side (one
 * per phone). It starts sessions, finds them, and ends them all (keys destroyed) when it closes.
 */
export class StoreDesk {
  readonly folder: StoreFolder;
  readonly audit: AuditLog;
  readonly staff: StaffRegistry;
  readonly #hashSerial: (serial: string) => string;
  readonly #probe: HolderProbe;
  readonly #now: () => number;
  readonly #sessions = new Map<string, StoreSession>();
  readonly #listeners = new Set<(session: StoreSessionInfo) => void>();

  constructor(opts: StoreDeskOptions = {}) {
    this.folder = storeFolder(opts.root);
    fs.mkdirSync(this.folder.sessionsDir, { recursive: true, mode: 0o700 });
    this.audit = new AuditLog(this.folder.auditFile);
    this.staff = new StaffRegistry(this.folder.staffFile);
    this.#hashSerial = serialHasher(this.folder);
    this.#probe = opts.probe ?? systemProbe();
    this.#now = opts.now ?? Date.now;
    this.#sweepLeftovers();
  }

  /** Checks a PIN and records the sign-in (or the refusal) in the audit log. */
  signIn(staffId: string, pin: string): void {
    try {
      this.staff.verify(staffId, pin, this.#now());
    } catch (err) {
      this.audit.append('staff-sign-in-refused', { staff: staffId.slice(0, 32) });
      throw new ApiError('wrong-pin', (err as Error).message, 'Check the staff id and PIN and try again.');
    }
    this.audit.append('staff-signed-in', { staff: staffId });
  }

  addStaff(staffId: string, pin: string): void {
    this.staff.add(staffId, pin, this.#now());
    this.audit.append('staff-added', { staff: staffId });
  }

  /** What holds phones on this PC now; what was found is noted (names only) in the audit log. */
  async checkHolders(): Promise<Holder[]> {
    const holders = await checkHolders(this.#probe);
    const blocking = holders.filter((h) => h.severity === 'blocks');
    if (blocking.length) this.audit.append('holders-found', { holders: blocking.map((h) => h.name.split(' (')[0]!) });
    return holders;
  }

  /** A new customer session (its key made, its sealed vault opened); start its rescue with session.rescue(). */
  async startSession(opts: { staffId: string; categories: Category[]; unavailable?: NotTransferred[] }): Promise<StoreSession> {
    if (!this.staff.list().includes(opts.staffId)) {
      throw new ApiError('no-staff', `No staff member "${opts.staffId}" on this PC.`, 'Add one with "lifeboat store staff add".');
    }
    const session = await StoreSession.begin(
      { folder: this.folder, audit: this.audit, hashSerial: this.#hashSerial, onChange: (s) => this.#changed(s), now: this.#now },
      opts,
    );
    this.#sessions.set(session.id, session);
    return session;
  }

  session(id: string): StoreSession {
    const session = this.#sessions.get(id);
    if (!session) throw new ApiError('not-found', 'There is no such session.', 'Look at the queue for the sessions there are.');
    return session;
  }

  sessions(): StoreSession[] {
    return [...this.#sessions.values()];
  }

  onChange(listener: (session: StoreSessionInfo) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Abandons every session still open: no key outlives the desk. */
  async close(reason = 'the app was closed'): Promise<void> {
    for (const session of this.#sessions.values()) {
      if (!session.ended) await session.abandon(reason).catch(() => undefined);
    }
    this.#listeners.clear();
  }

  #changed(session: StoreSession): void {
    if (this.#listeners.size === 0) return;
    const info = session.info();
    for (const listener of this.#listeners) {
      try {
        listener(info);
      } catch {
        // A listener that fails must not stop the session.
      }
    }
  }

  /**
   * Session folders of processes that ended (a crash, a power cut) hold only ciphertext under a
   * key that died with them: they are removed, and the audit log says so.
   */
  #sweepLeftovers(): void {
    for (const name of fs.readdirSync(this.folder.sessionsDir)) {
      const dir = path.join(this.folder.sessionsDir, name);
      let owner = NaN;
      try {
        owner = Number(fs.readFileSync(path.join(dir, 'owner.pid'), 'utf8').trim());
      } catch {
        // No owner file: made by nobody we know; removed.
      }
      if (Number.isInteger(owner) && isProcessAlive(owner)) continue;
      fs.rmSync(dir, { recursive: true, force: true });
      this.audit.append('session-ended', { session: name.slice(0, 40), outcome: 'abandoned', reason: 'left by a Lifeboat process that ended; its key died with it' });
    }
  }
}
