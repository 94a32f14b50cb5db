import { useId, useState } from 'react';
import type { DeviceInfo, HostInfo } from '../../../native/api/api.ts';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { CATEGORY_NAMES, formatCount, formatDate, formatSize, sourceTitle } from '../format.ts';

const STATE_TEXT: Record<DeviceInfo['state'], string> = {
  ready: 'Ready',
  connecting: 'Connecting…',
  'needs-allow': 'Waiting for “Allow” on the phone',
  busy: 'Held by another program',
  unsupported: 'Not supported yet',
  'needs-trust': 'Waiting for “Trust” on the iPhone',
  'needs-password': 'Encrypted: the rescue asks for the backup password',
};

/** A rescue may start in these states: the rescue itself asks the phone (Trust) or the person (password). */
export function canStart(d: DeviceInfo): boolean {
  return d.state === 'ready' || d.state === 'needs-trust' || d.state === 'needs-password';
}

/** Every attached phone (several at once, for stores): who it is, its battery, what can be rescued. */
export function Devices({
  devices,
  host,
  onRescue,
  onConnect,
  onLookAgain,
}: {
  devices: DeviceInfo[];
  host: HostInfo;
  onRescue: (serial: string) => void;
  onConnect: () => void;
  onLookAgain: () => Promise<void>;
}) {
  // iPhone backups are sources too, but not phones on a cable: listed apart, so "connected" stays true.
  const backups = devices.filter((d) => d.backup);
  const phones = devices.filter((d) => !d.backup);
  const [looking, setLooking] = useState(false);
  const lookAgain = () => {
    setLooking(true);
    onLookAgain()
      .catch(() => undefined) // the list stays as it was; the engine's events keep it current anyway
      .finally(() => setLooking(false));
  };
  return (
    <>
      <ScreenHeading title="Phones" />
      {phones.length === 0 ? (
        <div className="panel empty" role="status">
          <p>No phone is connected yet.</p>
          <p>
            Plug one in with its USB cable and unlock it.{' '}
            <button type="button" className="link-button" onClick={onConnect}>
              How to connect a phone
            </button>
          </p>
        </div>
      ) : (
        <ul className="device-list" aria-label="Connected phones">
          {phones.map((d) => (
            <DeviceCard key={d.id} device={d} host={host} onRescue={onRescue} />
          ))}
        </ul>
      )}
      {backups.length ? (
        <section aria-labelledby="backups-h">
          <h2 id="backups-h" className="list-heading">
            iPhone backups on this computer
          </h2>
          <p className="hint">
            Made by Finder or iTunes. They hold an iPhone’s contacts, calendar and camera roll as they were on the day of the backup.
          </p>
          <ul className="device-list" aria-label="iPhone backups">
            {backups.map((d) => (
              <DeviceCard key={d.id} device={d} host={host} onRescue={onRescue} level={3} />
            ))}
          </ul>
        </section>
      ) : null}
      <p className="hint">
        Phones appear here by themselves when they are plugged in. Made an iPhone backup in Finder or iTunes just now?{' '}
        <button type="button" onClick={lookAgain} disabled={looking} aria-busy={looking}>
          {looking ? 'Looking…' : 'Look again'}
        </button>
      </p>
    </>
  );
}

function DeviceCard({ device: d, host, onRescue, level = 2 }: { device: DeviceInfo; host: HostInfo; onRescue: (serial: string) => void; level?: 2 | 3 }) {
  // A backup's id is its folder path, which may hold spaces: no good inside aria-labelledby.
  const titleId = useId();
  const Heading = level === 3 ? 'h3' : 'h2';
  return (
    <li className="panel device-card" aria-labelledby={titleId} data-serial={d.serial} data-device-id={d.id} data-transport={d.transport}>
      <Heading id={titleId}>{sourceTitle(d)}</Heading>
      <dl className="facts">
        {d.backup ? (
          <>
            <dt>iPhone</dt>
            <dd>
              {d.manufacturer} {d.model}
            </dd>
            <dt>Backup made</dt>
            <dd>{d.backup.madeMs === null ? 'unknown' : formatDate(d.backup.madeMs, { dateStyle: 'long', timeStyle: 'short' })}</dd>
            <dt>Folder</dt>
            <dd className="path">{d.backup.folder}</dd>
            <dt>Encrypted</dt>
            <dd>{d.backup.encrypted ? 'yes: its password is asked for when you rescue it (Lifeboat never keeps it)' : 'no'}</dd>
          </>
        ) : (
          <>
            <dt>Connection</dt>
            <dd>{d.connection}</dd>
          </>
        )}
        <dt>Serial number</dt>
        <dd>{d.serial || 'unknown'}</dd>
        {d.backup ? null : (
          <>
            <dt>Battery</dt>
            <dd>
              <Battery percent={d.battery} low={d.batteryLow} />
            </dd>
          </>
        )}
        <dt>State</dt>
        <dd className={`state state-${d.state}`}>{STATE_TEXT[d.state]}</dd>
        <dt>Can rescue</dt>
        <dd>{d.rescuable.length ? d.rescuable.map((c) => CATEGORY_NAMES[c]).join(', ') : 'nothing yet'}</dd>
        {d.note ? (
          <>
            <dt>Good to know</dt>
            <dd data-testid="device-note">{d.note}</dd>
          </>
        ) : null}
        {d.safe ? (
          <>
            <dt>Already safe</dt>
            <dd>
              {formatCount(d.safe.contacts, 'contact', 'contacts')}, {formatCount(d.safe.events, 'event', 'events')},{' '}
              {formatCount(d.safe.photos, 'photo or video', 'photos and videos')} ({formatSize(d.safe.bytes)})
            </dd>
          </>
        ) : null}
      </dl>
      {d.batteryLow ? (
        <p className="notice notice-warn" role="note">
          The battery is low ({d.battery}%, under {host.lowBatteryPercent}%). Contacts and calendar are rescued first, so the most
          precious things are safe even if the phone switches off. Plug the phone into a charger if you can.
        </p>
      ) : null}
      {d.problem ? (
        <p className="notice notice-warn">
          {d.problem.message} <strong>What to do:</strong> {d.problem.whatToDo}
        </p>
      ) : null}
      <button type="button" className="primary" disabled={!canStart(d)} onClick={() => onRescue(d.serial)}>
        {d.backup ? 'Rescue this backup' : 'Rescue this phone'}
      </button>
    </li>
  );
}

function Battery({ percent, low }: { percent: number | null; low: boolean }) {
  if (percent === null) return <span>unknown</span>;
  return (
    <span className={low ? 'battery battery-low' : 'battery'}>
      <meter min={0} max={100} low={20} optimum={100} value={percent} aria-label="Battery" />
      <span>
        {percent}%{low ? ' — low' : ''}
      </span>
    </span>
  );
}
