import { useCallback, useEffect, useState } from 'react';
import type { Category, DeviceInfo, HostInfo, UserError } from '../../../native/api/api.ts';
import type { PhoneHolder, StoreSessionInfo } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { sourceTitle } from '../format.ts';
import { SessionCard, isEnded } from './SessionCard.tsx';
import { storeCall } from './store-client.ts';

const ALL: Category[] = ['contacts', 'calendar', 'photos'];

/**
 * The counter's queue: the check for other software holding phones, the phones that have no
 * session yet, and every customer session (several at once), open ones first.
 */
export function CustomerQueue({ api, host, devices, sessions }: { api: ApiClient; host: HostInfo; devices: DeviceInfo[]; sessions: StoreSessionInfo[] }) {
  const [holders, setHolders] = useState<PhoneHolder[] | null>(null);
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<UserError | null>(null);
  const [starting, setStarting] = useState<string | null>(null);

  const check = useCallback(async () => {
    setChecking(true);
    try {
      setHolders(await storeCall(api, 'storeCheckHolders'));
    } catch (err) {
      setError(asUserError(err));
    } finally {
      setChecking(false);
    }
  }, [api]);
  useEffect(() => {
    void check();
  }, [check]);

  const live = sessions.filter((s) => !isEnded(s));
  const withSession = new Set(live.map((s) => s.deviceId));
  const free = devices.filter((d) => !withSession.has(d.id) && d.transport !== 'iphone-backup');
  const ordered = [...live, ...sessions.filter(isEnded).sort((a, b) => (b.endedMs ?? 0) - (a.endedMs ?? 0))];

  const start = async (device: DeviceInfo) => {
    setError(null);
    setStarting(device.id);
    try {
      const started = await storeCall(api, 'storeStartSession', { deviceId: device.id, categories: ALL });
      setHolders(started.holders);
    } catch (err) {
      setError(asUserError(err));
    } finally {
      setStarting(null);
    }
  };

  return (
    <>
      <ScreenHeading title="Customers" />
      <p className="lead">One sealed session per phone. You see progress and counts; the customer’s contacts and photos only in a preview they are present for.</p>
      <section className="panel holders" aria-labelledby="holders-title">
        <h2 id="holders-title">Before a session: other software holding phones</h2>
        <div role="status" aria-busy={checking}>
          {holders === null ? <p>Checking this PC…</p> : null}
          {holders && holders.length === 0 ? <p className="holders-none">Nothing else on this PC holds phones.</p> : null}
          {holders && holders.length > 0 ? (
            <ul className="holder-list">
              {holders.map((h) => (
                <li key={h.name} className={h.severity === 'blocks' ? 'holder holder-blocks' : 'holder'}>
                  <p>
                    <strong>{h.severity === 'blocks' ? 'Holds phones: ' : 'Note: '}</strong>
                    {h.name}
                  </p>
                  <p className="hint">{h.detail}</p>
                  <p>
                    <strong>What to do: </strong>
                    {h.whatToDo}
                  </p>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
        <button type="button" onClick={() => void check()} disabled={checking}>
          Check again
        </button>
      </section>

      <ErrorNotice error={error} onDismiss={() => setError(null)} />

      <section className="panel" aria-labelledby="free-phones-title">
        <h2 id="free-phones-title">Phones without a session</h2>
        {free.length === 0 ? <p>No phone is waiting. Plug in the customer’s phone; it appears here.</p> : null}
        <ul className="store-phones" aria-label="Phones without a session">
          {free.map((d) => (
            <li key={d.id} data-device-id={d.id}>
              <h3>{sourceTitle(d)}</h3>
              <p className="hint">
                {d.connection}
                {d.state !== 'ready' && d.problem ? ` — ${d.problem.message}` : ''}
              </p>
              <button type="button" className="primary" disabled={starting !== null || d.state === 'connecting'} onClick={() => void start(d)} aria-label={`Start a customer session for the ${sourceTitle(d)}`}>
                Start customer session
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="sessions-title">
        <h2 id="sessions-title">Customer sessions</h2>
        {ordered.length === 0 ? <p className="panel">No customer session yet.</p> : null}
        <ul className="session-list" aria-label="Customer sessions">
          {ordered.map((s) => (
            <SessionCard key={s.sessionId} api={api} host={host} session={s} device={devices.find((d) => d.id === s.deviceId) ?? null} />
          ))}
        </ul>
      </section>
    </>
  );
}
