/**
 * The one contract between the window and the engine: calls (LifeboatApi) and a stream of events
 * (ApiEvent). Types only: the renderer imports this file, and a type import leaves no runtime code
 * behind, so nothing of the engine can end up in the window. Both transports (Electron IPC through
 * the preload, the browser host's WebSocket) carry exactly these shapes (see wire.ts).
 */
import type { Contact } from '../model/contact.ts';
import type { Transport } from '../model/device.ts';
import type { ChosenCount, ChosenCounts, ExportSelection, ItemChoice } from '../export/export-selection.ts';
import type { Category } from '../rescue/categories.ts';
import type { StoreApiEvent } from './store-api.ts';

export type { Category, ChosenCount, ChosenCounts, Contact, ExportSelection, ItemChoice, Transport };

/** Something went wrong, said for a person: what happened and what to do next. Never a stack. */
export interface UserError {
  /** Stable, for code and tests: 'bad-input', 'phone-lost', 'disk-full', 'cancelled', 'busy', ... */
  code: string;
  /** What happened, in one sentence. */
  message: string;
  /** What the person can do now. */
  whatToDo: string;
}

export interface HostInfo {
  appVersion: string;
  host: 'browser' | 'electron';
  /** The folder holding one vault per phone. */
  vaultDir: string;
  /** A new folder the export may go to, for the destination field. */
  suggestedExportFolder: string;
  /** The host can show a folder picker (Electron) or the path is typed (browser host). */
  canChooseFolder: boolean;
  /** The host can open a folder in the system's file manager. */
  canOpenFolder: boolean;
  /** Simulated phones can be plugged in and out through the API (tests, demos). */
  simulation: boolean;
  /** Seconds without progress before a stall warning. */
  stallWarningSeconds: number;
  /** Battery percentage under which the window warns. */
  lowBatteryPercent: number;
}

/** What is safe in the vault for one phone already. */
export interface SafeCounts {
  contacts: number;
  events: number;
  photos: number;
  bytes: number;
  lastRun: { status: string; finishedMs: number | null } | null;
}

/**
 * needs-trust: an iPhone waits for its owner to unlock it and tap "Trust" (a rescue may start: it
 * asks the phone and waits). needs-password: an encrypted iPhone backup; startRescue takes its password.
 */
export type DeviceState = 'ready' | 'needs-allow' | 'busy' | 'unsupported' | 'connecting' | 'needs-trust' | 'needs-password';

/** An iPhone backup (iTunes/Finder folder) offered as a source beside the phones. */
export interface BackupInfo {
  /** The folder of this backup on this computer. */
  folder: string;
  /** The name the owner gave the iPhone ("Lena’s iPhone"), when the backup says. */
  deviceName: string | null;
  /** When the backup was made (UTC milliseconds), when it says. */
  madeMs: number | null;
  /** Its contents need the backup password (set in Finder or iTunes), asked for at each rescue and never stored. */
  encrypted: boolean;
}

/** A phone attached now. */
export interface DeviceInfo {
  /** The USB registry's id: "usb:1-1.4", "sim:SERIAL". */
  id: string;
  transport: Transport;
  manufacturer: string;
  model: string;
  serial: string;
  /** 0-100, or null when the phone does not say. */
  battery: number | null;
  batteryLow: boolean;
  /** How it is attached, for people: "USB, Android debugging (ADB)". */
  connection: string;
  state: DeviceState;
  rescuable: Category[];
  /** Why it is not ready, and what to do. */
  problem?: UserError;
  /** What this connection gives and what it does not, for a phone that is ready ("photos only: ..."). */
  note?: string;
  /** Set for an iPhone backup folder (transport "iphone-backup"), which is a source, not a phone on a cable. */
  backup?: BackupInfo;
  safe: SafeCounts | null;
  /** The rescue running for this phone now, if any. */
  rescueId?: string;
}

/** A phone whose data is in the vault (attached or not): what Review and Export look at. */
export interface VaultPhone {
  serial: string;
  manufacturer: string;
  model: string;
  safe: SafeCounts;
}

export interface CategoryProgress {
  category: Category;
  /** stopped: the rescue ended (cancel, cable) while this category was under way. */
  state: 'waiting' | 'running' | 'done' | 'failed' | 'stopped';
  items: number;
  totalItems: number | null;
  bytes: number;
  totalBytes: number | null;
  /** Items found already safe in the vault. */
  skipped: number;
  bytesPerSecond: number;
  itemsPerSecond: number;
  /** null when the total is not known yet. */
  secondsLeft: number | null;
  failure?: string;
}

export type RescueStatus = 'running' | 'done' | 'lost' | 'cancelled' | 'failed';

export interface RescueState {
  rescueId: string;
  deviceId: string;
  serial: string;
  model: string;
  status: RescueStatus;
  categories: CategoryProgress[];
  stalled: boolean;
  startedMs: number;
  /** Set once finished: the CLI's exit code for the same outcome (0 done, 1 failed, 3 lost, 130 cancelled). */
  exitCode?: number;
  totals?: { contacts: number; events: number; photos: number; bytes: number; transferredBytes: number; skipped: number };
  error?: UserError;
}

export interface Page<T> {
  total: number;
  offset: number;
  rows: T[];
}

export interface ContactRow {
  id: number;
  name: string;
  /** A phone number or e-mail address to tell people of the same name apart. */
  detail: string;
  starred: boolean;
}

export interface EventRow {
  id: number;
  title: string;
  calendar: string;
  /** UTC milliseconds of the (first) start; a whole-day event starts at 00:00 UTC of its day. */
  startMs: number;
  endMs: number | null;
  allDay: boolean;
  repeats: boolean;
  location?: string;
  timeZone?: string;
}

export interface PhotoRow {
  id: number;
  path: string;
  kind: 'photo' | 'video';
  mediaType: string;
  size: number;
  captureMs: number | null;
}

export interface Thumbnail {
  /** "data:image/jpeg;base64,..." or null when no picture can be made (a video, HEIC without decoder). */
  dataUrl: string | null;
  reason?: string;
}

export type VCardVersion = '3.0' | '4.0';
export type PhotoLayoutChoice = 'by-date' | 'as-on-device';

export interface ExportRequest {
  serial: string;
  folder: string;
  vcard: VCardVersion;
  photoLayout: PhotoLayoutChoice;
  /**
   * Only these items, by the ids of Review's rows (a category left out: none of it); without it
   * everything of the phone. An id the vault does not hold for this phone fails the export.
   */
  only?: ExportSelection;
}

export interface ExportOutcome {
  folder: string;
  serial: string;
  contacts: number;
  events: number;
  calendars: number;
  photos: number;
  photoBytes: number;
  manifestSha256: string;
  receiptPath: string;
  /** Set when the export held a selection: how many of each category were chosen, of how many. */
  chosen?: ChosenCounts;
}

export interface ExportState {
  exportId: string;
  serial: string;
  folder: string;
  status: 'running' | 'verifying' | 'done' | 'failed';
  phase: string;
  done: number;
  total: number | null;
  result?: ExportOutcome;
  verification?: { ok: boolean; problems: string[] };
  error?: UserError;
}

/** Faults a simulated phone can be plugged in with (tests and demos only). */
export interface SimulatedPhoneRequest {
  image: string;
  linkRateMBps?: number;
  unplugAfterBytes?: number;
  stallAfterBytes?: number;
}

/** Every call the window can make. Each takes at most one argument object. */
export interface LifeboatApi {
  hello(): Promise<HostInfo>;
  listDevices(): Promise<DeviceInfo[]>;
  /**
   * `password`: only for an encrypted iPhone backup (state needs-password). It is used to unlock
   * the backup and dropped: never stored, logged or sent back. A wrong one fails this call with
   * code 'wrong-password' (nothing is started), so the window can ask again.
   */
  startRescue(req: { deviceId: string; categories: Category[]; password?: string }): Promise<RescueState>;
  /** Always returns promptly: a phone that does not answer is let go. */
  cancelRescue(req: { rescueId: string }): Promise<RescueState>;
  rescues(): Promise<RescueState[]>;
  vaultPhones(): Promise<VaultPhone[]>;
  contacts(req: { serial: string; query?: string; offset: number; limit: number }): Promise<Page<ContactRow>>;
  contact(req: { serial: string; id: number }): Promise<Contact>;
  events(req: { serial: string }): Promise<EventRow[]>;
  photos(req: { serial: string; offset: number; limit: number }): Promise<Page<PhotoRow>>;
  thumbnail(req: { serial: string; id: number }): Promise<Thumbnail>;
  startExport(req: ExportRequest): Promise<ExportState>;
  exports(): Promise<ExportState[]>;
  /** The printable receipt of a finished export. */
  receipt(req: { exportId: string }): Promise<{ html: string; path: string }>;
  /** Simulation mode only: a simulated phone plugged in, or its cable pulled. */
  plugInSimulatedPhone(req: SimulatedPhoneRequest): Promise<DeviceInfo>;
  pullSimulatedCable(req: { deviceId: string }): Promise<void>;
}

export type ApiMethod = keyof LifeboatApi;
export type ApiArgs<M extends ApiMethod> = Parameters<LifeboatApi[M]>;
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<LifeboatApi[M]>>;

/** What the engine tells every window, unasked. */
export type ApiEvent =
  | { type: 'device-appeared'; device: DeviceInfo }
  | { type: 'device-changed'; device: DeviceInfo }
  | { type: 'device-gone'; deviceId: string; serial: string }
  /** Progress of one rescue: the whole state, so a window that joins late needs nothing else. */
  | { type: 'rescue-progress'; rescue: RescueState }
  | { type: 'rescue-stall'; rescueId: string; serial: string; stalled: boolean; secondsWithoutProgress: number }
  | { type: 'rescue-finished'; rescue: RescueState }
  | { type: 'export-progress'; export: ExportState }
  | { type: 'export-finished'; export: ExportState }
  /** Store mode (store-api.ts): sessions, their ends, and the mode and sign-in. */
  | StoreApiEvent;

/** Extra calls only the Electron shell answers (folder picker, file manager); never the engine. */
export interface ShellCalls {
  chooseFolder(): Promise<string | null>;
  openFolder(req: { path: string }): Promise<void>;
}

/**
 * What the Electron preload puts on `window.lifeboat`: a call function (the main process checks
 * the method against the allowlist), the event stream, and the shell's own calls. No raw IPC.
 */
export interface PreloadBridge {
  call(method: ApiMethod, arg?: object): Promise<{ ok: true; value: unknown } | { ok: false; error: UserError }>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** The engine process stopped (it is started again by the shell). */
  onEngineLost(listener: (error: UserError) => void): () => void;
  shell: ShellCalls;
}
