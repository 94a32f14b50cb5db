import { useSyncExternalStore } from 'react';
import type { ApiEvent } from '../../../native/api/api.ts';
import type { StoreApi, StoreApiMethod, StoreSessionInfo, StoreStatus } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';

type Arg<M extends StoreApiMethod> = Parameters<StoreApi[M]>[0];

/**
 * A store-mode call (store-api.ts) over the window's one transport: both carry any method of the
 * wire allowlist by name, and the engine refuses store calls while store mode is off.
 */
export function storeCall<M extends StoreApiMethod>(api: ApiClient, method: M, ...arg: Arg<M> extends undefined ? [] : [Arg<M>]): Promise<Awaited<ReturnType<StoreApi[M]>>> {
  const call = api.call as unknown as (method: string, arg?: object) => Promise<unknown>;
  return call(method, arg[0] as object | undefined) as Promise<Awaited<ReturnType<StoreApi[M]>>>;
}

/** Store mode's status at start; null when this engine has none (the Settings screen says so). */
export async function loadStoreStatus(api: ApiClient): Promise<StoreStatus | null> {
  try {
    return await storeCall(api, 'storeStatus');
  } catch {
    return null;
  }
}

/** Store mode as the window knows it, kept current by the engine's store events. Immutable snapshots. */
export class StoreModeState {
  #status: StoreStatus | null;
  readonly #listeners = new Set<() => void>();

  constructor(api: ApiClient, initial: StoreStatus | null) {
    this.#status = initial;
    api.onEvent((event) => this.#apply(event));
  }

  get = (): StoreStatus | null => this.#status;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #set(status: StoreStatus): void {
    this.#status = status;
    for (const l of this.#listeners) l();
  }

  #apply(event: ApiEvent): void {
    if (event.type === 'store-status-changed') return this.#set(event.status);
    if ((event.type === 'store-session-changed' || event.type === 'store-session-ended') && this.#status) {
      this.#set({ ...this.#status, sessions: upsert(this.#status.sessions, event.session) });
    }
  }
}

function upsert(list: StoreSessionInfo[], item: StoreSessionInfo): StoreSessionInfo[] {
  const i = list.findIndex((s) => s.sessionId === item.sessionId);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

export function useStoreMode(state: StoreModeState): StoreStatus | null {
  return useSyncExternalStore(state.subscribe, state.get);
}
