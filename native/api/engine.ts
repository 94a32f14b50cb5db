import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectAdbUsbDevice } from '../adapters/adb/adb-connect.ts';
import { openAdbSource } from '../adapters/adb/adb-source.ts';
import { openMtpSource } from '../adapters/mtp/mtp-source.ts';
import type { DeviceSource } from '../adapters/device-source.ts';
import { SourceLostError } from '../adapters/errors.ts';
import { describe as describeUsbPhone } from '../cli/devices-command.ts';
import { openSource, plugInSimulatedPhone, type SimulatedPhone } from '../cli/open-source.ts';
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
import { isApiMethod, isStoreApiMethod } from './wire.ts';
import { StoreApiHandler, type StoreModeOptions } from './store-api-handler.ts';
import type { OpenPhone, PhoneHooks } from '../store/store-session.ts';
import { backupSources, iphoneSource, simulatedAtPhone, type OtherSource } from './other-sources.ts';
import { watchIphones, type IphoneWatch } from '../adapters/iphone/iphone-watch.ts';
import { isAtImage } from '../cli/open-at-source.ts';

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
  /** Folders holding iPhone backups (find-backups.ts backupRoots(): the usual places, or LIFEBOAT_BACKUP_ROOTS). */
  backupRoots?: string[];
  /** Single iPhone backup folders offered as sources (`web --backup DIR`). */
  backupFolders?: string[];
  /** Follow the system's usbmuxd for live iPhones while the engine runs (plugged in and unplugged). */
  iphones?: boolean;
  /** How often an absent usbmuxd is asked again. */
  iphoneRetryMs?: number;
  /** Store mode's folder and whether it is on (store-api-handler.ts); null: no store mode in this app. */
  store?: StoreModeOptions | null;
}

/** In store mode a phone's data goes only into sealed customer sessions, and staff see no contents: these plain calls are refused. */
const NOT_IN_STORE_MODE = new Set<string>(['startRescue', 'vaultPhones', 'contacts', 'contact', 'events', 'photos', 'thumbnail', 'startExport', 'receipt']);

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
  /** Sources that are not USB devices of the registry: backups, live iPhones, simulated feature phones. */
  readonly #others = new Map<string, OtherSource>();
  readonly #rescues = new Map<string, ActiveRescue>();
  readonly #exports = new Map<string, ExportState>();
  readonly #listeners = new Set<(event: ApiEvent) => void>();
  readonly #readers = new Map<string, { vault: Vault; index: ReviewIndex }>();
  readonly #thumbnails = new Thumbnails();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #store: StoreApiHandler | null;
  #nextId = 1;
  #closed = false;
  #iphoneWatch: IphoneWatch | undefined;
  /** iPhones coming and going, one after the other (a phone unplugged while it is being listed stays gone). */
  #iphoneChanges: Promise<void> = Promise.resolve();
  #lookingForBackups: Promise<void> | undefined;

  constructor(options: EngineOptions) {
    this.#opts = {
      stallWarningSeconds: 10,
      lowBatteryPercent: 20,
      cancelGraceMs: 3_000,
      backupRoots: [],
      backupFolders: [],
      iphones: false,
      iphoneRetryMs: 3_000,
      store: null,
      ...options,
    };
    fs.mkdirSync(this.#opts.vaultDir, { recursive: true });
    this.#store = this.#opts.store ? new StoreApiHandler(this.#opts.store, { forSession: (id) => this.#phoneForSession(id) }, (e) => this.#emit(e)) : null;
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
    // A problem with one backup folder or with usbmuxd is no reason to refuse the others.
    const quiet = () => undefined;
    for (const source of backupSources(this.#opts.backupRoots, this.#opts.backupFolders, quiet)) await this.#addOther(source);
    if (this.#opts.iphones) {
      // Followed while the engine runs, so an iPhone plugged in later appears as a USB phone does.
      this.#iphoneWatch = watchIphones({
        retryMs: this.#opts.iphoneRetryMs,
        onAppeared: (listing) => this.#iphoneChange(() => this.#addOther(iphoneSource(listing))),
        onGone: (id) => this.#iphoneChange(async () => this.#otherGone(id)),
      });
      await this.#iphoneWatch.ready;
      await this.#iphoneChanges;
    }
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The one door from a transport: the method is checked against the allowlist, errors become UserErrors. */
  async dispatch(method: string, arg: unknown): Promise<unknown> {
    if (!isApiMethod(method)) throw new ApiError('bad-call', `Unknown call ${method}.`, 'Update the app: the window and the engine differ.');
    if (isStoreApiMethod(method)) {
      if (this.#store) return this.#store.dispatch(method, arg);
      if (method === 'storeStatus') return { on: false, staff: [], signedIn: null, sessions: [] };
      throw new ApiError('no-store-mode', 'This app was started without store mode.', 'Start it with "lifeboat web" (store mode can be switched on there).');
    }
    if (this.#store?.on && NOT_IN_STORE_MODE.has(method)) {
      throw new ApiError('store-mode', 'Store mode is on: each phone is rescued in its own sealed customer session, and its data is shown only with the customer present.', 'Start a customer session under Customers.');
    }
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

  /** The window asks again (opened, reloaded, "Look again"): backups made since are looked for first. */
  async listDevices(): Promise<DeviceInfo[]> {
    await this.#lookForBackups();
    return [...this.#devices.values()];
  }

  async startRescue(arg: { deviceId: string; categories: Category[]; password?: string }): Promise<RescueState> {
    const deviceId = str(arg, 'deviceId');
    const categories = categoriesOf(arg);
    const password = (arg as { password?: unknown }).password === undefined ? undefined : str(arg, 'password', true);
    const device = this.#devices.get(deviceId);
    const other = this.#others.get(deviceId);
    const entry = other ? undefined : await this.#registry.find(deviceId);
    if (!device || (!entry && !other)) {
      throw new ApiError('no-phone', 'That phone is no longer attached.', 'Plug it in again; it appears under Devices when it is ready.');
    }
    if (device.rescueId && this.#isRunning(device.rescueId)) {
      throw new ApiError('already-running', 'A rescue of this phone is already running.', 'Watch it under Rescue, or cancel it first.');
    }
    // An iPhone that waits for "Trust" is asked by the rescue itself; a backup's password comes with this call.
    const startable = device.state === 'ready' || device.state === 'needs-trust' || device.state === 'needs-password';
    if (!startable) {
      throw device.problem
        ? new ApiError(device.problem.code, device.problem.message, device.problem.whatToDo)
        : new ApiError('not-ready', 'This phone is not ready yet.', 'Wait until Devices shows it as ready.');
    }
    // "Rescue everything" means everything this phone can give (an MTP phone: its photos).
    const possible = categories.filter((c) => device.rescuable.includes(c));
    if (possible.length === 0) {
      throw new ApiError('nothing-to-rescue', `This phone cannot give ${categories.join(', ')} over its connection.`, 'See Connect: contacts and calendar need USB debugging.');
    }
    // A backup is opened before the rescue starts: a wrong password fails this call (nothing
    // started), so the window asks again. The password goes no further than openIphoneBackup.
    const preopened = other?.listing.transport === 'iphone-backup' ? await other.open({ password, onOwnerStep: () => undefined }) : undefined;
    const open = preopened
      ? async () => preopened
      : other
        ? () => other.open({ onOwnerStep: (message) => this.#waitingForOwner(deviceId, message) })
        : () => this.#openSource(entry!, device);
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
    void this.#runRescue(active, open, device, possible).finally(release);
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
    if (isAtImage(path.resolve(image))) {
      // A feature phone: AT commands on a serial line, not a USB device of the registry.
      const at = await simulatedAtPhone(path.resolve(image), { unplugAfterBytes: optionalNumber(arg, 'unplugAfterBytes') });
      if (this.#devices.has(at.id)) throw new ApiError('already-attached', `A simulated phone with serial ${at.listing.serial} is already plugged in.`, 'Pull its cable first.');
      await this.#addOther(at);
      return this.#devices.get(at.id)!;
    }
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
    const other = this.#others.get(str(arg, 'deviceId'));
    if (other?.pull) {
      this.#others.delete(other.id);
      await other.pull();
      const device = this.#devices.get(other.id);
      this.#devices.delete(other.id);
      this.#emit({ type: 'device-gone', deviceId: other.id, serial: device?.serial ?? '' });
      return;
    }
    const entry = await this.#registry.find(str(arg, 'deviceId'));
    if (!entry || !(entry.device instanceof VirtualUsbDevice)) throw new ApiError('not-found', 'No such simulated phone.', 'Look under Devices.');
    entry.device.disconnect();
  }

  /** Lets go of every phone, stops rescues and closes the vaults. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const u of this.#unsubscribe) u();
    this.#iphoneWatch?.close();
    // Open customer sessions are abandoned first: their keys must not outlive the app.
    await this.#store?.close();
    const running = [...this.#rescues.values()].filter((r) => r.tracker.state.status === 'running');
    await Promise.all(running.map((r) => this.cancelRescue({ rescueId: r.tracker.state.rescueId })));
    for (const sim of this.#sims.values()) await sim.close().catch(() => undefined);
    this.#sims.clear();
    for (const other of this.#others.values()) await other.pull?.().catch(() => undefined);
    this.#others.clear();
    await this.#registry.close();
    for (const { vault } of this.#readers.values()) vault.close();
    this.#readers.clear();
    await this.#thumbnails.close();
    this.#listeners.clear();
  }

  // ---- phones ------------------------------------------------------------------------------

  readonly #describing = new Map<string, Promise<void>>();
  readonly #atPorts = new Map<string, string>();

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
    // A feature phone's modem port is a tty of the system's driver (at:/dev/ttyACM0): the rescue opens that.
    if (listing.transport === 'at' && listing.id.startsWith('at:')) this.#atPorts.set(entry.id, listing.id);
    this.#updateDevice(entry.id, {
      transport: listing.transport,
      connection: connectionOf(entry, listing.transport, listing.manufacturer),
      manufacturer: listing.manufacturer,
      model: listing.model,
      serial: listing.serial,
      battery,
      batteryLow: battery !== null && battery < this.#opts.lowBatteryPercent,
      state: listing.state as DeviceInfo['state'],
      rescuable: listing.rescuable,
      safe: await this.#safeCounts(listing.serial),
      // A ready phone's hint says what its connection does not give ("photos only: ..."): a note, not a problem.
      ...(listing.hint ? (listing.state === 'ready' ? { note: listing.hint } : { problem: problemOf(listing.state, listing.hint) }) : {}),
    });
  }

  /** A source that is no USB device: listed like a phone, with what is safe of it already. */
  async #addOther(source: OtherSource): Promise<void> {
    if (this.#devices.has(source.id)) return;
    this.#others.set(source.id, source);
    const l = source.listing;
    const device: DeviceInfo = {
      id: source.id,
      ...l,
      batteryLow: l.battery !== null && l.battery < this.#opts.lowBatteryPercent,
      safe: await this.#safeCounts(l.serial),
    };
    this.#devices.set(source.id, device);
    this.#emit({ type: 'device-appeared', device });
  }

  /** A source that is no USB device went away (an iPhone unplugged, a backup folder deleted). */
  #otherGone(id: string): void {
    if (!this.#others.delete(id)) return;
    const device = this.#devices.get(id);
    this.#devices.delete(id);
    // A rescue reading it ends by itself: its connection breaks, and it ends as a lost phone.
    this.#emit({ type: 'device-gone', deviceId: id, serial: device?.serial ?? '' });
  }

  #iphoneChange(change: () => Promise<void>): void {
    this.#iphoneChanges = this.#iphoneChanges.then(() => (this.#closed ? undefined : change())).catch(() => undefined);
  }

  /** One look at a time, however often the window asks. */
  #lookForBackups(): Promise<void> {
    this.#lookingForBackups ??= this.#rescanBackups().finally(() => (this.#lookingForBackups = undefined));
    return this.#lookingForBackups;
  }

  /**
   * The backup places looked at again: a backup made since the start appears, one finished or
   * replaced since is listed anew, one deleted disappears (unless a rescue is reading it).
   */
  async #rescanBackups(): Promise<void> {
    if (this.#closed || (this.#opts.backupRoots.length === 0 && this.#opts.backupFolders.length === 0)) return;
    const quiet = () => undefined;
    const found = backupSources(this.#opts.backupRoots, [], quiet);
    for (const folder of this.#opts.backupFolders) {
      try {
        for (const source of backupSources([], [folder], quiet)) if (!found.some((f) => f.id === source.id)) found.push(source);
      } catch {
        // A named folder deleted since the start: it leaves the list below.
      }
    }
    const busy = (id: string) => {
      const rescueId = this.#devices.get(id)?.rescueId;
      return rescueId !== undefined && this.#isRunning(rescueId);
    };
    for (const source of found) {
      const known = this.#others.get(source.id);
      if (!known) {
        await this.#addOther(source);
      } else if (JSON.stringify(known.listing) !== JSON.stringify(source.listing) && !busy(source.id)) {
        // Finished or made again in Finder since: a new listing (its note, problem and date), the same vault.
        const old = this.#devices.get(source.id);
        this.#others.set(source.id, source);
        const device: DeviceInfo = { id: source.id, ...source.listing, batteryLow: false, safe: await this.#safeCounts(source.listing.serial), ...(old?.rescueId ? { rescueId: old.rescueId } : {}) };
        this.#devices.set(source.id, device);
        this.#emit({ type: 'device-changed', device });
      }
    }
    for (const [id, other] of this.#others) {
      if (other.listing.transport === 'iphone-backup' && !found.some((f) => f.id === id) && !busy(id)) this.#otherGone(id);
    }
  }

  /** The phone waits for its owner (an iPhone's "Trust", a locked phone): the window says what to do. */
  #waitingForOwner(deviceId: string, message: string): void {
    this.#updateDevice(deviceId, { state: 'needs-trust', problem: { code: 'needs-trust', message, whatToDo: 'Do it on the phone now: the rescue goes on by itself once the phone answers.' } });
  }

  #detached(entry: UsbDeviceEntry): void {
    const device = this.#devices.get(entry.id);
    this.#devices.delete(entry.id);
    this.#atPorts.delete(entry.id);
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

  async #runRescue(active: ActiveRescue, open: () => Promise<DeviceSource>, device: DeviceInfo, categories: Category[]): Promise<void> {
    const { tracker, abort } = active;
    let vault: Vault | undefined;
    let serial = device.serial;
    try {
      active.source = await open();
      const waited = this.#devices.get(device.id);
      if (waited?.state === 'needs-trust' && device.transport !== 'iphone-backup') {
        const { problem: _answered, ...rest } = waited;
        this.#devices.set(device.id, { ...rest, state: 'ready' });
        this.#emit({ type: 'device-changed', device: this.#devices.get(device.id)! });
      }
      if (abort.signal.aborted) throw new ApiError('cancelled', 'The rescue was stopped.', 'Everything saved so far is safe. Press Resume to continue later.');
      if (device.transport === 'iphone') {
        // Before "Trust" an iPhone tells only its UDID; once trusted, its serial number, which its
        // backups carry too: the vault goes by that one, so phone and backup are one phone in Review.
        const who = await active.source.identity();
        if (who.serial && who.serial !== serial) {
          serial = who.serial;
          tracker.state.serial = serial;
          this.#updateDevice(device.id, { serial, model: who.model, battery: who.battery });
        }
      }
      vault = await Vault.open(this.#vaultDirOf(serial), { create: true });
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
      this.#updateDevice(device.id, { safe: await this.#safeCounts(serial) });
    }
  }

  /** The phone's own protocol: ADB when it offers it (contacts and calendar), else MTP (File transfer). */
  async #openSource(entry: UsbDeviceEntry, device: DeviceInfo, hooks?: PhoneHooks): Promise<DeviceSource> {
    const atPort = this.#atPorts.get(entry.id);
    if (device.transport === 'at' && atPort) return openSource({ device: atPort });
    if (device.transport === 'mtp') {
      return openMtpSource(entry.device, { onWaitingForOwner: (message) => (hooks ? hooks.waitingForUnlock() : this.#waitingForOwner(device.id, message)) });
    }
    const adb = await connectAdbUsbDevice(entry.device, {
      onWaitingForOwner: () => {
        hooks?.waitingForAllow();
        this.#updateDevice(device.id, { state: 'needs-allow' });
      },
    });
    if (this.#devices.get(device.id)?.state === 'needs-allow') this.#updateDevice(device.id, { state: 'ready' });
    return openAdbSource(adb, { usb: { vendorId: entry.device.vendorId, productId: entry.device.productId } });
  }

  /** Store mode: an attached phone opened for a customer session as a rescue opens it, the session told what the phone waits for. */
  #phoneForSession(deviceId: string): { device: DeviceInfo; open: OpenPhone } {
    const device = this.#devices.get(deviceId);
    if (!device) throw new ApiError('no-phone', 'That phone is no longer attached.', 'Plug it in again; it appears in the list when it is ready.');
    const other = this.#others.get(deviceId);
    const open: OpenPhone = async (hooks) => {
      if (other) return other.open({ onOwnerStep: () => hooks.waitingForUnlock() });
      const entry = await this.#registry.find(deviceId);
      if (!entry) throw new ApiError('no-phone', 'That phone is no longer attached.', 'Plug it in again, then press Resume.');
      return this.#openSource(entry, this.#devices.get(deviceId) ?? device, hooks);
    };
    return { device, open };
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

function connectionOf(entry: UsbDeviceEntry, transport?: DeviceInfo['transport'], manufacturer = ''): string {
  const cable = entry.backend === 'virtual' ? 'Simulated USB cable' : 'USB';
  if (transport === undefined) return cable; // not asked yet
  // An iPhone on the cable without Apple's service speaks PTP: the camera protocol, photos only.
  if (transport === 'mtp' && /^apple\b/i.test(manufacturer)) return `${cable}, photos (PTP)`;
  if (transport === 'at') return `${cable}, USB modem (AT commands)`;
  return `${cable}, ${transport === 'mtp' ? 'File transfer (MTP)' : 'Android debugging (ADB)'}`;
}

function problemOf(state: string, hint: string): DeviceInfo['problem'] {
  if (state === 'needs-allow') return { code: 'needs-allow', message: 'The phone asks "Allow USB debugging?".', whatToDo: 'Unlock the phone and tap Allow (tick "Always allow from this computer").' };
  if (state === 'needs-trust') {
    return { code: 'needs-trust', message: hint, whatToDo: 'Unlock the phone; an iPhone asks “Trust This Computer?”: tap Trust and enter its passcode. Then press Rescue.' };
  }
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
