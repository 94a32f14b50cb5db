import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import type { UserError } from '../../../native/api/api.ts';
import type { StoreStatus } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { storeCall } from './store-client.ts';

/**
 * Settings: store mode on or off. Switching it on takes a member of staff's id and PIN (they are
 * signed in with it); switching it off is refused while a customer session is open.
 */
export function StoreSettings({ api }: { api: ApiClient }) {
  const [status, setStatus] = useState<StoreStatus | null | undefined>(undefined);
  const [error, setError] = useState<UserError | null>(null);
  const [staffId, setStaffId] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const ids = { staff: useId(), pin: useId(), title: useId() };

  const load = useCallback(async () => {
    try {
      setStatus(await storeCall(api, 'storeStatus'));
    } catch {
      setStatus(null);
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  const switchOn = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      setStatus(await storeCall(api, 'storeModeOn', { staffId: staffId.trim(), pin }));
    } catch (err) {
      setError(asUserError(err));
      setPin('');
    } finally {
      setBusy(false);
    }
  };
  const switchOff = async () => {
    setError(null);
    try {
      setStatus(await storeCall(api, 'storeModeOff'));
    } catch (err) {
      setError(asUserError(err));
    }
  };

  return (
    <>
      <ScreenHeading title="Settings" />
      <section className="panel store-settings" aria-labelledby={ids.title}>
        <h2 id={ids.title}>Store mode</h2>
        <p>
          For a phone shop: every phone gets its own customer session, sealed with a key that lives only in memory. Staff sign in with a PIN, see progress and counts but
          not contents, hand the rescue to the customer’s medium with a receipt, and nothing readable stays on this PC.
        </p>
        {status === undefined ? <p>Looking…</p> : null}
        {status === null ? <p>Store mode is not available in this app.</p> : null}
        {status?.on ? (
          <>
            <p role="status">
              <strong>Store mode is on.</strong>
            </p>
            <ErrorNotice error={error} onDismiss={() => setError(null)} />
            <button type="button" onClick={() => void switchOff()}>
              Switch store mode off
            </button>
          </>
        ) : null}
        {status && !status.on ? (
          <>
            <p role="status">Store mode is off.</p>
            {status.staff.length === 0 ? (
              <div className="notice notice-warn">
                <p className="notice-what">No member of staff is set up on this PC yet.</p>
                <p className="notice-next">
                  <strong>What to do: </strong>In a terminal: <code>npm run --silent lifeboat -- store staff add --staff ID</code> (it asks for the PIN twice). Then sign in here.
                </p>
              </div>
            ) : null}
            <form onSubmit={(e) => void switchOn(e)} aria-label="Switch store mode on">
              <p>To switch it on, a member of staff signs in:</p>
              <div className="field">
                <label htmlFor={ids.staff}>Staff id</label>
                <input id={ids.staff} type="text" autoComplete="username" required value={staffId} onChange={(e) => setStaffId(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor={ids.pin}>PIN</label>
                <input id={ids.pin} type="password" inputMode="numeric" autoComplete="current-password" required value={pin} onChange={(e) => setPin(e.target.value)} />
              </div>
              <ErrorNotice error={error} onDismiss={() => setError(null)} />
              <button type="submit" className="primary" disabled={busy}>
                Switch store mode on
              </button>
            </form>
          </>
        ) : null}
      </section>
    </>
  );
}
