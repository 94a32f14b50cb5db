/**
 * Store mode's part of the contract between window and engine (types only, like api.ts).
 * Implemented by native/api/store-api-handler.ts on the store desk; the engine delegates these
 * calls to it and adds them to wire.ts's allowlist when store mode is switched on.
 *
 * What staff see: sessions, their state, progress and counts; never contents. Contents (a
 * customer's contacts, calendar or photos) are shown only through a preview opened with an
 * explicit customer-present confirmation, which the audit log records.
 */
import type { Category, CategoryProgress, ContactRow, EventRow, Page, PhotoRow, Thumbnail, UserError } from './api.ts';

export type StoreSessionState =
  /** The phone is being opened. */
  | 'connecting'
  /** The phone shows "Allow USB debugging?": the customer taps Allow. */
  | 'waiting-for-allow'
  /** The phone is locked (an MTP phone shows no storage): the customer unlocks it. */
  | 'waiting-for-unlock'
  | 'running'
  /** The rescue stopped (cable, cancel, a phone that stopped answering); what is safe stays sealed. Resume, hand off or abandon. */
  | 'interrupted'
  | 'ready-for-handoff'
  | 'handing-off'
  /** Ended: exported and verified, key destroyed, files removed. */
  | 'handed-off'
  /** Ended without export: key destroyed, files removed, no data retained. */
  | 'abandoned';

export interface StoreCounts {
  contacts: number;
  events: number;
  photos: number;
  bytes: number;
}

export interface StoreSessionInfo {
  sessionId: string;
  staffId: string;
  /** The attached phone the session reads (an id of listDevices), while it is attached. */
  deviceId: string | null;
  manufacturer: string | null;
  model: string | null;
  state: StoreSessionState;
  startedMs: number;
  endedMs: number | null;
  /** Per category, as a rescue shows it. */
  progress: CategoryProgress[];
  /** What is sealed in the session now. */
  counts: StoreCounts;
  /** Categories whose preview is open (customer present). */
  previewOpen: PreviewCategory[];
  /** Why the session waits or stopped, and what to do. */
  problem?: UserError;
  /** Set once the session ended. */
  receipt?: StoreReceipt;
  /** While handing off: the export's phase ('contacts', 'photos', ..., 'verify') and how far it is. */
  handoff?: { phase: string; done: number; total: number | null };
}

export interface NotTransferred {
  what: string;
  reason: string;
}

/** What the customer gets (printed, and written beside the export on their medium). */
export interface StoreReceipt {
  sessionId: string;
  staffId: string;
  outcome: 'handed-off' | 'abandoned';
  device: { manufacturer: string; model: string } | null;
  counts: { contacts: number; events: number; photos: number };
  /** SHA-256 of the bag's manifest-sha256.txt; null when abandoned. */
  manifestSha256: string | null;
  /** The bag folder on the customer's medium; null when abandoned. */
  bagFolder: string | null;
  notTransferred: NotTransferred[];
  /** ISO 8601 time the session key was zeroed and dropped. */
  keyDestroyedAt: string;
  /** The hash of the audit log line that closed the session (to check the store's log later). */
  auditReference: string;
  /** The receipt as printable text. */
  text: string;
}

/** Other software holding phones, found before a session starts. */
export interface PhoneHolder {
  name: string;
  detail: string;
  whatToDo: string;
  severity: 'blocks' | 'info';
}

export type PreviewCategory = 'contacts' | 'calendar' | 'photos';

export interface StoreStatus {
  /** Store mode is switched on (settings, or `web --store`): every phone gets its own sealed customer session. */
  on: boolean;
  /** Staff ids set up on this PC (none: add one with the CLI first). */
  staff: string[];
  signedIn: string | null;
  sessions: StoreSessionInfo[];
}

/** Every store-mode call the window can make. Each takes at most one argument object. */
export interface StoreApi {
  /** Usable with store mode off, as storeModeOn is; every other call needs store mode on and a signed-in staff member. */
  storeStatus(): Promise<StoreStatus>;
  /** Switches store mode on (kept in the store folder's settings.json); staff sign in with it, so the PIN is required. */
  storeModeOn(req: { staffId: string; pin: string }): Promise<StoreStatus>;
  /** Switches it off; refused while a customer session is still open. */
  storeModeOff(): Promise<StoreStatus>;
  /** Throws 'wrong-pin' (throttled after five). */
  storeSignIn(req: { staffId: string; pin: string }): Promise<StoreStatus>;
  storeSignOut(): Promise<StoreStatus>;
  /** What holds phones on this PC now (run before each session; startSession runs it too). */
  storeCheckHolders(): Promise<PhoneHolder[]>;
  /** A new customer session for an attached phone; the rescue starts at once. Needs a signed-in staff member. */
  storeStartSession(req: { deviceId: string; categories: Category[] }): Promise<{ session: StoreSessionInfo; holders: PhoneHolder[] }>;
  /** Goes on with an interrupted session (the same or a re-plugged phone). */
  storeResumeSession(req: { sessionId: string; deviceId: string }): Promise<StoreSessionInfo>;
  storeSessions(): Promise<StoreSessionInfo[]>;
  /**
   * Exports to `folder` (the customer's medium; a new subfolder is made in it), verifies the bag,
   * destroys the key, removes the session's files and writes the receipt. Progress comes as
   * 'store-session-changed' events; the end as 'store-session-ended'.
   */
  storeHandoff(req: { sessionId: string; folder: string }): Promise<StoreSessionInfo>;
  /** Ends without export: key destroyed, files removed, "no data retained" receipt. */
  storeAbandon(req: { sessionId: string; reason?: string }): Promise<StoreReceipt>;
  /** Opens a preview of one category; `customerPresent` must be true (recorded in the audit log). */
  storeOpenPreview(req: { sessionId: string; category: PreviewCategory; customerPresent: boolean }): Promise<StoreSessionInfo>;
  storeClosePreview(req: { sessionId: string }): Promise<StoreSessionInfo>;
  /** The preview's rows; each refuses ('preview-closed') unless that category's preview is open. */
  storePreviewContacts(req: { sessionId: string; query?: string; offset: number; limit: number }): Promise<Page<ContactRow>>;
  storePreviewEvents(req: { sessionId: string }): Promise<EventRow[]>;
  storePreviewPhotos(req: { sessionId: string; offset: number; limit: number }): Promise<Page<PhotoRow>>;
  /** Made in memory, never cached on the disk. */
  storePreviewThumbnail(req: { sessionId: string; id: number }): Promise<Thumbnail>;
  /** The receipt of an ended session (also in its 'store-session-ended' event). */
  storeReceipt(req: { sessionId: string }): Promise<StoreReceipt>;
}

export type StoreApiMethod = keyof StoreApi;

/** What the engine tells every window in store mode, unasked. */
export type StoreApiEvent =
  | { type: 'store-session-changed'; session: StoreSessionInfo }
  | { type: 'store-session-ended'; session: StoreSessionInfo; receipt: StoreReceipt }
  /** Store mode switched on or off, staff signed in or out. */
  | { type: 'store-status-changed'; status: StoreStatus };
