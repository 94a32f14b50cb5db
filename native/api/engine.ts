import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectAdbUsbDevice } from '../adapters/adb/adb-connect.ts';
import { openAdbSource } from '../adapters/adb/adb-source.ts';
import { openMtpSource } from '../adapters/mtp/mtp-source.ts';
import type { DeviceSource } from '../adapters/device-source.ts';
import { SourceLostError } from '../adapters/errors.ts';
import { describe as describeUsbPhone } from '../cli/devices-command.ts';
import { plugInSimulatedPhone, type SimulatedPhone } from '../cli/open-source.ts';
import { checkSelection } from '../export/chosen-items.ts';
import { APP_VERSION, exportBag, type ExportProgress } from '../export/export-bag.ts';
import type { ExportSelection } from '../export/export-selection.ts';
import { verifyBag } from '../export/verify-bag.ts';
import { CATEGORIES, type Category } from '../rescue/categories.ts';
import type { RescueSummary } from '../rescue/rescue-events.ts';
import { runRescue } from '../rescue/rescue-run.ts';
import { UsbRegistry, type UsbDeviceEntry } from '../usb/usb-registry.ts';
import { VirtualUsbDevice } from '../usb/virtual-usb.ts';
import { Vault, CATALOG_FILE } from '../vault/vault.ts';
import type {
  ApiEvent, ApiMethod, DeviceInfo, ExportRequest, ExportState, HostInfo, LifeboatApi, RescueState, SafeCounts,
  SimulatedPhoneRequest, VaultPhone,
} from './api.ts';
import { ReviewIndex } from './review-index.ts';
import { RescueTracker } from './rescue-tracker.ts';
import { Thumbnails } from './thumbnails.ts';
import { ApiError, toUserError } from './user-error.ts';
import { isApiMethod } from './wire.ts';

export interface EngineOptions {
  /** The folder holding one vault per phone (made when missing). */
  vaultDir: string;
  host: HostInfo['host'];
  /** Watch real USB (off in tests and simulation-only runs). */
  realUsb: boolean;
  /** Allow simulated phones through the API. */
  simulation: boolean;
  stallWarningSeconds?: number;
  lowBatteryPercent?: number;
  /** How long a cancelled rescue may take to let go of the phone before it is let go by force. */
  cancelGraceMs?: number;
}

const EXIT_OF: Record<Exclude<RescueState['status'], 'running'>, number> = { done: 0, failed: 1, lost: 3, cancelled: 130 };

interface ActiveRescue {
  tracker: RescueTracker;
  abort: AbortController;
  source?: DeviceSource;
  settled: Promise<void>;
  stallTimer: NodeJS.Timeout;
}

/**
 * The engine behind the window: phones coming and going, rescues, review, export and verify.
 * It implements LifeboatApi; `dispatch` is the single door both transports call through, and
 * `onEvent` the single stream they carry back. It never imports electron and never blocks on a
 * phone: every phone operation is asynchronous and can be let go (cancel, cable pull).
 */
export class Engine implements LifeboatApi {
  readonly #opts: Required<EngineOptions>;
  readonly #registry: UsbRegistry;
  readonly #devices = new Map<string, DeviceInfo>();
  readonly #sims = new Map<string, SimulatedPhone>();
  readonly #rescues = new Map<string, ActiveRescue>();
  readonly #exports = new Map<string, ExportState>();
  readonly #listeners = new Set<(event: ApiEvent) => void>();
  readonly #readers = new Map<string, { vault: Vault; index: ReviewIndex }>();
  readonly #thumbnails = new Thumbnails();
  readonly #unsubscribe: (() => void)[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: EngineOptions) {
    this.#opts = {
      stallWarningSeconds: 10,
      lowBatteryPercent: 20,
      cancelGraceMs: 3_000,
      ...options,
    };
    fs.mkdirSync(this.#opts.vaultDir, { recursive: true });
    this.#registry = new UsbRegistry(options.realUsb ? {} : { real: null });
    this.#unsubscribe.push(
      this.#registry.on('attach', (entry) => void this.#attached(entry)),
      this.#registry.on('detach', (entry) => this.#detached(entry)),
    );
  }

  /** Starts listening to USB and lists what is attached already. */
  async start(): Promise<void> {
    await this.#registry.watch();
    const listing = await this.#registry.list();
    await Promise.all(listing.devices.map((entry) => this.#attached(entry)));
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The one door from a transport: the method is checked against the allowlist, errors become UserErrors. */
  async dispatch(method: string, arg: unknown): Promise<unknown> {
    if (!isApiMethod(method)) throw new ApiError('bad-call', `Unknown call ${method}.`, 'Update the app: the window and the engine differ.');
    const fn = this[method as ApiMethod] as (arg: unknown) => Promise<unknown>;
    return fn.call(this, arg ?? {});
  }

  // ---- calls -------------------------------------------------------------------------------

  async hello(): Promise<HostInfo> {
    return {
      appVersion: APP_VERSION,
      host: this.#opts.host,
      vaultDir: this.#opts.vaultDir,
      suggestedExportFolder: path.join(os.homedir(), `Lifeboat export ${new Date().toISOString().slice(0, 10)}`),
      canChooseFolder: this.#opts.host === 'electron',
      canOpenFolder: this.#opts.host === 'electron',
      simulation: this.#opts.simulation,
      stallWarningSeconds: this.#opts.stallWarningSeconds,
      lowBatteryPercent: this.#opts.lowBatteryPercent,
    };
  }

  async listDevices(): Promise<DeviceInfo[]> {
    return [...this.#devices.values()];
  }

  async startRescue(arg: { deviceId: string; categories: Category[] }): Promise<RescueState> {
    const deviceId = str(arg, 'deviceId');
    const categories = categoriesOf(arg);
    const device = this.#devices.get(deviceId);
    const entry = await this.#registry.find(deviceId);
    if (!device || !entry) {
      throw new ApiError('no-phone', 'That phone is no longer attached.', 'Plug it in again; it appears under Devices when it is ready.');
    }
    if (device.rescueId && this.#isRunning(device.rescueId)) {
      throw new ApiError('already-running', 'A rescue of this phone is already running.', 'Watch it under Rescue, or cancel it first.');
    }
    if (device.state !== 'ready') {
      throw device.problem
        ? new ApiError(device.problem.code, device.problem.message, device.problem.whatToDo)
        : new ApiError('not-ready', 'This phone is not ready yet.', 'Wait until Devices shows it as ready.');
    }
    // "Rescue everything" means everything this phone can give (an MTP phone: its photos).
    const possible = categories.filter((c) => device.rescuable.includes(c));
    if (possible.length === 0) {
      throw new ApiError('nothing-to-rescue', `This phone cannot give ${categories.join(', ')} over its connection.`, 'See Connect: contacts and calendar need USB debugging.');
    }
    const rescueId = `r${this.#nextId++}`;
    const tracker = new RescueTracker({ rescueId, deviceId, serial: device.serial, model: `${device.manufacturer} ${device.model}`, categories: possible });
    const abort = new AbortController();
    let release!: () => void;
    const settled = new Promise<void>((resolve) => (release = resolve));
    const active: ActiveRescue = {
      tracker,
      abort,
      settled,
      stallTimer: setInterval(() => this.#checkStall(active), 1_000),
    };
    active.stallTimer.unref();
    this.#rescues.set(rescueId, active);
    this.#updateDevice(deviceId, { rescueId });
    this.#emit({ type: 'rescue-progress', rescue: tracker.state });
    void this.#runRescue(active, entry, device, possible).finally(release);
    return tracker.state;
  }

  async cancelRescue(arg: { rescueId: string }): Promise<RescueState> {
    const rescueId = str(arg, 'rescueId');
    const rescue = this.#rescues.get(rescueId);
    if (!rescue) throw new ApiError('not-found', 'There is no such rescue.', 'Look under Rescue for the running ones.');
    if (rescue.tracker.state.status !== 'running') return rescue.tracker.state;
    rescue.abort.abort();
    // A phone that does not answer never gets to look at the signal: after a grace time its
    // connection is closed under the rescue, and after a second one the window is told anyway.
    if (!(await settlesWithin(rescue.settled, this.#opts.cancelGraceMs))) {
      await rescue.source?.close().catch(() => undefined);
      if (!(await settlesWithin(rescue.settled, this.#opts.cancelGraceMs))) {
        this.#finishRescue(rescue, 'cancelled', undefined, new ApiError('cancelled', 'The rescue was stopped; the phone did not answer.', 'Everything saved so far is safe. Unplug the phone, plug it in again and press Resume.'));
      }
    }
    return rescue.tracker.state;
  }

  async rescues(): Promise<RescueState[]> {
    return [...this.#rescues.values()].map((r) => r.tracker.state);
  }

  async vaultPhones(): Promise<VaultPhone[]> {
    const phones: VaultPhone[] = [];
    for (const name of fs.readdirSync(this.#opts.vaultDir).sort()) {
      if (!fs.existsSync(path.join(this.#opts.vaultDir, name, CATALOG_FILE))) continue;
      const reader = await this.#reader(name).catch(() => undefined);
      if (!reader) continue;
      for (const d of reader.vault.devices()) {
        phones.push({ serial: d.serial, manufacturer: d.identity.manufacturer, model: d.identity.model, safe: safeCountsOf(reader.vault, d.serial)! });
      }
    }
    return phones;
  }

  async contacts(arg: { serial: string; query?: string; offset: number; limit: number }) {
    const { index } = await this.#readerOf(str(arg, 'serial'));
    const query = arg.query === undefined ? undefined : str(arg, 'query', true);
    return index.contacts(query, int(arg, 'offset', 0), int(arg, 'limit', 1, 1_000));
  }

  async contact(arg: { serial: string; id: number }) {
    const { index } = await this.#readerOf(str(arg, 'serial'));
    return index.contact(int(arg, 'id', 1));
  }

  async events(arg: { serial: string }) {
    const { index } = await this.#readerOf(str(arg, 'serial'));
    return index.events();
  }

  async photos(arg: { serial: string; offset: number; limit: number }) {
    const { index } = await this.#readerOf(str(arg, 'serial'));
    return index.photos(int(arg, 'offset', 0), int(arg, 'limit', 1, 5_000));
  }

  async thumbnail(arg: { serial: string; id: number }) {
    const { vault, index } = await this.#readerOf(str(arg, 'serial'));
    const media = index.media(int(arg, 'id', 1));
    return this.#thumbnails.of(media.sha256, media.record.entry.mediaType, () => vault.openBlob(media.sha256));
  }

  async startExport(arg: ExportRequest): Promise<ExportState> {
    const serial = str(arg, 'serial');
    const folder = str(arg, 'folder');
    const vcard = oneOf(arg, 'vcard', ['3.0', '4.0'] as const);
    const photoLayout = oneOf(arg, 'photoLayout', ['by-date', 'as-on-device'] as const);
    const only = selectionOf(arg);
    if (!path.isAbsolute(folder)) {
      throw new ApiError('bad-folder', `"${folder}" is not a full folder path.`, 'Write the whole path, starting with / (or a drive letter on Windows).');
    }
    if (fs.existsSync(folder) && (!fs.statSync(folder).isDirectory() || fs.readdirSync(folder).length > 0)) {
      throw new ApiError('folder-not-empty', `${folder} already holds files.`, 'Choose a new folder or an empty one: an export never mixes with other files.');
    }
    const vaultDir = this.#vaultDirOf(serial);
    if (!fs.existsSync(path.join(vaultDir, CATALOG_FILE))) {
      throw new ApiError('nothing-rescued', 'Nothing of this phone is in the vault yet.', 'Rescue the phone first, then export.');
    }
    const exportId = `e${this.#nextId++}`;
    const state: ExportState = { exportId, serial, folder, status: 'running', phase: 'contacts', done: 0, total: null };
    this.#exports.set(exportId, state);
    this.#emit({ type: 'export-progress', export: state });
    void this.#runExport(state, vaultDir, vcard, photoLayout, only);
    return state;
  }

  async exports(): Promise<ExportState[]> {
    return [...this.#exports.values()];
  }

  async receipt(arg: { exportId: string }): Promise<{ html: string; path: string }> {
    const state = this.#exports.get(str(arg, 'exportId'));
    if (!state?.result) throw new ApiError('not-found', 'That export has no receipt (yet).', 'Wait until the export is finished.');
    const file = state.result.receiptPath;
    return { html: await fs.promises.readFile(file, 'utf8'), path: file };
  }

  async plugInSimulatedPhone(arg: SimulatedPhoneRequest): Promise<DeviceInfo> {
    if (!this.#opts.simulation) throw new ApiError('no-simulation', 'Simulated phones are off in this app.', 'Start the browser host with --sim to use them.');
    const image = str(arg, 'image');
    const phone = await plugInSimulatedPhone(path.resolve(image), {
      linkRateMBps: optionalNumber(arg, 'linkRateMBps'),
      unplugAfterBytes: optionalNumber(arg, 'unplugAfterBytes'),
      stallAfterBytes: optionalNumber(arg, 'stallAfterBytes'),
    });
    let entry: UsbDeviceEntry;
    try {
      this.#sims.set(`sim:${phone.identity.serial}`, phone);
      entry = this.#registry.addVirtual(phone.device, phone.identity.serial);
    } catch (err) {
      this.#sims.delete(`sim:${phone.identity.serial}`);
      await phone.close();
      throw new ApiError('already-attached', `A simulated phone with serial ${phone.identity.serial} is already plugged in.`, 'Pull its cable first.');
    }
    await this.#describing.get(entry.id);
    return this.#devices.get(entry.id)!;
  }

  async pullSimulatedCable(arg: { deviceId: string }): Promise<void> {
    if (!this.#opts.simulation) throw new ApiError('no-simulation', 'Simulated phones are off in this app.', 'Start the browser host with --sim to use them.');
    const entry = await this.#registry.find(str(arg, 'deviceId'));
    if (!entry || !(entry.device instanceof VirtualUsbDevice)) throw new ApiError('not-found', 'No such simulated phone.', 'Look under Devices.');
    entry.device.disconnect();
  }

  /** Lets go of every phone, stops rescues and closes the vaults. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribe) u();
    const running = [...this.#rescues.values()].filter((r) => r.tracker.state.status === 'running');
    await Promise.all(running.map((r) => this.cancelRescue({ rescueId: r.tracker.state.rescueId })));
    for (const sim of this.#sims.values()) await sim.close().catch(() => undefined);
    this.#sims.clear();
    await this.#registry.close();
    for (const { vault } of this.#readers.values()) vault.close();
    this.#readers.clear();
    await this.#thumbnails.close();
    this.#listeners.clear();
  }

  // ---- phones ------------------------------------------------------------------------------

  readonly #describing = new Map<string, Promise<void>>();

  #attached(entry: UsbDeviceEntry): Promise<void> {
    const pending = this.#describe(entry);
    this.#describing.set(entry.id, pending);
    return pending;
  }

  async #describe(entry: UsbDeviceEntry): Promise<void> {
    const device = entry.device;
    const first: DeviceInfo = {
      id: entry.id,
      transport: 'adb',
      manufacturer: device.manufacturerName ?? 'Unknown maker',
      model: device.productName ?? 'phone',
      serial: device.serialNumber ?? '',
      battery: null,
      batteryLow: false,
      connection: connectionOf(entry),
      state: 'connecting',
      rescuable: [],
      safe: null,
    };
    this.#devices.set(entry.id, first);
    this.#emit({ type: 'device-appeared', device: first });
    let listing;
    try {
      listing = await describeUsbPhone(entry);
    } catch (err) {
      listing = undefined;
      this.#updateDevice(entry.id, { state: 'unsupported', problem: toUserError(err) });
      return;
    }
    if (!this.#devices.has(entry.id)) return; // gone while we asked it
    if (!listing) {
      // Not a phone Lifeboat can talk to (a mouse, a disk): it leaves the list quietly.
      this.#devices.delete(entry.id);
      this.#emit({ type: 'device-gone', deviceId: entry.id, serial: first.serial });
      return;
    }
    const battery = listing.battery;
    this.#updateDevice(entry.id, {
      transport: listing.transport,
      connection: connectionOf(entry, listing.transport),
      manufacturer: listing.manufacturer,
      model: listing.model,
      serial: listing.serial,
      battery,
      batteryLow: battery !== null && battery < this.#opts.lowBatteryPercent,
      state: listing.state as DeviceInfo['state'],
      rescuable: listing.rescuable,
      safe: await this.#safeCounts(listing.serial),
      ...(listing.hint ? { problem: problemOf(listing.state, listing.hint) } : {}),
    });
  }

  #detached(entry: UsbDeviceEntry): void {
    const device = this.#devices.get(entry.id);
    this.#devices.delete(entry.id);
    const sim = this.#sims.get(entry.id);
    if (sim) {
      this.#sims.delete(entry.id);
      void sim.close().catch(() => undefined);
    }
    this.#emit({ type: 'device-gone', deviceId: entry.id, serial: device?.serial ?? '' });
  }

  #updateDevice(id: string, patch: Partial<DeviceInfo>): void {
    const device = this.#devices.get(id);
    if (!device) return;
    const next = { ...device, ...patch };
    this.#devices.set(id, next);
    this.#emit({ type: 'device-changed', device: next });
  }

  // ---- rescue ------------------------------------------------------------------------------

  async #runRescue(active: ActiveRescue, entry: UsbDeviceEntry, device: DeviceInfo, categories: Category[]): Promise<void> {
    const { tracker, abort } = active;
    let vault: Vault | undefined;
    try {
      active.source = await this.#openSource(entry, device);
      if (abort.signal.aborted) throw new ApiError('cancelled', 'The rescue was stopped.', 'Everything saved so far is safe. Press Resume to continue later.');
      vault = await Vault.open(this.#vaultDirOf(device.serial), { create: true });
      const summary = await runRescue({
        source: active.source,
        vault,
        categories,
        signal: abort.signal,
        onEvent: (event) => {
          if (tracker.state.status !== 'running') return;
          if (tracker.apply(event)) this.#emit({ type: 'rescue-progress', rescue: tracker.state });
          if (tracker.state.stalled) this.#setStalled(active, false);
        },
      });
      this.#finishRescue(active, summary.status, summary);
    } catch (err) {
      const summary = (err as { summary?: RescueSummary }).summary;
      const status = summary?.status ?? (abort.signal.aborted ? 'cancelled' : err instanceof SourceLostError ? 'lost' : 'failed');
      this.#finishRescue(active, status, summary, err);
    } finally {
      await active.source?.close().catch(() => undefined);
      vault?.close();
      clearInterval(active.stallTimer);
      this.#updateDevice(device.id, { safe: await this.#safeCounts(device.serial) });
    }
  }

  /** The phone's own protocol: ADB when it offers it (contacts and calendar), else MTP (File transfer). */
  async #openSource(entry: UsbDeviceEntry, device: DeviceInfo): Promise<DeviceSource> {
    if (device.transport === 'mtp') return openMtpSource(entry.device);
    const adb = await connectAdbUsbDevice(entry.device, {
      onWaitingForOwner: () => this.#updateDevice(device.id, { state: 'needs-allow' }),
    });
    if (this.#devices.get(device.id)?.state === 'needs-allow') this.#updateDevice(device.id, { state: 'ready' });
    return openAdbSource(adb, { usb: { vendorId: entry.device.vendorId, productId: entry.device.productId } });
  }

  #finishRescue(active: ActiveRescue, status: Exclude<RescueState['status'], 'running'>, summary?: RescueSummary, err?: unknown): void {
    const state = active.tracker.state;
    if (state.status !== 'running') return; // already told (a cancel that did not wait)
    state.status = status;
    state.exitCode = EXIT_OF[status];
    state.stalled = false;
    for (const c of state.categories) {
      if (c.state !== 'running') continue;
      c.state = 'stopped';
      c.bytesPerSecond = 0;
      c.itemsPerSecond = 0;
      c.secondsLeft = null;
    }
    if (summary) {
      const { contacts, events, photos, bytes, transferredBytes, skipped } = summary;
      state.totals = { contacts, events, photos, bytes, transferredBytes, skipped };
    }
    if (err !== undefined && status !== 'done') state.error = toUserError(err);
    clearInterval(active.stallTimer);
    this.#emit({ type: 'rescue-finished', rescue: state });
  }

  #checkStall(active: ActiveRescue): void {
    const quietMs = active.tracker.quietForMs();
    if (active.tracker.state.status !== 'running') return;
    if (!active.tracker.state.stalled && quietMs >= this.#opts.stallWarningSeconds * 1000) this.#setStalled(active, true);
  }

  #setStalled(active: ActiveRescue, stalled: boolean): void {
    const state = active.tracker.state;
    state.stalled = stalled;
    this.#emit({
      type: 'rescue-stall',
      rescueId: state.rescueId,
      serial: state.serial,
      stalled,
      secondsWithoutProgress: Math.round(active.tracker.quietForMs() / 1000),
    });
  }

  #isRunning(rescueId: string): boolean {
    return this.#rescues.get(rescueId)?.tracker.state.status === 'running';
  }

  // ---- export ------------------------------------------------------------------------------

  async #runExport(state: ExportState, vaultDir: string, vcard: '3.0' | '4.0', photoLayout: 'by-date' | 'as-on-device', only: ExportSelection | undefined): Promise<void> {
    let vault: Vault | undefined;
    let lastEmit = 0;
    try {
      // Its own connection: the export streams the catalog while rescues may write to it.
      vault = await Vault.open(vaultDir, { create: false });
      const result = await exportBag({
        vault,
        out: state.folder,
        serial: state.serial,
        vcardVersion: vcard,
        photoLayout,
        ...(only ? { only } : {}),
        onProgress: (p: ExportProgress) => {
          state.phase = p.phase;
          state.done = p.done;
          state.total = p.total ?? null;
          const now = Date.now();
          if (now - lastEmit >= 100) {
            lastEmit = now;
            this.#emit({ type: 'export-progress', export: state });
          }
        },
      });
      state.result = {
        folder: result.out,
        serial: result.serial,
        contacts: result.contacts,
        events: result.events,
        calendars: result.calendars,
        photos: result.photos,
        photoBytes: result.photoBytes,
        manifestSha256: result.manifestSha256,
        receiptPath: path.join(result.out, 'data', 'report.html'),
        ...(result.chosen ? { chosen: result.chosen } : {}),
      };
      state.status = 'verifying';
      state.phase = 'verify';
      state.done = 0;
      state.total = null;
      this.#emit({ type: 'export-progress', export: state });
      const problems = await verifyBag(result.out, (done, total) => {
        state.done = done;
        state.total = total;
        const now = Date.now();
        if (now - lastEmit >= 100) {
          lastEmit = now;
          this.#emit({ type: 'export-progress', export: state });
        }
      });
      state.verification = { ok: problems.length === 0, problems: problems.slice(0, 100) };
      state.status = problems.length === 0 ? 'done' : 'failed';
      if (problems.length) {
        state.error = { code: 'verify-failed', message: `${problems.length} file(s) of the export do not match what was saved.`, whatToDo: 'Export again into a new folder; if it happens again, the disk may be failing.' };
      }
    } catch (err) {
      state.status = 'failed';
      state.error = toUserError(err);
    } finally {
      vault?.close();
    }
    this.#emit({ type: 'export-finished', export: state });
  }

  // ---- vaults ------------------------------------------------------------------------------

  /**
   * One vault per phone: two phones rescued at once never share a vault's temporary folder or
   * its write lock, and a phone's vault can be handed over alone.
   */
  #vaultDirOf(serial: string): string {
    const safe = serial.replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown';
    return path.join(this.#opts.vaultDir, `phone-${safe}`);
  }

  async #reader(name: string): Promise<{ vault: Vault; index: ReviewIndex }> {
    let reader = this.#readers.get(name);
    if (!reader) {
      const vault = await Vault.open(path.join(this.#opts.vaultDir, name), { create: false });
      const device = vault.devices()[0];
      if (!device) {
        vault.close();
        throw new ApiError('nothing-rescued', 'Nothing of this phone is in the vault yet.', 'Rescue the phone first.');
      }
      reader = { vault, index: new ReviewIndex(vault, device) };
      this.#readers.set(name, reader);
    }
    return reader;
  }

  async #readerOf(serial: string): Promise<{ vault: Vault; index: ReviewIndex }> {
    const dir = this.#vaultDirOf(serial);
    if (!fs.existsSync(path.join(dir, CATALOG_FILE))) {
      throw new ApiError('nothing-rescued', 'Nothing of this phone is in the vault yet.', 'Rescue the phone first, then look at what was saved.');
    }
    return this.#reader(path.basename(dir));
  }

  async #safeCounts(serial: string): Promise<SafeCounts | null> {
    const dir = this.#vaultDirOf(serial);
    if (!fs.existsSync(path.join(dir, CATALOG_FILE))) return null;
    const reader = await this.#reader(path.basename(dir)).catch(() => undefined);
    return reader ? safeCountsOf(reader.vault, serial) : null;
  }

  #emit(event: ApiEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A transport that failed to send must not stop the others (or the rescue).
      }
    }
  }
}

function safeCountsOf(vault: Vault, serial: string): SafeCounts | null {
  const device = vault.device(serial);
  if (!device) return null;
  const t = vault.totals(device.id);
  const runs = vault.runs(device.id);
  const last = runs[runs.length - 1];
  return {
    contacts: t.contact.count,
    events: t.event.count,
    photos: t.media.count,
    bytes: t.contact.bytes + t.event.bytes + t.media.bytes,
    lastRun: last ? { status: last.status, finishedMs: last.finishedMs } : null,
  };
}

function connectionOf(entry: UsbDeviceEntry, transport?: DeviceInfo['transport']): string {
  const cable = entry.backend === 'virtual' ? 'Simulated USB cable' : 'USB';
  if (transport === undefined) return cable; // not asked yet
  return `${cable}, ${transport === 'mtp' ? 'File transfer (MTP)' : 'Android debugging (ADB)'}`;
}

function problemOf(state: string, hint: string): DeviceInfo['problem'] {
  if (state === 'needs-allow') return { code: 'needs-allow', message: 'The phone asks "Allow USB debugging?".', whatToDo: 'Unlock the phone and tap Allow (tick "Always allow from this computer").' };
  if (state === 'busy') {
    return { code: 'busy', message: 'Another program holds the phone.', whatToDo: 'Close Android Studio, adb or phone managers; run "adb kill-server" in a terminal; then plug the phone in again.' };
  }
  return { code: state, message: hint, whatToDo: 'See Connect for what this phone needs.' };
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

// ---- argument checks: a call crossed a process boundary, so nothing about it is trusted --------

function badArg(name: string, want: string): ApiError {
  return new ApiError('bad-call', `The window sent a wrong ${name} (${want} expected).`, 'Reload the window; if it stays, update the app.');
}

function str(arg: unknown, name: string, allowEmpty = false): string {
  const v = (arg as Record<string, unknown>)[name];
  if (typeof v !== 'string' || (!allowEmpty && v === '') || v.length > 4096) throw badArg(name, 'text');
  return v;
}

function int(arg: unknown, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = (arg as Record<string, unknown>)[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badArg(name, `a whole number from ${min} to ${max}`);
  return v;
}

function optionalNumber(arg: unknown, name: string): number | undefined {
  const v = (arg as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw badArg(name, 'a number above 0');
  return v;
}

function oneOf<T extends string>(arg: unknown, name: string, values: readonly T[]): T {
  const v = (arg as Record<string, unknown>)[name];
  if (!values.includes(v as T)) throw badArg(name, values.join(' or '));
  return v as T;
}

/** The export's selection, checked for its shape here; whether its ids are this phone's, by the export. */
function selectionOf(arg: unknown): ExportSelection | undefined {
  const v = (arg as Record<string, unknown>).only;
  if (v === undefined) return undefined;
  try {
    return checkSelection(v);
  } catch (err) {
    throw new ApiError('bad-call', `The window sent a wrong selection (${(err as Error).message}).`, 'Reload the window; if it stays, update the app.');
  }
}

function categoriesOf(arg: unknown): Category[] {
  const v = (arg as Record<string, unknown>).categories;
  if (!Array.isArray(v) || v.length === 0 || !v.every((c) => (CATEGORIES as readonly unknown[]).includes(c))) {
    throw badArg('categories', `a list of ${CATEGORIES.join(', ')}`);
  }
  return CATEGORIES.filter((c) => v.includes(c));
}
