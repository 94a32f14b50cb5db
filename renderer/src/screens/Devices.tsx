import type { DeviceInfo, HostInfo } from '../../../native/api/api.ts';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { CATEGORY_NAMES, formatCount, formatSize } from '../format.ts';

const STATE_TEXT: Record<DeviceInfo['state'], string> = {
  ready: 'Ready',
  connecting: 'Connecting…',
  'needs-allow': 'Waiting for “Allow” on the phone',
  busy: 'Held by another program',
  unsupported: 'Not supported yet',
};

/** Every attached phone (several at once, for stores): who it is, its battery, what can be rescued. */
export function Devices({ devices, host, onRescue, onConnect }: { devices: DeviceInfo[]; host: HostInfo; onRescue: (serial: string) => void; onConnect: () => void }) {
  return (
    <>
      <ScreenHeading title="Phones" />
      {devices.length === 0 ? (
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
          {devices.map((d) => (
            <DeviceCard key={d.id} device={d} host={host} onRescue={onRescue} />
          ))}
        </ul>
      )}
    </>
  );
}

function DeviceCard({ device: d, host, onRescue }: { device: DeviceInfo; host: HostInfo; onRescue: (serial: string) => void }) {
  const titleId = `device-${d.id}-title`;
  return (
    <li className="panel device-card" aria-labelledby={titleId} data-serial={d.serial}>
      <h2 id={titleId}>
        {d.manufacturer} {d.model}
      </h2>
      <dl className="facts">
        <dt>Connection</dt>
        <dd>{d.connection}</dd>
        <dt>Serial number</dt>
        <dd>{d.serial || 'unknown'}</dd>
        <dt>Battery</dt>
        <dd>
          <Battery percent={d.battery} low={d.batteryLow} />
        </dd>
        <dt>State</dt>
        <dd className={`state state-${d.state}`}>{STATE_TEXT[d.state]}</dd>
        <dt>Can rescue</dt>
        <dd>{d.rescuable.length ? d.rescuable.map((c) => CATEGORY_NAMES[c]).join(', ') : 'nothing yet'}</dd>
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
      <button type="button" className="primary" disabled={d.state !== 'ready'} onClick={() => onRescue(d.serial)}>
        Rescue this phone
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
