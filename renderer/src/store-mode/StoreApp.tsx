import { useEffect, useState } from 'react';
import type { StoreStatus } from '../../../native/api/store-api.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { Connect } from '../screens/Connect.tsx';
import { useAppState, type Store } from '../store.ts';
import type { UserError } from '../../../native/api/api.ts';
import { CustomerQueue } from './CustomerQueue.tsx';
import { StaffSignIn } from './StaffSignIn.tsx';
import { StoreSettings } from './StoreSettings.tsx';
import { storeCall } from './store-client.ts';
import { Brand, SkipLink } from '../components/Brand.tsx';

type Screen = 'customers' | 'connect' | 'settings';
const SCREENS: { id: Screen; label: string }[] = [
  { id: 'customers', label: 'Customers' },
  { id: 'connect', label: 'Connect' },
  { id: 'settings', label: 'Settings' },
];

/** The store desk: who is signed in, the customer queue, how to connect phones, and Settings. */
export function StoreApp({ store, status }: { store: Store; status: StoreStatus }) {
  const state = useAppState(store);
  const api = store.api;
  const [screen, setScreen] = useState<Screen>('customers');
  const [navTick, setNavTick] = useState(0);
  const [error, setError] = useState<UserError | null>(null);
  useEffect(() => {
    if (navTick) document.getElementById('screen-title')?.focus();
  }, [navTick]);
  const open = status.sessions.filter((s) => s.state !== 'handed-off' && s.state !== 'abandoned').length;

  const signOut = async () => {
    setError(null);
    try {
      await storeCall(api, 'storeSignOut');
      setScreen('customers');
    } catch (err) {
      setError(asUserError(err));
    }
  };

  return (
    <div className="app store-app">
      <SkipLink />
      <header className="topbar">
        <Brand />
        <span className="store-badge">Store mode</span>
        {status.signedIn ? (
          <span className="store-staff">
            Signed in: <strong>{status.signedIn}</strong>{' '}
            <button type="button" className="store-sign-out" onClick={() => void signOut()}>
              Sign out
            </button>
          </span>
        ) : null}
      </header>
      <div className="body">
        {status.signedIn ? (
          <nav aria-label="Steps" className="sidebar">
            <ol>
              {SCREENS.map((s) => (
                <li key={s.id}>
                  <button
                    type="button"
                    aria-current={screen === s.id ? 'page' : undefined}
                    onClick={() => {
                      setScreen(s.id);
                      setNavTick((t) => t + 1);
                    }}
                  >
                    {s.label}
                    {s.id === 'customers' && open ? <span className="count"> ({open} open)</span> : null}
                  </button>
                </li>
              ))}
            </ol>
          </nav>
        ) : null}
        <main id="main" className="main">
          {state.engineLost ? (
            <div className="notice notice-error" role="alert">
              <p className="notice-what">The window lost contact with Lifeboat’s engine.</p>
              <p className="notice-next">
                <strong>What to do: </strong>Open sessions were abandoned with it (their keys are gone; nothing is readable). Start Lifeboat again, then reload this page.
              </p>
            </div>
          ) : null}
          <ErrorNotice error={error} onDismiss={() => setError(null)} />
          {!status.signedIn ? <StaffSignIn api={api} status={status} /> : null}
          {status.signedIn && screen === 'customers' ? <CustomerQueue api={api} host={state.host} devices={state.devices} sessions={status.sessions} /> : null}
          {status.signedIn && screen === 'connect' ? <Connect onDevices={() => setScreen('customers')} /> : null}
          {status.signedIn && screen === 'settings' ? <StoreSettings api={api} /> : null}
        </main>
      </div>
    </div>
  );
}
