import { useId, useState } from 'react';
import type { DeviceInfo, HostInfo, UserError } from '../../../native/api/api.ts';
import type { StoreSessionInfo, StoreSessionState } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { Progress } from '../components/Progress.tsx';
import { CATEGORY_NAMES, formatCount, formatSize } from '../format.ts';
import { HandoffForm } from './HandoffForm.tsx';
import { PreviewPanel } from './PreviewPanel.tsx';
import { ReceiptView } from './ReceiptView.tsx';
import { storeCall } from './store-client.ts';

export const STATE_TEXT: Record<StoreSessionState, string> = {
  connecting: 'Opening the phone…',
  'waiting-for-allow': 'Waiting for “Allow” on the phone',
  'waiting-for-unlock': 'Waiting for the phone to be unlocked',
  running: 'Rescuing into the sealed session',
  interrupted: 'Stopped: what was read is sealed',
  'ready-for-handoff': 'Ready for handoff',
  'handing-off': 'Handing off',
  'handed-off': 'Handed off',
  abandoned: 'Abandoned: no data retained',
};

const HANDOFF_PHASE: Record<string, string> = {
  contacts: 'Exporting contacts',
  calendar: 'Exporting the calendar',
  photos: 'Copying photos and videos',
  finish: 'Writing the report and the manifest',
  verify: 'Checking every file against the manifest',
};

export function isEnded(s: StoreSessionInfo): boolean {
  return s.state === 'handed-off' || s.state === 'abandoned';
}

/** One customer's session: its state, progress and counts (never contents), and what staff can do now. */
export function SessionCard({ api, host, session: s, device }: { api: ApiClient; host: HostInfo; session: StoreSessionInfo; device: DeviceInfo | null }) {
  const [error, setError] = useState<UserError | null>(null);
  const [confirmAbandon, setConfirmAbandon] = useState(false);
  const titleId = useId();
  const name = s.manufacturer || s.model ? `${s.manufacturer ?? ''} ${s.model ?? ''}`.trim() : device ? `${device.manufacturer} ${device.model}` : 'Phone';
  const waiting = s.state === 'waiting-for-allow' || s.state === 'waiting-for-unlock';
  const canHandOff = s.state === 'ready-for-handoff' || s.state === 'interrupted';
  const c = s.counts;

  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(asUserError(err));
    }
  };

  return (
    <li className="panel session-card" data-session-id={s.sessionId} data-state={s.state} aria-labelledby={titleId}>
      <h3 id={titleId}>
        {name} <span className="session-id">session {s.sessionId}</span>
      </h3>
      <p className="session-state" role="status">
        <span className={`badge session-badge session-badge-${s.state}`}>{STATE_TEXT[s.state]}</span>
        <span className="hint"> staff {s.staffId}</span>
      </p>
      {s.problem ? (
        waiting ? (
          <div className="notice notice-warn" data-code={s.problem.code}>
            <p className="notice-what">{s.problem.message}</p>
            <p className="notice-next">
              <strong>What to do: </strong>
              {s.problem.whatToDo}
            </p>
          </div>
        ) : (
          <ErrorNotice error={s.problem} />
        )
      ) : null}

      {!isEnded(s) ? (
        <>
          <p className="session-counts" data-counts={`${c.contacts}/${c.events}/${c.photos}`}>
            Sealed so far: {formatCount(c.contacts, 'contact', 'contacts')}, {formatCount(c.events, 'event', 'events')}, {formatCount(c.photos, 'photo or video', 'photos and videos')} ({formatSize(c.bytes)})
          </p>
          {s.progress.length ? (
            <table className="categories">
              <caption className="visually-hidden">Progress of {name}</caption>
              <thead>
                <tr>
                  <th scope="col">What</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Items</th>
                  <th scope="col">Size</th>
                </tr>
              </thead>
              <tbody>
                {s.progress.map((p) => (
                  <tr key={p.category} data-category={p.category} data-progress-state={p.state}>
                    <th scope="row">{CATEGORY_NAMES[p.category]}</th>
                    <td>
                      <Progress label={`${CATEGORY_NAMES[p.category]} of ${name}`} value={p.items} max={p.state === 'done' ? Math.max(p.items, 1) : p.totalItems} />
                    </td>
                    <td className="num">
                      {p.items}
                      {p.totalItems !== null ? ` of ${p.totalItems}` : ''}
                    </td>
                    <td className="num">{formatSize(p.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}

      {s.state === 'handing-off' ? (
        <div className="handoff-progress">
          <p>{HANDOFF_PHASE[s.handoff?.phase ?? ''] ?? 'Exporting'}…</p>
          <Progress label={`Handoff of ${name}`} value={s.handoff?.done ?? 0} max={s.handoff?.total ?? null} />
        </div>
      ) : null}

      <ErrorNotice error={error} onDismiss={() => setError(null)} />

      {canHandOff ? (
        <>
          {s.state === 'interrupted' && device ? (
            <button type="button" onClick={() => void act(() => storeCall(api, 'storeResumeSession', { sessionId: s.sessionId, deviceId: device.id }))}>
              Resume the rescue
            </button>
          ) : null}
          <PreviewPanel api={api} session={s} name={name} />
          <HandoffForm api={api} host={host} session={s} name={name} />
        </>
      ) : null}

      {!isEnded(s) && s.state !== 'handing-off' ? (
        <div className="abandon">
          {confirmAbandon ? (
            <div role="group" aria-label={`Abandon the session of ${name}`}>
              <p>Abandon this session? Nothing is kept: the key is destroyed and the sealed files removed.</p>
              <button type="button" className="danger" onClick={() => void act(() => storeCall(api, 'storeAbandon', { sessionId: s.sessionId }))}>
                Abandon, keep nothing
              </button>{' '}
              <button type="button" onClick={() => setConfirmAbandon(false)}>
                Go back
              </button>
            </div>
          ) : (
            <button type="button" className="link-button" onClick={() => setConfirmAbandon(true)}>
              Abandon session…
            </button>
          )}
        </div>
      ) : null}

      {s.receipt ? <ReceiptView receipt={s.receipt} /> : null}
    </li>
  );
}
