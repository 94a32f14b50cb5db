import { useSyncExternalStore } from 'react';
import type { ApiEvent, DeviceInfo, ExportState, HostInfo, RescueState } from '../../native/api/api.ts';
import type { ApiClient } from './api-client.ts';

/** What the window knows of the engine, kept current by its events. Immutable snapshots. */
export interface AppState {
  host: HostInfo;
  devices: DeviceInfo[];
  rescues: RescueState[];
  exports: ExportState[];
  engineLost: boolean;
}

export class Store {
  #state: AppState;
  #listeners = new Set<() => void>();

  constructor(
    readonly api: ApiClient,
    initial: AppState,
  ) {
    this.#state = initial;
    api.onEvent((event) => this.#apply(event));
    api.onLost(() => this.#set({ engineLost: true }));
  }

  static async load(api: ApiClient): Promise<Store> {
    const [host, devices, rescues, exports] = await Promise.all([
      api.call('hello'),
      api.call('listDevices'),
      api.call('rescues'),
      api.call('exports'),
    ]);
    return new Store(api, { host, devices, rescues, exports, engineLost: false });
  }

  get = (): AppState => this.#state;

  /** The engine looks at the backup places again (a backup made since the window opened); phones come by themselves. */
  lookAgain = async (): Promise<void> => {
    this.#set({ devices: await this.api.call('listDevices') });
  };

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #set(patch: Partial<AppState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }

  #apply(event: ApiEvent): void {
    const s = this.#state;
    switch (event.type) {
      case 'device-appeared':
      case 'device-changed':
        this.#set({ devices: upsert(s.devices, event.device, (d) => d.id === event.device.id) });
        break;
      case 'device-gone':
        this.#set({ devices: s.devices.filter((d) => d.id !== event.deviceId) });
        break;
      case 'rescue-progress':
      case 'rescue-finished':
        this.#set({ rescues: upsert(s.rescues, event.rescue, (r) => r.rescueId === event.rescue.rescueId) });
        break;
      case 'rescue-stall': {
        const r = s.rescues.find((x) => x.rescueId === event.rescueId);
        if (r) this.#set({ rescues: upsert(s.rescues, { ...r, stalled: event.stalled }, (x) => x.rescueId === event.rescueId) });
        break;
      }
      case 'export-progress':
      case 'export-finished':
        this.#set({ exports: upsert(s.exports, event.export, (e) => e.exportId === event.export.exportId) });
        break;
    }
  }
}

function upsert<T>(list: T[], item: T, same: (x: T) => boolean): T[] {
  const i = list.findIndex(same);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

export function useAppState(store: Store): AppState {
  return useSyncExternalStore(store.subscribe, store.get);
}
