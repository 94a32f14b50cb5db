import { useId, useRef, useState, type FormEvent } from 'react';
import type { UserError } from '../../../native/api/api.ts';
import type { StoreStatus } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { storeCall } from './store-client.ts';

/** Staff id and PIN: a plain form (labels, Enter submits, the error is announced and the PIN field takes the focus again). */
export function StaffSignIn({ api, status }: { api: ApiClient; status: StoreStatus }) {
  const [staffId, setStaffId] = useState('');
  const [pin, setPin] = useState('');
  const [error, setError] = useState<UserError | null>(null);
  const [busy, setBusy] = useState(false);
  const pinRef = useRef<HTMLInputElement>(null);
  const idField = useId();
  const pinField = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await storeCall(api, 'storeSignIn', { staffId: staffId.trim(), pin });
    } catch (err) {
      setError(asUserError(err));
      setPin('');
      pinRef.current?.focus();
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <ScreenHeading title="Staff sign-in" />
      <p className="lead">Store mode is on. Sign in with your staff id and PIN to see the customer queue.</p>
      {status.staff.length === 0 ? (
        <div className="notice notice-warn" role="status">
          <p className="notice-what">No member of staff is set up on this PC.</p>
          <p className="notice-next">
            <strong>What to do: </strong>In a terminal: <code>npm run --silent lifeboat -- store staff add --staff ID</code> (it asks for the PIN twice).
          </p>
        </div>
      ) : null}
      <form className="panel store-sign-in" onSubmit={(e) => void submit(e)} aria-label="Staff sign-in">
        <div className="field">
          <label htmlFor={idField}>Staff id</label>
          <input id={idField} type="text" autoComplete="username" autoCapitalize="none" spellCheck={false} required value={staffId} onChange={(e) => setStaffId(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={pinField}>PIN</label>
          <input
            id={pinField}
            ref={pinRef}
            type="password"
            inputMode="numeric"
            autoComplete="current-password"
            required
            value={pin}
            onChange={(e) => setPin(e.target.value)}
            aria-describedby={error ? `${pinField}-error` : undefined}
          />
        </div>
        <div id={`${pinField}-error`}>
          <ErrorNotice error={error} />
        </div>
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </>
  );
}
