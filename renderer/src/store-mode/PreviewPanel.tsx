import { useEffect, useId, useState } from 'react';
import type { ContactRow, EventRow, PhotoRow, UserError } from '../../../native/api/api.ts';
import type { PreviewCategory, StoreSessionInfo } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { formatDate } from '../format.ts';
import { storeCall } from './store-client.ts';

const NAMES: Record<PreviewCategory, string> = { contacts: 'Contacts', calendar: 'Calendar', photos: 'Photos' };
const SHOWN = 50;

/**
 * A look at the customer's own data, only with them present: staff tick that the customer is
 * here, the engine refuses otherwise and records every preview opened in the audit log.
 */
export function PreviewPanel({ api, session: s, name }: { api: ApiClient; session: StoreSessionInfo; name: string }) {
  const [category, setCategory] = useState<PreviewCategory>('contacts');
  const [present, setPresent] = useState(false);
  const [error, setError] = useState<UserError | null>(null);
  const [expanded, setExpanded] = useState(false);
  const ids = { present: useId(), category: useId(), title: useId() };
  const open = s.previewOpen.includes(category);

  const openPreview = async () => {
    setError(null);
    try {
      await storeCall(api, 'storeOpenPreview', { sessionId: s.sessionId, category, customerPresent: present });
    } catch (err) {
      setError(asUserError(err));
    }
  };
  const closePreview = async () => {
    setError(null);
    setPresent(false);
    try {
      await storeCall(api, 'storeClosePreview', { sessionId: s.sessionId });
    } catch (err) {
      setError(asUserError(err));
    }
  };

  if (!expanded && s.previewOpen.length === 0) {
    return (
      <div className="preview-closed">
        <button type="button" onClick={() => setExpanded(true)} aria-label={`Preview the data of ${name} (customer present only)`}>
          Preview with the customer…
        </button>
      </div>
    );
  }
  return (
    <section className="preview" aria-labelledby={ids.title}>
      <h4 id={ids.title}>Preview (only with the customer present)</h4>
      {!open ? (
        <div className="preview-open-form">
          <div className="field">
            <label htmlFor={ids.category}>What to show</label>
            <select id={ids.category} value={category} onChange={(e) => setCategory(e.target.value as PreviewCategory)}>
              {(Object.keys(NAMES) as PreviewCategory[]).map((c) => (
                <option key={c} value={c}>
                  {NAMES[c]}
                </option>
              ))}
            </select>
          </div>
          <p>
            <input id={ids.present} type="checkbox" checked={present} onChange={(e) => setPresent(e.target.checked)} />{' '}
            <label htmlFor={ids.present}>The customer is here and asked to see this</label>
          </p>
          <ErrorNotice error={error} onDismiss={() => setError(null)} />
          <button type="button" onClick={() => void openPreview()}>
            Open preview
          </button>{' '}
          <button type="button" className="link-button" onClick={() => setExpanded(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <>
          <p className="hint">Opened in the name of {s.staffId} with the customer present; recorded in the audit log.</p>
          {category === 'contacts' ? <ContactsPreview api={api} sessionId={s.sessionId} onError={setError} /> : null}
          {category === 'calendar' ? <EventsPreview api={api} sessionId={s.sessionId} onError={setError} /> : null}
          {category === 'photos' ? <PhotosPreview api={api} sessionId={s.sessionId} onError={setError} /> : null}
          <ErrorNotice error={error} onDismiss={() => setError(null)} />
          <button type="button" onClick={() => void closePreview()}>
            Close preview
          </button>
        </>
      )}
    </section>
  );
}

function ContactsPreview({ api, sessionId, onError }: { api: ApiClient; sessionId: string; onError: (e: UserError) => void }) {
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<ContactRow[] | null>(null);
  const [total, setTotal] = useState(0);
  const field = useId();
  useEffect(() => {
    let live = true;
    storeCall(api, 'storePreviewContacts', { sessionId, ...(query ? { query } : {}), offset: 0, limit: SHOWN }).then(
      (page) => live && (setRows(page.rows), setTotal(page.total)),
      (err: unknown) => live && onError(asUserError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, sessionId, query, onError]);
  return (
    <div className="preview-contacts">
      <div className="field search">
        <label htmlFor={field}>Find a contact</label>
        <input id={field} type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <p role="status">{rows === null ? 'Loading…' : `${total} contact(s)${total > SHOWN ? `, the first ${SHOWN} shown` : ''}`}</p>
      <ul aria-label="Contacts in the preview">
        {(rows ?? []).map((r) => (
          <li key={r.id}>
            <strong>{r.name}</strong> <span className="hint">{r.detail}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function EventsPreview({ api, sessionId, onError }: { api: ApiClient; sessionId: string; onError: (e: UserError) => void }) {
  const [rows, setRows] = useState<EventRow[] | null>(null);
  useEffect(() => {
    let live = true;
    storeCall(api, 'storePreviewEvents', { sessionId }).then(
      (r) => live && setRows(r),
      (err: unknown) => live && onError(asUserError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, sessionId, onError]);
  return (
    <ul aria-label="Calendar events in the preview" className="agenda">
      {(rows ?? []).slice(0, SHOWN).map((e) => (
        <li key={e.id}>
          <span className="agenda-when">{formatDate(e.startMs, e.allDay ? { dateStyle: 'medium', timeZone: 'UTC' } : { dateStyle: 'medium', timeStyle: 'short' })}</span>{' '}
          <span className="agenda-title">{e.title}</span>
        </li>
      ))}
    </ul>
  );
}

function PhotosPreview({ api, sessionId, onError }: { api: ApiClient; sessionId: string; onError: (e: UserError) => void }) {
  const [rows, setRows] = useState<PhotoRow[] | null>(null);
  useEffect(() => {
    let live = true;
    storeCall(api, 'storePreviewPhotos', { sessionId, offset: 0, limit: 24 }).then(
      (page) => live && setRows(page.rows),
      (err: unknown) => live && onError(asUserError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, sessionId, onError]);
  return (
    <ul aria-label="Photos in the preview" className="store-thumbs">
      {(rows ?? []).map((p) => (
        <Thumb key={p.id} api={api} sessionId={sessionId} photo={p} />
      ))}
    </ul>
  );
}

function Thumb({ api, sessionId, photo }: { api: ApiClient; sessionId: string; photo: PhotoRow }) {
  const [url, setUrl] = useState<string | null>(null);
  const label = `${photo.kind === 'video' ? 'Video' : 'Photo'}${photo.captureMs !== null ? ` of ${formatDate(photo.captureMs)}` : ''}`;
  useEffect(() => {
    let live = true;
    storeCall(api, 'storePreviewThumbnail', { sessionId, id: photo.id }).then(
      (t) => live && setUrl(t.dataUrl),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, sessionId, photo.id]);
  return <li>{url ? <img src={url} alt={label} width={96} height={96} /> : <span className="photo-placeholder">{label}</span>}</li>;
}
