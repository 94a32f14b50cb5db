import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceSource } from '../adapters/device-source.ts';
import { SourceLostError } from '../adapters/errors.ts';
import type { ContactRow, EventRow, Page, PhotoRow, Thumbnail, UserError } from '../api/api.ts';
import { RescueTracker } from '../api/rescue-tracker.ts';
import { ReviewIndex } from '../api/review-index.ts';
import type { NotTransferred, PreviewCategory, StoreCounts, StoreReceipt, StoreSessionInfo, StoreSessionState } from '../api/store-api.ts';
import { Thumbnails } from '../api/thumbnails.ts';
import { ApiError, toUserError } from '../api/user-error.ts';
import { exportBag, type ExportProgress } from '../export/export-bag.ts';
import { verifyBag } from '../export/verify-bag.ts';
import type { DeviceIdentity } from '../model/device.ts';
import type { Category } from '../rescue/categories.ts';
import type { RescueSummary } from '../rescue/rescue-events.ts';
import { RescueCancelledError, runRescue } from '../rescue/rescue-run.ts';
import { SessionKey } from '../vault/session-key.ts';
import type { SkipRow } from '../vault/vault.ts';
import { Vault } from '../vault/vault.ts';
import type { AuditData, AuditEvent, AuditLine, AuditLog } from './audit-log.ts';
import { receiptText } from './receipt.ts';
import type { StoreFolder } from './store-folder.ts';

/** Opens the customer's phone; the hooks say what the phone waits for. */
export type OpenPhone = (hooks: PhoneHooks) => Promise<DeviceSource>;
export interface PhoneHooks {
  /** "Allow USB debugging?" shows on the phone. */
  waitingForAllow(): void;
  /** The phone is locked (no storage shown over MTP). */
  waitingForUnlock(): void;
}

export interface SessionContext {
  folder: StoreFolder;
  audit: AuditLog;
  hashSerial: (serial: string) => string;
  onChange: (session: StoreSession) => void;
  now?: () => number;
}

export interface HandoffProgress {
  phase: ExportProgress['phase'] | 'verify';
  done: number;
  total: number | null;
}

const CANCEL_GRACE_MS = 3_000;

interface RunningRescue {
  abort: AbortController;
  done: Promise<void>;
  source?: DeviceSource;
}
export const RECEIPT_FILE = 'store-receipt.txt';

/**
 * One customer's session: a key that lives only in memory, a sealed vault in its own folder, the
 * rescue of one phone into it, and its end: handed off (exported to the customer's medium and
 * verified) or abandoned. Either way the key is destroyed and the folder removed, and a receipt
 * says what happened. The audit log hears of every step, never of contents.
 */
export class StoreSession {
  readonly id: string;
  readonly dir: string;
  readonly startedMs: number;
  #state: StoreSessionState = 'connecting';
  #endedMs: number | null = null;
  #key: SessionKey | null;
  #vault: Vault | null;
  #tracker: RescueTracker;
  #identity: DeviceIdentity | null = null;
  #deviceId: string | null = null;
  #problem: UserError | undefined;
  #receipt: StoreReceipt | undefined;
  readonly #previews = new Set<PreviewCategory>();
  #review: ReviewIndex | undefined;
  #thumbnails: Thumbnails | undefined;
  #run: RunningRescue | undefined;
  #busy = false;

  private constructor(
    private readonly ctx: SessionContext,
    readonly staffId: string,
    readonly categories: Category[],
    /** Asked for but not readable over this phone's connection, and why. */
    private readonly unavailable: NotTransferred[],
    key: SessionKey,
    vault: Vault,
    id: string,
    dir: string,
  ) {
    this.id = id;
    this.dir = dir;
    this.#key = key;
    this.#vault = vault;
    this.startedMs = this.#now();
    this.#tracker = new RescueTracker({ rescueId: id, deviceId: '', serial: '', model: '', categories }, ctx.now);
  }

  static async begin(ctx: SessionContext, opts: { staffId: string; categories: Category[]; unavailable?: NotTransferred[] }): Promise<StoreSession> {
    const id = newSessionId(ctx.now?.() ?? Date.now());
    const dir = path.join(ctx.folder.sessionsDir, id);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Which process owns the folder: one whose process is gone is swept (its key died with it).
    fs.writeFileSync(path.join(dir, 'owner.pid'), String(process.pid), { mode: 0o600 });
    const key = SessionKey.create();
    let vault: Vault;
    try {
      vault = await Vault.open(path.join(dir, 'vault'), { create: true, sealedBy: key });
    } catch (err) {
      key.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    const session = new StoreSession(ctx, opts.staffId, opts.categories, opts.unavailable ?? [], key, vault, id, dir);
    session.#audit('session-started', { staff: opts.staffId });
    return session;
  }

  get state(): StoreSessionState {
    return this.#state;
  }

  get ended(): boolean {
    return this.#state === 'handed-off' || this.#state === 'abandoned';
  }

  get receipt(): StoreReceipt | undefined {
    return this.#receipt;
  }

  info(): StoreSessionInfo {
    return {
      sessionId: this.id,
      staffId: this.staffId,
      deviceId: this.#deviceId,
      manufacturer: this.#identity?.manufacturer ?? null,
      model: this.#identity?.model ?? null,
      state: this.#state,
      startedMs: this.startedMs,
      endedMs: this.#endedMs,
      progress: structuredClone(this.#tracker.state.categories),
      counts: this.counts(),
      previewOpen: [...this.#previews],
      ...(this.#problem ? { problem: this.#problem } : {}),
      ...(this.#receipt ? { receipt: this.#receipt } : {}),
    };
  }

  /** What is sealed in the session now (zeros once it ended). */
  counts(): StoreCounts {
    const vault = this.#vault;
    const device = vault?.devices()[0];
    if (!vault || !device) return { contacts: 0, events: 0, photos: 0, bytes: 0 };
    const t = vault.totals(device.id);
    return { contacts: t.contact.count, events: t.event.count, photos: t.media.count, bytes: t.contact.bytes + t.event.bytes + t.media.bytes };
  }

  // ---- the rescue ----------------------------------------------------------------------------

  /**
   * Opens the phone and rescues it into the sealed vault. Resolves when the rescue ended, in
   * 'ready-for-handoff' (everything read) or 'interrupted' (what was read is safe: resume, hand
   * off or abandon). A resume goes on where the last run stopped.
   */
  async rescue(open: OpenPhone, deviceId: string | null = null): Promise<void> {
    if (this.#run || this.#busy) throw new ApiError('busy', 'This session is already busy.', 'Wait until it finished.');
    if (this.#state !== 'connecting' && this.#state !== 'interrupted') {
      throw new ApiError('not-resumable', `This session is ${this.#state}.`, 'Start a new session for another phone.');
    }
    const abort = new AbortController();
    let release!: () => void;
    const run: RunningRescue = { abort, done: new Promise<void>((resolve) => (release = resolve)) };
    this.#run = run;
    this.#deviceId = deviceId;
    this.#problem = undefined;
    this.#setState('connecting');
    this.#tracker = new RescueTracker({ rescueId: this.id, deviceId: deviceId ?? '', serial: '', model: '', categories: this.categories }, this.ctx.now);
    try {
      run.source = await open({
        waitingForAllow: () => this.#setState('waiting-for-allow', { code: 'needs-allow', message: 'The phone asks "Allow USB debugging?".', whatToDo: 'Ask the customer to unlock the phone and tap Allow.' }),
        waitingForUnlock: () => this.#setState('waiting-for-unlock', { code: 'needs-unlock', message: 'The phone is locked: it shows no storage.', whatToDo: 'Ask the customer to unlock the phone (and choose "File transfer" if it asks).' }),
      });
      if (abort.signal.aborted) throw new RescueCancelledError('the rescue was cancelled');
      const identity = await run.source.identity();
      const first = this.#vault!.devices()[0];
      if (first && first.serial !== identity.serial) {
        throw new ApiError('other-phone', 'This is not the phone this session started with.', 'Plug in the customer\'s first phone, or start a new session for this one.');
      }
      this.#problem = undefined;
      this.#setState('running');
      const summary = await runRescue({
        source: run.source,
        vault: this.#vault!,
        categories: this.categories,
        signal: abort.signal,
        onEvent: (event) => {
          if (event.type === 'device') this.#identified(event.identity);
          if (this.#tracker.apply(event)) this.ctx.onChange(this);
        },
      });
      this.#rescueEnded(summary);
    } catch (err) {
      const summary = (err as { summary?: RescueSummary }).summary;
      this.#rescueEnded(summary, err);
    } finally {
      await run.source?.close().catch(() => undefined);
      this.#run = undefined;
      release();
      this.ctx.onChange(this);
    }
  }

  /** Stops a running rescue (what is read stays sealed); always returns promptly. */
  async cancel(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    run.abort.abort();
    if (!(await settlesWithin(run.done, CANCEL_GRACE_MS))) {
      // A phone that does not answer never looks at the signal: its connection is closed under it.
      await run.source?.close().catch(() => undefined);
      await settlesWithin(run.done, CANCEL_GRACE_MS);
    }
  }

  #identified(identity: DeviceIdentity): void {
    if (this.#identity) return;
    this.#identity = identity;
    this.#audit('phone-identified', {
      make: identity.manufacturer,
      model: identity.model,
      transport: identity.transport,
      serialHash: this.ctx.hashSerial(identity.serial),
    });
  }

  #rescueEnded(summary: RescueSummary | undefined, err?: unknown): void {
    const status = summary?.status ?? (err instanceof RescueCancelledError ? 'cancelled' : err instanceof SourceLostError ? 'lost' : 'failed');
    const counts = this.counts();
    this.#audit('rescue-finished', { status, counts });
    for (const c of this.#tracker.state.categories) if (c.state === 'running') c.state = 'stopped';
    if (status === 'done') {
      this.#setState('ready-for-handoff');
    } else {
      this.#setState('interrupted', err !== undefined ? toUserError(err) : undefined);
    }
  }

  // ---- preview (customer present) -----------------------------------------------------------

  openPreview(staffId: string, category: PreviewCategory, customerPresent: boolean): void {
    if (customerPresent !== true) {
      throw new ApiError('customer-not-present', 'A preview shows the customer\'s own data.', 'Open it only with the customer present, and confirm that they are.');
    }
    this.#liveVault();
    this.#audit('preview-opened', { staff: staffId, category, customerPresent: true });
    this.#previews.add(category);
    this.ctx.onChange(this);
  }

  closePreview(staffId: string): void {
    if (this.#previews.size === 0) return;
    this.#audit('preview-closed', { staff: staffId });
    this.#previews.clear();
    this.ctx.onChange(this);
  }

  previewContacts(query: string | undefined, offset: number, limit: number): Page<ContactRow> {
    return this.#index('contacts').contacts(query, offset, limit);
  }

  previewEvents(): EventRow[] {
    return this.#index('calendar').events();
  }

  previewPhotos(offset: number, limit: number): Page<PhotoRow> {
    return this.#index('photos').photos(offset, limit);
  }

  /** Made in memory (sharp), kept in this session's memory only, dropped at its end. */
  previewThumbnail(id: number): Promise<Thumbnail> {
    const index = this.#index('photos');
    const vault = this.#liveVault();
    const media = index.media(id);
    this.#thumbnails ??= new Thumbnails();
    return this.#thumbnails.of(media.sha256, media.record.entry.mediaType, () => vault.openBlob(media.sha256));
  }

  #index(category: PreviewCategory): ReviewIndex {
    if (!this.#previews.has(category)) {
      throw new ApiError('preview-closed', `The ${category} preview is not open.`, 'Open the preview with the customer present first.');
    }
    const vault = this.#liveVault();
    if (!this.#review) {
      const device = vault.devices()[0];
      if (!device) throw new ApiError('nothing-rescued', 'Nothing was read from this phone yet.', 'Wait for the rescue.');
      this.#review = new ReviewIndex(vault, device);
    }
    return this.#review;
  }

  // ---- the end -------------------------------------------------------------------------------

  /**
   * Exports what is sealed to a new folder inside `folder` (the customer's medium), verifies it
   * against its BagIt manifest, then destroys the key, removes the session's files and writes the
   * receipt beside the bag. A failed export or verification leaves the session as it was (the
   * key is kept: the data is still needed), so it can be handed off to another medium.
   */
  async handoff(folder: string, onProgress?: (p: HandoffProgress) => void): Promise<StoreReceipt> {
    if (this.#run || this.#busy) throw new ApiError('busy', 'The rescue of this session is still running.', 'Wait until it finished, or cancel it.');
    if (this.#state !== 'ready-for-handoff' && this.#state !== 'interrupted') {
      throw new ApiError('not-ready', `This session is ${this.#state}: nothing to hand off.`, 'Hand off a session that is ready.');
    }
    const vault = this.#liveVault();
    const device = vault.devices()[0];
    if (!device) throw new ApiError('nothing-rescued', 'Nothing was read from this phone.', 'Abandon the session (nothing is kept).');
    if (!path.isAbsolute(folder)) throw new ApiError('bad-folder', `"${folder}" is not a full folder path.`, 'Choose the folder on the customer\'s medium.');
    const before = this.#state;
    const stopped = this.#problem;
    this.#busy = true;
    this.#previews.clear();
    this.#setState('handing-off');
    const bagDir = path.join(folder, `Lifeboat ${new Date(this.#now()).toISOString().slice(0, 10)} ${this.id}`);
    try {
      fs.mkdirSync(folder, { recursive: true });
      const result = await exportBag({
        vault,
        out: bagDir,
        vcardVersion: '3.0',
        photoLayout: 'by-date',
        onProgress: (p) => onProgress?.({ phase: p.phase, done: p.done, total: p.total ?? null }),
      });
      const problems = await verifyBag(bagDir, (done, total) => onProgress?.({ phase: 'verify', done, total }));
      if (problems.length > 0) {
        throw new ApiError('verify-failed', `${problems.length} file(s) of the export on the customer's medium do not match: ${problems[0]}`, 'Nothing was deleted. Hand off again to another folder or medium; the medium may be failing.');
      }
      const counts = { contacts: result.contacts, events: result.events, photos: result.photos, bytes: result.photoBytes };
      this.#audit('handoff-verified', { destination: 'folder', manifestSha256: result.manifestSha256, counts });
      const notTransferred = [
        ...this.unavailable,
        ...(before === 'interrupted' ? [{ what: 'the rest of the phone', reason: `the rescue stopped before the end (${stopped?.message ?? 'interrupted'})` }] : []),
        ...summarizeSkips(vault.skips(device.id)),
        ...(result.duplicates > 0 ? [{ what: `${result.duplicates} photo(s) or video(s)`, reason: 'the same bytes as another file: exported once' }] : []),
      ];
      return await this.#end('handed-off', { counts, manifestSha256: result.manifestSha256, bagFolder: bagDir, notTransferred });
    } catch (err) {
      if (this.ended) throw err;
      this.#audit('handoff-failed', { reason: toUserError(err).code });
      this.#busy = false;
      this.#setState(before, toUserError(err));
      throw err;
    }
  }

  /** Ends without an export: the key is destroyed and the files removed; nothing is retained. */
  async abandon(reason = 'abandoned by staff'): Promise<StoreReceipt> {
    if (this.ended) return this.#receipt!;
    if (this.#busy) throw new ApiError('busy', 'This session is being handed off.', 'Wait until the handoff finished.');
    this.#busy = true;
    await this.cancel();
    const counts = this.counts();
    return this.#end('abandoned', {
      counts,
      manifestSha256: null,
      bagFolder: null,
      notTransferred: [{ what: 'everything', reason: `${reason}: no data retained` }],
    });
  }

  async #end(
    outcome: 'handed-off' | 'abandoned',
    r: { counts: { contacts: number; events: number; photos: number; bytes?: number }; manifestSha256: string | null; bagFolder: string | null; notTransferred: NotTransferred[] },
  ): Promise<StoreReceipt> {
    this.#review = undefined;
    this.#previews.clear();
    await this.#thumbnails?.close().catch(() => undefined);
    this.#thumbnails = undefined;
    this.#vault?.close(); // the in-memory catalog is freed with it
    this.#vault = null;
    const destroyedMs = this.#key!.destroy(this.#now());
    this.#key = null;
    const keyDestroyedAt = new Date(destroyedMs).toISOString();
    this.#audit('key-destroyed', { keyDestroyedAt });
    // Housekeeping only: what stays behind (on an SSD, in its flash) is sealed under a key that is gone.
    fs.rmSync(this.dir, { recursive: true, force: true });
    const counts = { contacts: r.counts.contacts, events: r.counts.events, photos: r.counts.photos };
    const line = this.#audit('session-ended', {
      staff: this.staffId,
      outcome,
      counts,
      notTransferred: r.notTransferred.length,
      keyDestroyedAt,
      ...(r.manifestSha256 ? { manifestSha256: r.manifestSha256 } : {}),
    });
    const base: Omit<StoreReceipt, 'text'> = {
      sessionId: this.id,
      staffId: this.staffId,
      outcome,
      device: this.#identity ? { manufacturer: this.#identity.manufacturer, model: this.#identity.model } : null,
      counts,
      manifestSha256: r.manifestSha256,
      bagFolder: r.bagFolder,
      notTransferred: r.notTransferred,
      keyDestroyedAt,
      auditReference: line.hash,
    };
    const receipt: StoreReceipt = { ...base, text: receiptText(base) };
    this.#receipt = receipt;
    this.#endedMs = this.#now();
    this.#busy = false;
    let problem: UserError | undefined;
    if (r.bagFolder) {
      try {
        // Beside the bag's tag files, outside data/: the bag stays valid, and the receipt travels with it.
        fs.writeFileSync(path.join(r.bagFolder, RECEIPT_FILE), receipt.text, { flag: 'wx' });
      } catch (err) {
        problem = { code: 'receipt-not-written', message: `The receipt could not be written to the customer's medium (${toUserError(err).message}).`, whatToDo: 'Print the receipt shown here instead.' };
      }
    }
    this.#setState(outcome, problem);
    return receipt;
  }

  #liveVault(): Vault {
    if (!this.#vault) throw new ApiError('session-ended', 'This session has ended: its data is gone.', 'Start a new session.');
    return this.#vault;
  }

  #setState(state: StoreSessionState, problem?: UserError): void {
    this.#state = state;
    this.#problem = problem;
    this.ctx.onChange(this);
  }

  #audit(event: AuditEvent, data: AuditData): AuditLine {
    return this.ctx.audit.append(event, { session: this.id, ...data }, new Date(this.#now()));
  }

  #now(): number {
    return this.ctx.now?.() ?? Date.now();
  }
}

/** "s-20260914-1a2b3c4d": the day, and 32 random bits so ids of one day never repeat in practice. */
function newSessionId(nowMs: number): string {
  return `s-${new Date(nowMs).toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(4).toString('hex')}`;
}

/**
 * What the rescue could not read, by kind, with the reasons: names and paths left out (the receipt
 * is shown at the counter too; each item and why is in the bag's data/report.html).
 */
function summarizeSkips(skips: SkipRow[]): NotTransferred[] {
  const out: NotTransferred[] = [];
  const groups = new Map<string, { count: number; reasons: Set<string> }>();
  for (const skip of skips) {
    if (skip.kind === 'category') {
      out.push({ what: `all ${skip.sourceKey}`, reason: skip.reason });
      continue;
    }
    const reason = skip.reason.split(skip.sourceKey).join('…').replace(/"[^"]*"/g, '"…"');
    const group = groups.get(skip.kind) ?? { count: 0, reasons: new Set<string>() };
    group.count++;
    group.reasons.add(reason);
    groups.set(skip.kind, group);
  }
  const names: Record<string, string> = { contact: 'contact(s)', event: 'calendar event(s)', media: 'photo(s) or video(s)' };
  for (const [kind, group] of groups) {
    const reasons = [...group.reasons];
    const shown = reasons.slice(0, 3).join('; ') + (reasons.length > 3 ? `; and ${reasons.length - 3} other reason(s)` : '');
    out.push({ what: `${group.count} ${names[kind] ?? kind}`, reason: `${shown} (each one is listed in data/report.html)` });
  }
  return out;
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}
