import { useEffect, useMemo, useState } from 'react';
import type { Contact, ContactRow, EventRow, UserError, VaultPhone } from '../../../native/api/api.ts';
import type { ApiClient } from '../api-client.ts';
import { ErrorNotice, asUserError } from '../components/ErrorNotice.tsx';
import { PhotoGrid } from '../components/PhotoGrid.tsx';
import { ScreenHeading } from '../components/ScreenHeading.tsx';
import { formatCount, formatDate } from '../format.ts';
import { useSelection, type Selection, type SelectionKind } from '../selection.ts';

type Tab = 'contacts' | 'calendar' | 'photos';

/** What is safe in the vault, phone by phone: contacts, calendar and photos, each chosen (or not) for the export. */
export function Review({ api, phones, serial, onSerial, selectionOf }: { api: ApiClient; phones: VaultPhone[]; serial: string | null; onSerial: (s: string) => void; selectionOf: (serial: string) => Selection }) {
  const [tab, setTab] = useState<Tab>('contacts');
  const phone = phones.find((p) => p.serial === serial) ?? phones[0];
  if (!phone) {
    return (
      <>
        <ScreenHeading title="Review" />
        <div className="panel empty" role="status">
          <p>Nothing is saved yet. Rescue a phone first; what was saved shows here.</p>
        </div>
      </>
    );
  }
  const selection = selectionOf(phone.serial);
  const tabs: { id: Tab; label: string }[] = [
    { id: 'contacts', label: `Contacts (${phone.safe.contacts})` },
    { id: 'calendar', label: `Calendar (${phone.safe.events})` },
    { id: 'photos', label: `Photos and videos (${phone.safe.photos})` },
  ];
  return (
    <>
      <ScreenHeading title="Review" />
      <PhonePicker phones={phones} serial={phone.serial} onSerial={onSerial} />
      <div role="tablist" aria-label="What to look at" className="tabs">
        {tabs.map((t, i) => (
          <button
            key={t.id}
            id={`tab-${t.id}`}
            role="tab"
            type="button"
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
            onKeyDown={(e) => {
              const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (!d) return;
              const next = tabs[(i + d + tabs.length) % tabs.length]!;
              setTab(next.id);
              document.getElementById(`tab-${next.id}`)?.focus();
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
        {tab === 'contacts' ? (
          <>
            <ChooseBar selection={selection} kind="contacts" total={phone.safe.contacts} one="contact" many="contacts" />
            <Contacts api={api} serial={phone.serial} selection={selection} />
          </>
        ) : null}
        {tab === 'calendar' ? (
          <>
            <ChooseBar selection={selection} kind="events" total={phone.safe.events} one="calendar event" many="calendar events" />
            <Calendar api={api} serial={phone.serial} selection={selection} />
          </>
        ) : null}
        {tab === 'photos' ? (
          <>
            <ChooseBar selection={selection} kind="photos" total={phone.safe.photos} one="photo or video" many="photos and videos" />
            <PhotoGrid api={api} serial={phone.serial} total={phone.safe.photos} selection={selection} />
          </>
        ) : null}
      </div>
    </>
  );
}

/** "Select all" and "Select none" of one category, and how many are chosen for the export. */
function ChooseBar({ selection, kind, total, one, many }: { selection: Selection; kind: SelectionKind; total: number; one: string; many: string }) {
  useSelection(selection);
  const chosen = selection.count(kind, total);
  return (
    <div className="choose-bar" role="group" aria-label={`Choose ${many} for the export`}>
      <button type="button" onClick={() => selection.setAll(kind, true)} aria-label={`Select all ${many} for the export`}>
        Select all
      </button>
      <button type="button" onClick={() => selection.setAll(kind, false)} aria-label={`Select none of the ${many} for the export`}>
        Select none
      </button>
      <span className="choose-count" role="status" data-testid={`chosen-${kind}`}>
        {chosen.toLocaleString('en')} of {formatCount(total, one, many)} chosen for the export
      </span>
    </div>
  );
}

export function PhonePicker({ phones, serial, onSerial }: { phones: VaultPhone[]; serial: string; onSerial: (s: string) => void }) {
  if (phones.length < 2) return null;
  return (
    <label className="phone-picker">
      Phone{' '}
      <select value={serial} onChange={(e) => onSerial(e.target.value)}>
        {phones.map((p) => (
          <option key={p.serial} value={p.serial}>
            {p.manufacturer} {p.model} ({p.serial})
          </option>
        ))}
      </select>
    </label>
  );
}

function Contacts({ api, serial, selection }: { api: ApiClient; serial: string; selection: Selection }) {
  useSelection(selection);
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<ContactRow[]>([]);
  const [total, setTotal] = useState(0);
  const [selected, setSelected] = useState<number | null>(null);
  const [contact, setContact] = useState<Contact | null>(null);
  const [error, setError] = useState<UserError | null>(null);

  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      api.call('contacts', { serial, query, offset: 0, limit: 500 }).then(
        (page) => {
          if (!live) return;
          setRows(page.rows);
          setTotal(page.total);
        },
        (err) => live && setError(asUserError(err)),
      );
    }, 120);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, serial, query]);

  useEffect(() => {
    if (selected === null) return setContact(null);
    let live = true;
    api.call('contact', { serial, id: selected }).then(
      (c) => live && setContact(c),
      (err) => live && setError(asUserError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, serial, selected]);

  return (
    <div className="contacts">
      <div className="contact-list">
        <label className="search">
          Search contacts
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Name, number or e-mail" />
        </label>
        <p className="hint" aria-live="polite">
          {total === rows.length ? `${total} contacts` : `Showing ${rows.length} of ${total} contacts: search to narrow`}
        </p>
        <ul aria-label="Contacts">
          {rows.map((r) => (
            <li key={r.id} className="choosable">
              <input
                type="checkbox"
                className="choose"
                checked={selection.isChosen('contacts', r.id)}
                onChange={() => selection.toggle('contacts', r.id)}
                aria-label={`Include ${r.name} in the export`}
              />
              <button type="button" className={r.id === selected ? 'row-button selected' : 'row-button'} aria-pressed={r.id === selected} onClick={() => setSelected(r.id)}>
                <span className="row-name">
                  {r.starred ? <span aria-label="favourite">★ </span> : null}
                  {r.name}
                </span>
                <span className="row-detail">{r.detail}</span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      <div className="contact-card" aria-live="polite">
        {contact ? <ContactCard contact={contact} /> : <p className="hint">Choose a contact to see everything saved about them.</p>}
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
    </div>
  );
}

function ContactCard({ contact: c }: { contact: Contact }) {
  const name = c.displayName ?? ([c.name?.given, c.name?.family].filter(Boolean).join(' ') || '(no name)');
  const rows: [string, string][] = [
    ...c.phones.map((p): [string, string] => [`Phone (${p.label ?? p.type})`, p.value]),
    ...c.emails.map((p): [string, string] => [`E-mail (${p.label ?? p.type})`, p.value]),
    ...c.addresses.map((a): [string, string] => [`Address (${a.label ?? a.type})`, a.formatted ?? [a.street, a.postcode, a.city, a.region, a.country].filter(Boolean).join(', ')]),
    ...c.organizations.map((o): [string, string] => ['Work', [o.title, o.company, o.department].filter(Boolean).join(', ')]),
    ...c.dates.map((d): [string, string] => [d.type === 'birthday' ? 'Birthday' : (d.label ?? d.type), d.raw]),
    ...c.websites.map((w): [string, string] => ['Website', w.value]),
    ...c.nicknames.map((n): [string, string] => ['Nickname', n]),
    ...c.notes.map((n): [string, string] => ['Note', n]),
    ...c.groups.map((g): [string, string] => ['Group', g]),
  ];
  return (
    <article aria-label={`Contact card: ${name}`}>
      {c.photo ? <img className="contact-photo" src={`data:${c.photo.mediaType};base64,${c.photo.base64}`} alt="" /> : null}
      <h2>{name}</h2>
      <dl className="facts">
        {rows.map(([k, v], i) => (
          <div key={i} className="fact">
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {c.accounts.length ? <p className="hint">From: {c.accounts.map((a) => a.name).join(', ')}</p> : null}
    </article>
  );
}

function Calendar({ api, serial, selection }: { api: ApiClient; serial: string; selection: Selection }) {
  const [events, setEvents] = useState<EventRow[] | null>(null);
  const [view, setView] = useState<'agenda' | 'month'>('agenda');
  const [error, setError] = useState<UserError | null>(null);
  useEffect(() => {
    let live = true;
    api.call('events', { serial }).then(
      (e) => live && setEvents(e),
      (err) => live && setError(asUserError(err)),
    );
    return () => {
      live = false;
    };
  }, [api, serial]);
  if (error) return <ErrorNotice error={error} />;
  if (!events) return <p role="status">Loading the calendar…</p>;
  return (
    <div className="calendar">
      <fieldset className="segmented">
        <legend className="visually-hidden">Calendar view</legend>
        <label>
          <input type="radio" name="cal-view" checked={view === 'agenda'} onChange={() => setView('agenda')} /> Agenda
        </label>
        <label>
          <input type="radio" name="cal-view" checked={view === 'month'} onChange={() => setView('month')} /> Month
        </label>
      </fieldset>
      {view === 'agenda' ? <Agenda events={events} selection={selection} /> : <Month events={events} />}
    </div>
  );
}

function whenText(e: EventRow): string {
  if (e.allDay) return `${formatDate(e.startMs, { dateStyle: 'full', timeZone: 'UTC' })}, all day`;
  return formatDate(e.startMs, { dateStyle: 'full', timeStyle: 'short', timeZone: e.timeZone ?? 'UTC' });
}

function Agenda({ events, selection }: { events: EventRow[]; selection: Selection }) {
  useSelection(selection);
  if (events.length === 0) return <p>No calendar events were saved.</p>;
  return (
    <ol className="agenda" aria-label="Events in date order">
      {events.map((e) => (
        <li key={e.id}>
          <input
            type="checkbox"
            className="choose"
            checked={selection.isChosen('events', e.id)}
            onChange={() => selection.toggle('events', e.id)}
            aria-label={`Include ${e.title}, ${whenText(e)}, in the export`}
          />
          <span className="agenda-when">{whenText(e)}</span>
          <span className="agenda-title">
            {e.title}
            {e.repeats ? <span className="badge">repeats</span> : null}
          </span>
          <span className="agenda-where">
            {e.calendar}
            {e.location ? ` · ${e.location}` : ''}
          </span>
        </li>
      ))}
    </ol>
  );
}

function Month({ events }: { events: EventRow[] }) {
  const firstEvent = events[0] ? new Date(events[0].startMs) : new Date();
  const [month, setMonth] = useState({ y: firstEvent.getUTCFullYear(), m: firstEvent.getUTCMonth() });
  const byDay = useMemo(() => {
    const map = new Map<string, EventRow[]>();
    for (const e of events) {
      const d = new Date(e.startMs);
      const key = `${d.getUTCFullYear()}-${d.getUTCMonth()}-${d.getUTCDate()}`;
      map.set(key, [...(map.get(key) ?? []), e]);
    }
    return map;
  }, [events]);
  const start = new Date(Date.UTC(month.y, month.m, 1));
  const lead = (start.getUTCDay() + 6) % 7; // weeks start on Monday
  const days = new Date(Date.UTC(month.y, month.m + 1, 0)).getUTCDate();
  const cells: (number | null)[] = [...Array.from({ length: lead }, () => null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const title = formatDate(start.getTime(), { month: 'long', year: 'numeric', timeZone: 'UTC' });
  const shift = (d: number) => setMonth(({ y, m }) => ({ y: m + d < 0 ? y - 1 : m + d > 11 ? y + 1 : y, m: (m + d + 12) % 12 }));
  return (
    <div className="month">
      <div className="month-nav">
        <button type="button" onClick={() => shift(-1)} aria-label="Previous month">
          ‹
        </button>
        <h2 aria-live="polite">{title}</h2>
        <button type="button" onClick={() => shift(1)} aria-label="Next month">
          ›
        </button>
      </div>
      <table className="month-grid">
        <caption className="visually-hidden">{title}</caption>
        <thead>
          <tr>
            {['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => (
              <th key={d} scope="col">
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((day, i) => {
                const list = day ? (byDay.get(`${month.y}-${month.m}-${day}`) ?? []) : [];
                return (
                  <td key={i} className={day ? 'day' : 'day empty'}>
                    {day ? <span className="day-number">{day}</span> : null}
                    {list.map((e) => (
                      <span key={e.id} className="month-event" title={whenText(e)}>
                        {e.title}
                      </span>
                    ))}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
