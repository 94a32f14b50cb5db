import { useId, useRef } from 'react';
import type { StoreReceipt } from '../../../native/api/store-api.ts';
import { formatDate } from '../format.ts';

/** The customer's receipt, shown and printable (only the receipt is printed). */
export function ReceiptView({ receipt: r }: { receipt: StoreReceipt }) {
  const ref = useRef<HTMLElement>(null);
  const title = useId();
  const print = () => {
    // The page's print style hides everything but the receipt marked here.
    ref.current?.classList.add('to-print');
    document.body.classList.add('printing-receipt');
    try {
      window.print();
    } finally {
      document.body.classList.remove('printing-receipt');
      ref.current?.classList.remove('to-print');
    }
  };
  return (
    <section ref={ref} className="receipt" aria-labelledby={title} data-outcome={r.outcome}>
      <h4 id={title}>{r.outcome === 'handed-off' ? 'Receipt: handed off' : 'Receipt: abandoned, no data retained'}</h4>
      <dl className="facts receipt-facts">
        <dt>Session</dt>
        <dd data-field="session">{r.sessionId}</dd>
        <dt>Staff</dt>
        <dd data-field="staff">{r.staffId}</dd>
        <dt>Phone</dt>
        <dd>{r.device ? `${r.device.manufacturer} ${r.device.model}` : 'not identified'}</dd>
        <dt>Handed over</dt>
        <dd data-field="counts">
          {r.counts.contacts} contacts, {r.counts.events} calendar events, {r.counts.photos} photos and videos
        </dd>
        {r.manifestSha256 ? (
          <>
            <dt>Manifest digest (SHA-256)</dt>
            <dd data-field="manifest">
              <code>{r.manifestSha256}</code>
            </dd>
          </>
        ) : null}
        {r.bagFolder ? (
          <>
            <dt>Folder on the customer’s medium</dt>
            <dd data-field="folder" className="path">
              {r.bagFolder}
            </dd>
          </>
        ) : null}
        <dt>Not transferred</dt>
        <dd data-field="not-transferred">
          {r.notTransferred.length === 0 ? (
            'nothing'
          ) : (
            <ul>
              {r.notTransferred.map((n, i) => (
                <li key={i}>
                  {n.what}: {n.reason}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Session key destroyed</dt>
        <dd data-field="key-destroyed">
          <time dateTime={r.keyDestroyedAt}>{formatDate(Date.parse(r.keyDestroyedAt), { dateStyle: 'medium', timeStyle: 'medium' })}</time> ({r.keyDestroyedAt})
        </dd>
        <dt>Audit reference</dt>
        <dd>
          <code>{r.auditReference}</code>
        </dd>
      </dl>
      {r.outcome === 'abandoned' ? <p className="notice notice-ok">No data retained: the key is destroyed and the session’s files are removed.</p> : null}
      <details className="no-print">
        <summary>Receipt as text</summary>
        <pre>{r.text}</pre>
      </details>
      <button type="button" className="no-print" onClick={print}>
        Print receipt
      </button>
    </section>
  );
}
