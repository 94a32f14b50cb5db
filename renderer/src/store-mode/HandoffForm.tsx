import { useId, useState, type FormEvent } from 'react';
import type { HostInfo, UserError } from '../../../native/api/api.ts';
import type { StoreSessionInfo } from '../../../native/api/store-api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { storeCall } from './store-client.ts';

/** The customer's medium: a folder (their USB stick); the export goes into a new folder inside it. */
export function HandoffForm({ api, host, session: s, name }: { api: ApiClient; host: HostInfo; session: StoreSessionInfo; name: string }) {
  const [folder, setFolder] = useState('');
  const [error, setError] = useState<UserError | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useId();
  const hint = useId();

  const choose = async () => {
    const chosen = await api.shell?.chooseFolder();
    if (chosen) setFolder(chosen);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      await storeCall(api, 'storeHandoff', { sessionId: s.sessionId, folder: folder.trim() });
    } catch (err) {
      setError(asUserError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="handoff-form" onSubmit={(e) => void submit(e)} aria-label={`Hand off ${name}`}>
      <div className="field">
        <label htmlFor={field}>Customer’s folder (their USB stick, or a folder they take with them)</label>
        <div className="field-row">
          <input id={field} type="text" required spellCheck={false} value={folder} onChange={(e) => setFolder(e.target.value)} aria-describedby={hint} />
          {host.canChooseFolder ? (
            <button type="button" onClick={() => void choose()}>
              Choose…
            </button>
          ) : null}
        </div>
        <p id={hint} className="hint">
          Lifeboat exports into a new folder inside it, checks every file against the manifest, then destroys the session’s key and removes its files.
        </p>
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <button type="submit" className="primary" disabled={busy}>
        Hand off to this folder
      </button>
    </form>
  );
}
