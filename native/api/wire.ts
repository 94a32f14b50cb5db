import type { ApiEvent, ApiMethod, UserError } from './api.ts';
import type { StoreApiMethod } from './store-api.ts';

/**
 * The messages both transports carry, as JSON: a call, its result, and events. The Electron main
 * process and the browser host check every incoming call with parseCall before anything else.
 */
/** A call's method: LifeboatApi's, or store mode's (store-api.ts; the engine refuses them while store mode is off). */
export type WireMethod = ApiMethod | StoreApiMethod;
export type WireCall = { kind: 'call'; id: number; method: WireMethod; arg?: unknown };
export type WireResult =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: UserError };
export type WireEvent = { kind: 'event'; event: ApiEvent };
/** From an engine process to its shell: listening, devices listed. */
export type WireReady = { kind: 'ready' };
export type WireMessage = WireCall | WireResult | WireEvent | WireReady;

/** The allowlist: a record, so the compiler insists that every method of LifeboatApi is named. */
const METHODS: Record<ApiMethod, true> = {
  hello: true,
  listDevices: true,
  startRescue: true,
  cancelRescue: true,
  rescues: true,
  vaultPhones: true,
  contacts: true,
  contact: true,
  events: true,
  photos: true,
  thumbnail: true,
  startExport: true,
  exports: true,
  receipt: true,
  plugInSimulatedPhone: true,
  pullSimulatedCable: true,
};

/** Store mode's calls (store-api.ts), also a record: every method of StoreApi named once. */
const STORE_METHODS: Record<StoreApiMethod, true> = {
  storeStatus: true,
  storeModeOn: true,
  storeModeOff: true,
  storeSignIn: true,
  storeSignOut: true,
  storeCheckHolders: true,
  storeStartSession: true,
  storeResumeSession: true,
  storeSessions: true,
  storeHandoff: true,
  storeAbandon: true,
  storeOpenPreview: true,
  storeClosePreview: true,
  storePreviewContacts: true,
  storePreviewEvents: true,
  storePreviewPhotos: true,
  storePreviewThumbnail: true,
  storeReceipt: true,
};

export const API_METHODS: readonly ApiMethod[] = Object.keys(METHODS) as ApiMethod[];
export const STORE_API_METHODS: readonly StoreApiMethod[] = Object.keys(STORE_METHODS) as StoreApiMethod[];

/** A method a window may call: LifeboatApi's or store mode's. */
export function isApiMethod(name: unknown): name is WireMethod {
  return typeof name === 'string' && (Object.hasOwn(METHODS, name) || Object.hasOwn(STORE_METHODS, name));
}

export function isStoreApiMethod(name: unknown): name is StoreApiMethod {
  return typeof name === 'string' && Object.hasOwn(STORE_METHODS, name);
}

/**
 * Largest call accepted: calls are small requests; anything bigger is not from our window. The
 * largest the window sends is an export's selection: item ids ticked one by one in Review
 * (about 7 bytes each), so 1 MiB is room for some 150,000 of them.
 */
export const MAX_CALL_BYTES = 1024 * 1024;

/** A call from a window, or a reason to drop it. Never throws. */
export function parseCall(raw: unknown): { call: WireCall } | { refused: string } {
  let value = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_CALL_BYTES) return { refused: 'message too large' };
    try {
      value = JSON.parse(raw);
    } catch {
      return { refused: 'not JSON' };
    }
  }
  if (typeof value !== 'object' || value === null) return { refused: 'not an object' };
  const m = value as Record<string, unknown>;
  if (m.kind !== 'call') return { refused: 'not a call' };
  if (typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) return { refused: 'call without a numeric id' };
  if (!isApiMethod(m.method)) return { refused: `unknown method ${JSON.stringify(String(m.method)).slice(0, 80)}` };
  if (m.arg !== undefined && (typeof m.arg !== 'object' || m.arg === null || Array.isArray(m.arg))) {
    return { refused: 'the argument must be an object' };
  }
  return { call: { kind: 'call', id: m.id, method: m.method, arg: m.arg } };
}
