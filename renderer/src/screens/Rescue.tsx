import { useId, useRef, useState } from 'react';
import type { Category, CategoryProgress, DeviceInfo, RescueState, UserError } from '../../../native/api/api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { Progress } from '../components/Progress.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { CATEGORY_NAMES, formatCount, formatDuration, formatSize, formatSpeed, sourceTitle } from '../format.ts';
import { canStart } from './Devices.tsx';

const ALL: Category[] = ['contacts', 'calendar', 'photos'];

/**
 * One section per source (a phone, an iPhone backup): start (everything, or a choice), watch,
 * cancel, resume after a cable pull. A phone that is gone keeps its section while its last rescue
 * is shown. A live iPhone and its backup share a serial: sections go by the source's id.
 */
export function Rescue({ api, devices, rescues, onReview }: { api: ApiClient; devices: DeviceInfo[]; rescues: RescueState[]; onReview: (serial: string) => void }) {
  const attached = new Set(devices.map((d) => d.id));
  const latest = (test: (r: RescueState) => boolean) => [...rescues].reverse().find(test);
  const sections: { key: string; serial: string; device?: DeviceInfo; rescue?: RescueState }[] = devices
    .filter((d) => d.serial)
    .map((d) => ({
      key: d.id,
      serial: d.serial,
      device: d,
      // A phone plugged in again may come back under another id: its rescue follows its serial.
      rescue: latest((r) => r.deviceId === d.id) ?? latest((r) => r.serial === d.serial && !attached.has(r.deviceId)),
    }));
  const shownSerials = new Set(sections.map((s) => s.serial));
  for (const r of [...rescues].reverse()) {
    if (attached.has(r.deviceId) || shownSerials.has(r.serial) || !r.serial) continue;
    shownSerials.add(r.serial);
    sections.push({ key: `gone:${r.serial}`, serial: r.serial, rescue: r });
  }
  return (
    <>
      <ScreenHeading title="Rescue" />
      {sections.length === 0 ? (
        <div className="panel empty" role="status">
          <p>No phone is connected. Plug one in; it appears here when it is ready.</p>
        </div>
      ) : null}
      {sections.map((s) => (
        <PhoneRescue key={s.key} api={api} serial={s.serial} device={s.device} rescue={s.rescue} onReview={onReview} />
      ))}
    </>
  );
}

function PhoneRescue({ api, serial, device, rescue, onReview }: { api: ApiClient; serial: string; device?: DeviceInfo; rescue?: RescueState; onReview: (serial: string) => void }) {
  const [error, setError] = useState<UserError | null>(null);
  const [choice, setChoice] = useState<Set<Category>>(new Set(ALL));
  const [busy, setBusy] = useState(false);
  // An encrypted backup's password: typed for each rescue, sent only in that call, then forgotten.
  const [password, setPassword] = useState('');
  const passwordRef = useRef<HTMLInputElement>(null);
  const passwordId = useId();
  const running = rescue?.status === 'running';
  const name = device ? sourceTitle(device) : (rescue?.model ?? serial);
  const headingId = useId();
  const needsPassword = device?.state === 'needs-password';

  const start = async (categories: Category[]) => {
    if (!device) return;
    if (needsPassword && password === '') {
      setError({ code: 'needs-password', message: 'This backup is encrypted: it opens only with its password.', whatToDo: 'Type the backup password in the field above, then press Rescue.' });
      passwordRef.current?.focus();
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await api.call('startRescue', { deviceId: device.id, categories, ...(needsPassword ? { password } : {}) });
      setPassword('');
    } catch (err) {
      const e = asUserError(err);
      setError(e);
      if (e.code === 'wrong-password' || e.code === 'needs-password') {
        // The field stays for another try, emptied and with the focus, as a login form does.
        setPassword('');
        setTimeout(() => passwordRef.current?.focus(), 0);
      }
    } finally {
      setBusy(false);
    }
  };
  const cancel = async () => {
    if (!rescue) return;
    setBusy(true);
    try {
      await api.call('cancelRescue', { rescueId: rescue.rescueId });
    } catch (err) {
      setError(asUserError(err));
    } finally {
      setBusy(false);
    }
  };
  const resumable = rescue && (rescue.status === 'lost' || rescue.status === 'cancelled' || rescue.status === 'failed');
  const ready = device ? canStart(device) : false;
  const passwordError = error && (error.code === 'wrong-password' || error.code === 'needs-password') ? error : null;

  return (
    <section className="panel rescue" aria-labelledby={headingId} data-serial={serial} data-device-id={device?.id}>
      <h2 id={headingId}>{name}</h2>
      {device?.note ? <p className="hint">Good to know: {device.note}.</p> : null}
      {device?.state === 'needs-trust' && device.problem ? (
        <p className="notice notice-warn" role="alert" data-testid="owner-step">
          {device.problem.message} <strong>What to do:</strong> {device.problem.whatToDo}
        </p>
      ) : null}
      {device?.batteryLow ? (
        <p className="notice notice-warn" role="note">
          Battery {device.battery}%: contacts and calendar go first.
        </p>
      ) : null}
      {device?.state === 'needs-allow' ? (
        <p className="notice notice-warn" role="alert">
          The phone asks “Allow USB debugging?”: unlock it and tap Allow.
        </p>
      ) : null}

      {!rescue && device?.safe ? (
        <p className="hint" data-testid="already-safe">
          Already safe in the vault from earlier: {formatCount(device.safe.contacts, 'contact', 'contacts')}, {formatCount(device.safe.events, 'event', 'events')},{' '}
          {formatCount(device.safe.photos, 'photo or video', 'photos and videos')} ({formatSize(device.safe.bytes)}). A new rescue skips them.
        </p>
      ) : null}
      {rescue ? <RescueProgress rescue={rescue} /> : null}

      {running ? (
        <button type="button" className="danger" onClick={cancel} disabled={busy}>
          Cancel rescue
        </button>
      ) : null}

      {rescue && !running ? <Outcome rescue={rescue} attached={!!device} onReview={() => onReview(serial)} /> : null}

      {!running && device && needsPassword ? (
        <div className="password-field">
          <label htmlFor={passwordId}>Backup password</label>
          <input
            id={passwordId}
            ref={passwordRef}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={password}
            // Not disabled while the backup is being opened: a disabled field cannot take the focus back after a wrong password.
            readOnly={busy}
            aria-invalid={passwordError ? true : undefined}
            aria-describedby={`${passwordId}-hint`}
            onChange={(e) => setPassword(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void start(resumable ? rescue.categories.map((c) => c.category) : ALL);
            }}
          />
          <p id={`${passwordId}-hint`} className="hint">
            The password chosen in Finder or iTunes when “Encrypt local backup” was turned on (not the iPhone’s passcode). Lifeboat
            uses it to open this backup and does not keep it.
          </p>
          {busy ? (
            <p role="status" data-testid="unlocking">
              Opening the backup with its password (this can take a few seconds)…
            </p>
          ) : null}
          <ErrorNotice error={passwordError} />
        </div>
      ) : null}
      {!running && device ? (
        <div className="start">
          <button type="button" className="primary big" disabled={!ready || busy} onClick={() => start(resumable ? rescue.categories.map((c) => c.category) : ALL)}>
            {resumable ? 'Resume rescue' : rescue?.status === 'done' ? 'Rescue everything again' : 'Rescue everything'}
          </button>
          <fieldset className="choice">
            <legend>Or choose what to rescue</legend>
            {ALL.map((c) => (
              <label key={c}>
                <input
                  type="checkbox"
                  checked={choice.has(c)}
                  onChange={(e) => {
                    const next = new Set(choice);
                    if (e.target.checked) next.add(c);
                    else next.delete(c);
                    setChoice(next);
                  }}
                />
                {CATEGORY_NAMES[c]}
              </label>
            ))}
            <button type="button" disabled={!ready || busy || choice.size === 0} onClick={() => start(ALL.filter((c) => choice.has(c)))}>
              Rescue only these
            </button>
          </fieldset>
          {!ready ? <p className="hint">The phone is not ready: see Phones for what it needs.</p> : null}
        </div>
      ) : null}
      <ErrorNotice error={passwordError && needsPassword && !running ? null : error} onDismiss={() => setError(null)} />
    </section>
  );
}

function RescueProgress({ rescue }: { rescue: RescueState }) {
  return (
    <div className="rescue-progress">
      {rescue.stalled ? (
        <p className="notice notice-warn" role="alert" data-testid="stall-warning">
          Nothing has come from the phone for a while. Check that the cable is in and the phone is unlocked and awake; Lifeboat
          keeps waiting. What was saved is safe.
        </p>
      ) : null}
      <table className="categories">
        <caption className="visually-hidden">Progress per category</caption>
        <thead>
          <tr>
            <th scope="col">What</th>
            <th scope="col">Progress</th>
            <th scope="col">Items</th>
            <th scope="col">Size</th>
            <th scope="col">Speed</th>
            <th scope="col">Time left</th>
            <th scope="col">Already safe</th>
          </tr>
        </thead>
        <tbody>
          {rescue.categories.map((c) => (
            <CategoryRow key={c.category} c={c} running={rescue.status === 'running'} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CategoryRow({ c, running }: { c: CategoryProgress; running: boolean }) {
  const name = CATEGORY_NAMES[c.category];
  const total = c.totalBytes ?? null;
  const stateText = c.state === 'done' ? 'done' : c.state === 'failed' ? 'could not be read' : c.state === 'running' ? 'rescuing' : c.state === 'stopped' ? 'stopped' : running ? 'waiting' : 'not done';
  return (
    <tr data-category={c.category} data-state={c.state}>
      <th scope="row">
        {name}
        <span className={`badge badge-${c.state}`}>{stateText}</span>
      </th>
      <td>
        <Progress label={`${name} progress`} value={c.category === 'photos' ? c.bytes : c.items} max={c.state === 'done' ? 1 : c.category === 'photos' ? total : c.totalItems} />
        {c.failure ? <span className="failure">{c.failure}</span> : null}
      </td>
      <td className="num">{c.totalItems !== null ? `${c.items.toLocaleString('en')} of ${c.totalItems.toLocaleString('en')}` : c.items.toLocaleString('en')}</td>
      <td className="num">{total !== null ? `${formatSize(c.bytes)} of ${formatSize(total)}` : formatSize(c.bytes)}</td>
      <td className="num">{c.state === 'running' ? (c.category === 'photos' ? formatSpeed(c.bytesPerSecond) : `${Math.round(c.itemsPerSecond)} items/s`) : '—'}</td>
      <td className="num">{c.state === 'running' ? formatDuration(c.secondsLeft) : c.state === 'done' ? 'done' : '—'}</td>
      <td className="num">{c.skipped.toLocaleString('en')}</td>
    </tr>
  );
}

function Outcome({ rescue, attached, onReview }: { rescue: RescueState; attached: boolean; onReview: () => void }) {
  const t = rescue.totals;
  const safe = t ? (
    <p>
      Safe in the vault now: {formatCount(t.contacts, 'contact', 'contacts')}, {formatCount(t.events, 'event', 'events')},{' '}
      {formatCount(t.photos, 'photo or video', 'photos and videos')} ({formatSize(t.bytes)}). This run read {formatSize(t.transferredBytes)};{' '}
      {formatCount(t.skipped, 'item was', 'items were')} already safe.
    </p>
  ) : null;
  if (rescue.status === 'done') {
    return (
      <div className="notice notice-ok" role="status" data-status="done">
        <p className="notice-what">Everything chosen is safe.</p>
        {safe}
        <button type="button" onClick={onReview}>
          Look at what was saved
        </button>
      </div>
    );
  }
  return (
    <div className="notice notice-error" role="alert" data-status={rescue.status}>
      <p className="notice-what">{rescue.error?.message ?? `The rescue ended: ${rescue.status}.`}</p>
      {safe}
      <p className="notice-next">
        <strong>What to do: </strong>
        {rescue.status === 'lost' && !attached
          ? 'Everything saved so far is safe. Plug the phone in again; Resume appears here and continues where it stopped.'
          : (rescue.error?.whatToDo ?? 'Press Resume to continue.')}
      </p>
    </div>
  );
}
