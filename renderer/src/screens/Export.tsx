import { useState } from 'react';
import type { ExportState, HostInfo, PhotoLayoutChoice, UserError, VCardVersion, VaultPhone } from '../../../native/api/api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { Progress } from '../components/Progress.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { formatCount, formatSize } from '../format.ts';
import { chosenCounts, useSelection, type Selection } from '../selection.ts';
import { PhonePicker } from './Review.tsx';

const PHASES: Record<string, string> = {
  contacts: 'Writing contacts',
  calendar: 'Writing calendars',
  photos: 'Copying photos and videos',
  finish: 'Sealing the folder',
  verify: 'Checking every file against its hash',
};

/** Writes one phone's rescue to a folder other apps read (vCard, iCalendar, photos, receipt), then checks it. */
export function Export({ api, host, phones, exports, serial, onSerial, selectionOf }: { api: ApiClient; host: HostInfo; phones: VaultPhone[]; exports: ExportState[]; serial: string | null; onSerial: (s: string) => void; selectionOf: (serial: string) => Selection }) {
  const phone = phones.find((p) => p.serial === serial) ?? phones[0];
  const [folder, setFolder] = useState(host.suggestedExportFolder);
  const [vcard, setVcard] = useState<VCardVersion>('3.0');
  const [layout, setLayout] = useState<PhotoLayoutChoice>('by-date');
  const [error, setError] = useState<UserError | null>(null);
  const [exportId, setExportId] = useState<string | null>(null);
  const current = exports.find((e) => e.exportId === exportId);

  if (!phone) {
    return (
      <>
        <ScreenHeading title="Export" />
        <div className="panel empty" role="status">
          <p>Nothing is saved yet. Rescue a phone first, then export it here.</p>
        </div>
      </>
    );
  }

  const selection = selectionOf(phone.serial);
  const start = async () => {
    setError(null);
    const only = selection.toRequest();
    try {
      const state = await api.call('startExport', { serial: phone.serial, folder: folder.trim(), vcard, photoLayout: layout, ...(only ? { only } : {}) });
      setExportId(state.exportId);
    } catch (err) {
      setError(asUserError(err));
    }
  };
  const choose = async () => {
    const chosen = await api.shell?.chooseFolder();
    if (chosen) setFolder(chosen);
  };
  const running = current?.status === 'running' || current?.status === 'verifying';

  return (
    <>
      <ScreenHeading title="Export" />
      <PhonePicker phones={phones} serial={phone.serial} onSerial={onSerial} />
      <form
        className="panel export-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <p>
          Writes what is chosen of the rescue of <strong>{phone.manufacturer} {phone.model}</strong> into a new folder, in formats every
          other app can import, with a receipt.
        </p>
        <ChosenSummary selection={selection} phone={phone} />
        <label className="field">
          Destination folder (new or empty)
          <span className="field-row">
            <input type="text" value={folder} onChange={(e) => setFolder(e.target.value)} required spellCheck={false} />
            {host.canChooseFolder ? (
              <button type="button" onClick={choose}>
                Choose…
              </button>
            ) : null}
          </span>
        </label>
        <fieldset>
          <legend>Contacts as</legend>
          <label>
            <input type="radio" name="vcard" checked={vcard === '3.0'} onChange={() => setVcard('3.0')} /> vCard 3.0 (works everywhere)
          </label>
          <label>
            <input type="radio" name="vcard" checked={vcard === '4.0'} onChange={() => setVcard('4.0')} /> vCard 4.0 (newer)
          </label>
        </fieldset>
        <fieldset>
          <legend>Photos and videos</legend>
          <label>
            <input type="radio" name="layout" checked={layout === 'by-date'} onChange={() => setLayout('by-date')} /> In folders by year and month
          </label>
          <label>
            <input type="radio" name="layout" checked={layout === 'as-on-device'} onChange={() => setLayout('as-on-device')} /> In the folders they had on the phone
          </label>
        </fieldset>
        <p className="hint">The calendar is written as iCalendar (.ics), one file per calendar.</p>
        <button type="submit" className="primary big" disabled={running}>
          Export
        </button>
      </form>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {current ? <ExportProgressPanel api={api} host={host} state={current} /> : null}
    </>
  );
}

/** How much of each category the export takes, as chosen under Review. */
function ChosenSummary({ selection, phone }: { selection: Selection; phone: VaultPhone }) {
  useSelection(selection);
  const c = chosenCounts(selection, phone.safe);
  const whole = selection.toRequest() === undefined;
  return (
    <section className="chosen-summary" aria-labelledby="chosen-h" data-testid="export-chosen">
      <h2 id="chosen-h">{whole ? 'Chosen for the export: everything' : 'Chosen for the export: a selection'}</h2>
      <ul>
        <li>{c.contacts.chosen.toLocaleString('en')} of {formatCount(c.contacts.of, 'contact', 'contacts')}</li>
        <li>{c.events.chosen.toLocaleString('en')} of {formatCount(c.events.of, 'calendar event', 'calendar events')}</li>
        <li>{c.photos.chosen.toLocaleString('en')} of {formatCount(c.photos.of, 'photo or video', 'photos and videos')}</li>
      </ul>
      <p className="hint">Choose single contacts, events and photos, or none of a kind, under Review.</p>
    </section>
  );
}

function ExportProgressPanel({ api, host, state }: { api: ApiClient; host: HostInfo; state: ExportState }) {
  const receiptUrl = api.receiptUrl(state.exportId);
  const r = state.result;
  return (
    <section className="panel" aria-labelledby="export-progress-h" data-status={state.status}>
      <h2 id="export-progress-h">Export to {state.folder}</h2>
      {state.status === 'running' || state.status === 'verifying' ? (
        <>
          <p role="status">{PHASES[state.phase] ?? state.phase}…</p>
          <Progress label="Export progress" value={state.done} max={state.total} />
        </>
      ) : null}
      {state.verification ? (
        state.verification.ok ? (
          <p className="notice notice-ok" role="status" data-testid="verify-ok">
            Checked: every file in the folder matches its SHA-256 hash.
          </p>
        ) : (
          <div className="notice notice-error" role="alert">
            <p>{state.verification.problems.length} problem(s) found when checking the folder:</p>
            <ul>
              {state.verification.problems.slice(0, 10).map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        )
      ) : null}
      {r ? (
        <>
          <p>
            Written: {formatCount(r.contacts, 'contact', 'contacts')}, {formatCount(r.events, 'event', 'events')} in{' '}
            {formatCount(r.calendars, 'calendar', 'calendars')}, {formatCount(r.photos, 'photo or video', 'photos and videos')} ({formatSize(r.photoBytes)}).
          </p>
          {r.chosen ? <p className="hint">A selection: the receipt says what was chosen, of how much.</p> : null}
          <p className="actions">
            {receiptUrl ? (
              <a href={receiptUrl} target="_blank" rel="noreferrer noopener">
                Open the printable receipt
              </a>
            ) : (
              <button type="button" onClick={() => void api.shell?.openFolder({ path: r.receiptPath })}>
                Open the printable receipt
              </button>
            )}
            {host.canOpenFolder ? (
              <button type="button" onClick={() => void api.shell?.openFolder({ path: r.folder })}>
                Open the folder
              </button>
            ) : (
              <span className="hint">
                The folder: <code>{r.folder}</code>
              </span>
            )}
          </p>
        </>
      ) : null}
      <ErrorNotice error={state.error} />
    </section>
  );
}
