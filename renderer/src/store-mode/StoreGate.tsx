import { useState } from 'react';
import type { StoreStatus } from '../../../native/api/store-api.ts';
import { App } from '../App.tsx';
import type { Store } from '../store.ts';
import { StoreApp } from './StoreApp.tsx';
import { StoreModeState, useStoreMode } from './store-client.ts';
import './store-mode.css';

export { loadStoreStatus } from './store-client.ts';

/**
 * The window in store mode shows the store desk only (staff sign-in, the customer queue): no
 * screen that reads the plain vault. Store mode switched on under Settings takes over at once.
 */
export function StoreGate({ store, initial }: { store: Store; initial: StoreStatus | null }) {
  const [mode] = useState(() => new StoreModeState(store.api, initial));
  const status = useStoreMode(mode);
  return status?.on ? <StoreApp store={store} status={status} /> : <App store={store} />;
}
