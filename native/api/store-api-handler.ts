import * as fs from 'node:fs';
import * as path from 'node:path';
import { CATEGORIES, type Category } from '../rescue/categories.ts';
import type { HolderProbe } from '../store/holders-check.ts';
import { StaffRegistry } from '../store/staff.ts';
import { StoreDesk } from '../store/store-desk.ts';
import { storeFolder } from '../store/store-folder.ts';
import type { OpenPhone, StoreSession } from '../store/store-session.ts';
import type { ApiEvent, ContactRow, DeviceInfo, EventRow, Page, PhotoRow, Thumbnail } from './api.ts';
import type {
  NotTransferred, PhoneHolder, PreviewCategory, StoreApi, StoreApiMethod, StoreReceipt, StoreSessionInfo, StoreStatus,
} from './store-api.ts';
import { ApiError } from './user-error.ts';

/** Where store mode keeps its folder, and whether it starts switched on (`web --store`, or the saved setting). */
export interface StoreModeOptions {
  /** The store folder (staff.json, audit.jsonl, sessions/): the app's data folder + /store, or --store-dir. */
  dir: string;
  /** On from the start (`--store`); otherwise as settings.json in `dir` says. */
  on: boolean;
  /** Tests only: another way to look for software holding phones. */
  probe?: HolderProbe;
}

/** What the engine lends store mode: its attached phones, and the way it opens them. */
export interface StorePhones {
  /** The phone with this id as Devices lists it, and how to open it for a session; throws when it is gone. */
  forSession(deviceId: string): { device: DeviceInfo; open: OpenPhone };
}

const SETTINGS_FILE = 'settings.json';
/** Calls that work with store mode off or nobody signed in. */
const OPEN_CALLS = new Set<StoreApiMethod>(['storeStatus', 'storeModeOn', 'storeSignIn']);
const ENDED = new Set(['handed-off', 'abandoned']);
const PREVIEWS: readonly PreviewCategory[] = ['contacts', 'calendar', 'photos'];
/** Progress of a running rescue or handoff is sent at most this often per session (state changes at once). */
const PROGRESS_EVERY_MS = 100;

/** Whether store mode was left switched on (settings.json in the store folder). */
export function storeModeSaved(dir: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, SETTINGS_FILE), 'utf8')) as { storeMode?: unknown }).storeMode === true;
  } catch {
    return false;
  }
}

function saveStoreMode(dir: string, on: boolean): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, SETTINGS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ storeMode: on })}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Store mode behind the window's calls (StoreApi): each call goes to the store desk or one of its
 * sessions. Only the signed-in member of staff can use it; every session is started for them, and
 * a preview is opened in their name. Events stream each session's state (progress throttled),
 * and its end with the receipt.
 */
export class StoreApiHandler implements StoreApi {
  readonly #opts: StoreModeOptions;
  readonly #phones: StorePhones;
  readonly #emit: (event: ApiEvent) => void;
  #desk: StoreDesk | null = null;
  #stopListening: (() => void) | null = null;
  #signedIn: string | null = null;
  readonly #handoffs = new Map<string, NonNullable<StoreSessionInfo['handoff']>>();
  readonly #told = new Map<string, { state: string; ms: number; timer?: NodeJS.Timeout }>();
  readonly #ended = new Set<string>();
  /** Each session's rescue while it runs (it lets go of the phone a moment after its state says it ended). */
  readonly #rescues = new Map<string, Promise<void>>();

  constructor(opts: StoreModeOptions, phones: StorePhones, emit: (event: ApiEvent) => void) {
    this.#opts = opts;
    this.#phones = phones;
    this.#emit = emit;
    if (opts.on || storeModeSaved(opts.dir)) this.#openDesk();
  }

  get on(): boolean {
    return this.#desk !== null;
  }

  /** One call from a window: refused unless store mode is on and staff signed in (except the few that lead there). */
  async dispatch(method: StoreApiMethod, arg: unknown): Promise<unknown> {
    if (!OPEN_CALLS.has(method)) {
      if (!this.#desk) throw new ApiError('store-mode-off', 'Store mode is off.', 'Switch it on under Settings (a member of staff signs in with it).');
      if (!this.#signedIn) throw new ApiError('not-signed-in', 'No member of staff is signed in.', 'Sign in with your staff id and PIN.');
    }
    const fn = this[method] as (arg: unknown) => Promise<unknown>;
    return fn.call(this, arg ?? {});
  }

  // ---- mode and staff --------------------------------------------------------------------

  async storeStatus(): Promise<StoreStatus> {
    return this.#status();
  }

  async storeModeOn(arg: { staffId: string; pin: string }): Promise<StoreStatus> {
    const staffId = text(arg, 'staffId');
    const pin = text(arg, 'pin');
    const wasOn = this.on;
    const desk = this.#openDesk();
    try {
      this.#signIn(desk, staffId, pin);
    } catch (err) {
      if (!wasOn) this.#closeDesk();
      throw err;
    }
    if (!wasOn) {
      desk.audit.append('store-mode-on', { staff: staffId });
      saveStoreMode(this.#opts.dir, true);
    }
    return this.#statusChanged();
  }

  async storeModeOff(): Promise<StoreStatus> {
    const desk = this.#desk!;
    const open = desk.sessions().filter((s) => !s.ended);
    if (open.length > 0) {
      throw new ApiError('sessions-open', `${open.length} customer session(s) are still open.`, 'Hand off or abandon each of them first: store mode is switched off only with no customer data on this PC.');
    }
    desk.audit.append('store-mode-off', { staff: this.#signedIn! });
    saveStoreMode(this.#opts.dir, false);
    await this.#closeDesk();
    return this.#statusChanged();
  }

  async storeSignIn(arg: { staffId: string; pin: string }): Promise<StoreStatus> {
    if (!this.#desk) throw new ApiError('store-mode-off', 'Store mode is off.', 'Switch it on under Settings.');
    this.#signIn(this.#desk, text(arg, 'staffId'), text(arg, 'pin'));
    return this.#statusChanged();
  }

  async storeSignOut(): Promise<StoreStatus> {
    this.#desk!.audit.append('staff-signed-out', { staff: this.#signedIn! });
    this.#signedIn = null;
    return this.#statusChanged();
  }

  async storeCheckHolders(): Promise<PhoneHolder[]> {
    return this.#desk!.checkHolders();
  }

  // ---- sessions --------------------------------------------------------------------------

  async storeStartSession(arg: { deviceId: string; categories: Category[] }): Promise<{ session: StoreSessionInfo; holders: PhoneHolder[] }> {
    const desk = this.#desk!;
    const deviceId = text(arg, 'deviceId');
    const categories = categoriesOf(arg);
    const { device, open } = this.#phones.forSession(deviceId);
    usableForSession(device);
    const busy = desk.sessions().find((s) => !s.ended && s.info().deviceId === deviceId);
    if (busy) throw new ApiError('session-open', `This phone already has an open customer session (${busy.id}).`, 'Go on with that session, or abandon it first.');
    const possible = categories.filter((c) => device.rescuable.includes(c));
    if (possible.length === 0) {
      throw new ApiError('nothing-to-rescue', `This phone cannot give ${categories.join(', ')} over its connection.`, 'See Connect: contacts and calendar need USB debugging.');
    }
    const unavailable: NotTransferred[] = categories
      .filter((c) => !possible.includes(c))
      .map((c) => ({ what: `all ${c}`, reason: `not readable over this phone's connection (${device.connection})` }));
    const holders = await desk.checkHolders();
    const session = await desk.startSession({ staffId: this.#signedIn!, categories: possible, unavailable });
    this.#runRescue(session, open, deviceId);
    return { session: this.#info(session), holders };
  }

  async storeResumeSession(arg: { sessionId: string; deviceId: string }): Promise<StoreSessionInfo> {
    const session = this.#session(arg);
    const deviceId = text(arg, 'deviceId');
    const { device, open } = this.#phones.forSession(deviceId);
    usableForSession(device);
    if (session.state !== 'interrupted') throw new ApiError('not-resumable', `This session is ${session.state}.`, 'Only a session whose rescue stopped can go on.');
    this.#runRescue(session, open, deviceId);
    return this.#info(session);
  }

  async storeSessions(): Promise<StoreSessionInfo[]> {
    return this.#desk!.sessions().map((s) => this.#info(s));
  }

  /**
   * Starts the handoff and answers at once with the session 'handing-off' (the export of a full
   * phone takes minutes, longer than a call may): progress and the end come as events. What the
   * session refuses before it starts (not ready, no full path) fails this call.
   */
  async storeHandoff(arg: { sessionId: string; folder: string }): Promise<StoreSessionInfo> {
    const session = this.#session(arg);
    const folder = text(arg, 'folder');
    const id = session.id;
    await this.#rescueLetGo(session);
    const done = session.handoff(folder, (p) => {
      this.#handoffs.set(id, { phase: p.phase, done: p.done, total: p.total });
      this.#changed(session.info());
    });
    // The session checks everything before its first wait: not handing off now means it refused.
    if (session.state !== 'handing-off') await done;
    done.then(
      () => this.#handoffs.delete(id),
      () => {
        // The session is back where it was, with the problem said in its state: no call waits for it.
        this.#handoffs.delete(id);
        this.#changed(session.info(), true);
      },
    );
    return this.#info(session);
  }

  async storeAbandon(arg: { sessionId: string; reason?: string }): Promise<StoreReceipt> {
    const session = this.#session(arg);
    const given = (arg as { reason?: unknown }).reason;
    const reason = typeof given === 'string' && given.trim() ? given.trim().slice(0, 200) : `abandoned by staff (${this.#signedIn})`;
    return session.abandon(reason);
  }

  async storeOpenPreview(arg: { sessionId: string; category: PreviewCategory; customerPresent: boolean }): Promise<StoreSessionInfo> {
    const session = this.#session(arg);
    const category = (arg as { category?: unknown }).category;
    if (!PREVIEWS.includes(category as PreviewCategory)) throw badArg('category', PREVIEWS.join(', '));
    session.openPreview(this.#signedIn!, category as PreviewCategory, (arg as { customerPresent?: unknown }).customerPresent === true);
    return this.#info(session);
  }

  async storeClosePreview(arg: { sessionId: string }): Promise<StoreSessionInfo> {
    const session = this.#session(arg);
    session.closePreview(this.#signedIn!);
    return this.#info(session);
  }

  async storePreviewContacts(arg: { sessionId: string; query?: string; offset: number; limit: number }): Promise<Page<ContactRow>> {
    const query = (arg as { query?: unknown }).query;
    if (query !== undefined && typeof query !== 'string') throw badArg('query', 'text');
    return this.#session(arg).previewContacts(query, int(arg, 'offset', 0), int(arg, 'limit', 1, 1_000));
  }

  async storePreviewEvents(arg: { sessionId: string }): Promise<EventRow[]> {
    return this.#session(arg).previewEvents();
  }

  async storePreviewPhotos(arg: { sessionId: string; offset: number; limit: number }): Promise<Page<PhotoRow>> {
    return this.#session(arg).previewPhotos(int(arg, 'offset', 0), int(arg, 'limit', 1, 1_000));
  }

  async storePreviewThumbnail(arg: { sessionId: string; id: number }): Promise<Thumbnail> {
    return this.#session(arg).previewThumbnail(int(arg, 'id', 1));
  }

  async storeReceipt(arg: { sessionId: string }): Promise<StoreReceipt> {
    const receipt = this.#session(arg).receipt;
    if (!receipt) throw new ApiError('not-ended', 'This session has not ended yet: there is no receipt.', 'Hand it off or abandon it first.');
    return receipt;
  }

  /** Abandons every open session (keys destroyed): nothing of a customer outlives the app. */
  async close(): Promise<void> {
    await this.#closeDesk();
  }

  // ---- inside ----------------------------------------------------------------------------

  #openDesk(): StoreDesk {
    if (this.#desk) return this.#desk;
    const desk = new StoreDesk({ root: this.#opts.dir, ...(this.#opts.probe ? { probe: this.#opts.probe } : {}) });
    this.#stopListening = desk.onChange((info) => this.#changed(info));
    this.#desk = desk;
    return desk;
  }

  async #closeDesk(): Promise<void> {
    const desk = this.#desk;
    if (!desk) return;
    this.#desk = null;
    this.#signedIn = null;
    await desk.close();
    this.#stopListening?.();
    this.#stopListening = null;
    for (const t of this.#told.values()) clearTimeout(t.timer);
    this.#told.clear();
  }

  #signIn(desk: StoreDesk, staffId: string, pin: string): void {
    if (desk.staff.list().length === 0) {
      throw new ApiError('no-staff', 'No member of staff is set up on this PC.', 'Add one in a terminal: npm run --silent lifeboat -- store staff add --staff ID (it asks for the PIN twice).');
    }
    desk.signIn(staffId, pin);
    this.#signedIn = staffId;
  }

  #runRescue(session: StoreSession, open: OpenPhone, deviceId: string): void {
    // The rescue runs on its own; the session tells its states (waiting, running, ready, interrupted) as events.
    const run = session.rescue(open, deviceId).catch(() => undefined);
    this.#rescues.set(session.id, run);
    void run.finally(() => this.#rescues.get(session.id) === run && this.#rescues.delete(session.id));
  }

  /** A rescue that said it ended is still closing the phone: a handoff waits for that (it is quick). */
  async #rescueLetGo(session: StoreSession): Promise<void> {
    const run = this.#rescues.get(session.id);
    if (run && (session.state === 'ready-for-handoff' || session.state === 'interrupted')) await run;
  }

  #session(arg: unknown): StoreSession {
    return this.#desk!.session(text(arg, 'sessionId'));
  }

  #info(session: StoreSession): StoreSessionInfo {
    return this.#decorate(session.info());
  }

  #decorate(info: StoreSessionInfo): StoreSessionInfo {
    const handoff = this.#handoffs.get(info.sessionId);
    return handoff && info.state === 'handing-off' ? { ...info, handoff } : info;
  }

  #status(): StoreStatus {
    const desk = this.#desk;
    const staff = desk ? desk.staff.list() : safeStaffList(this.#opts.dir);
    return { on: desk !== null, staff, signedIn: this.#signedIn, sessions: desk ? desk.sessions().map((s) => this.#info(s)) : [] };
  }

  #statusChanged(): StoreStatus {
    const status = this.#status();
    this.#emit({ type: 'store-status-changed', status });
    return status;
  }

  /** A session changed: told at once when its state did, else at most every PROGRESS_EVERY_MS. */
  #changed(raw: StoreSessionInfo, force = false): void {
    const id = raw.sessionId;
    const told = this.#told.get(id) ?? { state: '', ms: 0 };
    this.#told.set(id, told);
    const now = Date.now();
    const send = () => {
      const session = this.#desk?.sessions().find((s) => s.id === id);
      const info = this.#decorate(session ? session.info() : raw);
      clearTimeout(told.timer);
      told.timer = undefined;
      told.state = info.state;
      told.ms = Date.now();
      this.#emit({ type: 'store-session-changed', session: info });
      if (ENDED.has(info.state) && info.receipt && !this.#ended.has(id)) {
        this.#ended.add(id);
        this.#emit({ type: 'store-session-ended', session: info, receipt: info.receipt });
      }
    };
    if (force || raw.state !== told.state || now - told.ms >= PROGRESS_EVERY_MS) return send();
    if (!told.timer) {
      told.timer = setTimeout(send, PROGRESS_EVERY_MS - (now - told.ms));
      told.timer.unref();
    }
  }
}

/** A phone a customer session can read: one on a cable (not a folder on this PC, not one held elsewhere). */
function usableForSession(device: DeviceInfo): void {
  if (device.transport === 'iphone-backup') {
    throw new ApiError('not-a-phone', 'An iPhone backup is a folder on this PC: it already holds the customer\'s data in plain form.', 'Store mode reads phones only: connect the iPhone itself.');
  }
  if (device.state === 'busy' || device.state === 'unsupported') {
    throw device.problem
      ? new ApiError(device.problem.code, device.problem.message, device.problem.whatToDo)
      : new ApiError('not-ready', 'This phone cannot be read now.', 'See the check for other software above, and Connect.');
  }
  if (device.state === 'connecting') throw new ApiError('not-ready', 'This phone is still being looked at.', 'Wait a moment until it shows as ready.');
}

function safeStaffList(dir: string): string[] {
  try {
    return new StaffRegistry(storeFolder(dir).staffFile).list();
  } catch {
    return [];
  }
}

// ---- argument checks: a call crossed a process boundary, so nothing about it is trusted --------

function badArg(name: string, want: string): ApiError {
  return new ApiError('bad-call', `The window sent a wrong ${name} (${want} expected).`, 'Reload the window; if it stays, update the app.');
}

function text(arg: unknown, name: string): string {
  const v = (arg as Record<string, unknown>)[name];
  if (typeof v !== 'string' || v === '' || v.length > 4096) throw badArg(name, 'text');
  return v;
}

function int(arg: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = (arg as Record<string, unknown>)[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badArg(name, `a whole number from ${min} to ${max}`);
  return v;
}

function categoriesOf(arg: unknown): Category[] {
  const v = (arg as Record<string, unknown>).categories;
  if (!Array.isArray(v) || v.length === 0 || !v.every((c) => (CATEGORIES as readonly unknown[]).includes(c))) {
    throw badArg('categories', `a list of ${CATEGORIES.join(', ')}`);
  }
  return CATEGORIES.filter((c) => v.includes(c));
}
