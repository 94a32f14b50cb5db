import { useCallback, useEffect, useRef, useState } from 'react';
import type { VaultPhone } from '../../native/api/api.ts';
import { useAppState, type Store } from './store.ts';
import { Connect } from './screens/Connect.tsx';
import { Devices } from './screens/Devices.tsx';
import { Export } from './screens/Export.tsx';
import { Rescue } from './screens/Rescue.tsx';
import { Review } from './screens/Review.tsx';
import { Selection } from './selection.ts';
import { StoreSettings } from './store-mode/StoreSettings.tsx';
import { Brand, SkipLink } from './components/Brand.tsx';

type Screen = 'connect' | 'devices' | 'rescue' | 'review' | 'export' | 'settings';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'connect', label: 'Connect' },
  { id: 'devices', label: 'Phones' },
  { id: 'rescue', label: 'Rescue' },
  { id: 'review', label: 'Review' },
  { id: 'export', label: 'Export' },
  { id: 'settings', label: 'Settings' },
];

export function App({ store }: { store: Store }) {
  const state = useAppState(store);
  const api = store.api;
  const [screen, setScreen] = useState<Screen>(state.devices.length ? 'devices' : 'connect');
  const [serial, setSerial] = useState<string | null>(null);
  const [phones, setPhones] = useState<VaultPhone[]>([]);
  // What each phone's export takes: chosen in Review, used by Export; kept while the window lives.
  const selections = useRef(new Map<string, Selection>());
  const selectionOf = useCallback((s: string): Selection => {
    let selection = selections.current.get(s);
    if (!selection) selections.current.set(s, (selection = new Selection()));
    return selection;
  }, []);
  // Every step chosen in the navigation moves the focus to the screen's title (also when it is
  // the screen already shown), so keyboard and screen-reader users hear where they are.
  const [navTick, setNavTick] = useState(0);
  useEffect(() => {
    if (navTick) document.getElementById('screen-title')?.focus();
  }, [navTick]);
  const finished = state.rescues.filter((r) => r.status !== 'running').length;
  const running = state.rescues.filter((r) => r.status === 'running').length;

  // What is in the vault changes when a rescue ends; Review and Export read it fresh.
  useEffect(() => {
    let live = true;
    api.call('vaultPhones').then((p) => live && setPhones(p), () => undefined);
    return () => {
      live = false;
    };
  }, [api, finished, screen]);

  return (
    <div className="app">
      <SkipLink />
      <header className="topbar">
        <Brand />
        <span className="tagline">Rescue what is on the phone before it is gone.</span>
      </header>
      <div className="body">
        <nav aria-label="Steps" className="sidebar">
          <ol>
            {SCREENS.map((s, i) => (
              <li key={s.id}>
                <button type="button" aria-current={screen === s.id ? 'page' : undefined} onClick={() => {
                    setScreen(s.id);
                    setNavTick((t) => t + 1);
                  }}
                >
                  <span className="step-number" aria-hidden="true">
                    {i + 1}
                  </span>
                  {s.label}
                  {s.id === 'devices' && state.devices.length ? <span className="count"> ({state.devices.length})</span> : null}
                  {s.id === 'rescue' && running ? <span className="count"> (running)</span> : null}
                </button>
              </li>
            ))}
          </ol>
        </nav>
        <main id="main" className="main">
          {state.engineLost ? (
            <div className="notice notice-error" role="alert">
              <p className="notice-what">The window lost contact with Lifeboat’s engine.</p>
              <p className="notice-next">
                <strong>What to do: </strong>What was saved is safe. Start Lifeboat again, then reload this page.
              </p>
            </div>
          ) : null}
          {screen === 'connect' ? <Connect onDevices={() => setScreen('devices')} /> : null}
          {screen === 'devices' ? (
            <Devices
              devices={state.devices}
              host={state.host}
              onConnect={() => setScreen('connect')}
              onLookAgain={store.lookAgain}
              onRescue={(s) => {
                setSerial(s);
                setScreen('rescue');
              }}
            />
          ) : null}
          {screen === 'rescue' ? (
            <Rescue
              api={api}
              devices={state.devices}
              rescues={state.rescues}
              onReview={(s) => {
                setSerial(s);
                setScreen('review');
              }}
            />
          ) : null}
          {screen === 'review' ? <Review api={api} phones={phones} serial={serial} onSerial={setSerial} selectionOf={selectionOf} /> : null}
          {screen === 'export' ? <Export api={api} host={state.host} phones={phones} exports={state.exports} serial={serial} onSerial={setSerial} selectionOf={selectionOf} /> : null}
          {screen === 'settings' ? <StoreSettings api={api} /> : null}
        </main>
      </div>
    </div>
  );
}
