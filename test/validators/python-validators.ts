/**
 * Independent validators for our vCard and iCalendar output: Debian's python3-vobject (strict
 * `validate`) and python3-icalendar (records every value it could not parse in `comp.errors`).
 * They share no code with us nor with ical.js, so agreement means something.
 *
 * Besides pass/fail they return the decoded values of key fields, so tests compare what a
 * reader gets back, not only that it parsed. Debian's /usr/bin/python3 is used on purpose: the
 * default `python3` on these machines is a separate build without the modules.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PYTHON = '/usr/bin/python3';
const INSTALL_HINT = 'apt-get install python3-vobject python3-icalendar';

export interface PyProperty {
  value: unknown;
  params: Record<string, string[]>;
  group: string | null;
}

export interface PyCard {
  /** Every property by upper-case name, values decoded by vobject. */
  props: Record<string, PyProperty[]>;
  fn: string[];
  n: { family: string; given: string; additional: string; prefix: string; suffix: string } | null;
  tel: string[];
  email: string[];
  note: string[];
}

export interface PyTime {
  /** As icalendar decoded it: YYYY-MM-DD for a date, ISO date-time otherwise. */
  value: string;
  isDate: boolean;
  tzid: string | null;
  /** The instant as vobject computes it from the file's own VTIMEZONE (YYYYMMDDTHHMMSSZ), null for dates. */
  utcViaVtimezone: string | null;
}

export interface PyEvent {
  uid: string;
  /** SUMMARY, DESCRIPTION, LOCATION as vobject decodes them (python-icalendar 4.0.3 mis-unescapes `\\n`). */
  summary: string | null;
  description: string | null;
  location: string | null;
  status: string | null;
  dtstart: PyTime;
  dtend: PyTime | null;
  duration: string | null;
  rrule: string[];
  exrule: string[];
  exdate: PyTime[];
  rdate: PyTime[];
  recurrenceId: PyTime | null;
  organizer: { value: string; params: Record<string, string> } | null;
  attendees: { value: string; params: Record<string, string> }[];
  alarms: { action: string; triggerSeconds: number; attendees: string[]; description: string | null }[];
}

export type PyResult<T> = { ok: true; items: T[] } | { ok: false; error: string };

/**
 * Every card in `text` through vobject's strict validation. Throws (never skips) when the
 * validators are not installed, so a machine without them cannot pass the tests silently.
 */
export function validateVCardsWithPython(text: string, python = PYTHON): PyResult<PyCard> {
  return run<PyCard>('vcard', text, python);
}

/** The calendar through vobject (strict) and python-icalendar (`comp.errors` must be empty). */
export function validateICalendarWithPython(text: string, python = PYTHON): PyResult<PyEvent> & { timezones?: string[] } {
  return run<PyEvent>('ical', text, python);
}

function run<T>(mode: 'vcard' | 'ical', text: string, python: string): PyResult<T> & { timezones?: string[] } {
  if (!fs.existsSync(python)) throw new Error(`${python} not found; install Debian's python3 and run: ${INSTALL_HINT}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-pyval-'));
  const file = path.join(dir, mode === 'vcard' ? 'in.vcf' : 'in.ics');
  try {
    fs.writeFileSync(file, Buffer.from(text, 'utf8'));
    let stdout: string;
    try {
      stdout = execFileSync(python, ['-c', SCRIPT, mode, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    } catch (e) {
      const err = e as { status?: number; stdout?: string; stderr?: string };
      if (err.status === 3) throw new Error(`python validators unavailable (${(err.stdout ?? '').trim()}); run: ${INSTALL_HINT}`);
      throw new Error(`python validator crashed: ${err.stderr ?? String(e)}`);
    }
    return JSON.parse(stdout) as PyResult<T> & { timezones?: string[] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const SCRIPT = String.raw`
import sys, json, datetime, traceback
try:
    import vobject
    import icalendar
except ImportError as e:
    print('missing module: %s' % e)
    sys.exit(3)

mode, path = sys.argv[1], sys.argv[2]
raw = open(path, 'rb').read()

def ser(v):
    if isinstance(v, vobject.vcard.Name):
        return {'family': ser(v.family), 'given': ser(v.given), 'additional': ser(v.additional), 'prefix': ser(v.prefix), 'suffix': ser(v.suffix)}
    if isinstance(v, vobject.vcard.Address):
        return {'box': ser(v.box), 'extended': ser(v.extended), 'street': ser(v.street), 'city': ser(v.city), 'region': ser(v.region), 'code': ser(v.code), 'country': ser(v.country)}
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': len(v)}
    if isinstance(v, (list, tuple)):
        return [ser(x) for x in v]
    if isinstance(v, datetime.datetime) or isinstance(v, datetime.date):
        return v.isoformat()
    return v if isinstance(v, str) else str(v)

def first_str(v):
    if isinstance(v, list):
        return ' '.join(str(x) for x in v)
    return v

def vcards(txt):
    out = []
    for comp in vobject.readComponents(txt, validate=True):
        comp.validate(raiseException=True)
        props = {}
        for line in comp.getChildren():
            props.setdefault(line.name.upper(), []).append({'value': ser(line.value), 'params': {k: list(v) for k, v in line.params.items()}, 'group': line.group})
        vals = lambda name: [p['value'] for p in props.get(name, [])]
        n = props.get('N')
        out.append({'props': props, 'fn': vals('FN'), 'n': n[0]['value'] if n else None, 'tel': vals('TEL'), 'email': vals('EMAIL'), 'note': vals('NOTE')})
    return out

def utc_text(dt):
    if isinstance(dt, datetime.datetime) and dt.tzinfo is not None:
        return dt.astimezone(datetime.timezone.utc).strftime('%Y%m%dT%H%M%SZ')
    return None

def ical_time(prop, vob_value):
    dt = prop.dt
    is_date = not isinstance(dt, datetime.datetime)
    tzid = prop.params.get('TZID')
    return {'value': dt.isoformat(), 'isDate': is_date, 'tzid': str(tzid) if tzid else None, 'utcViaVtimezone': utc_text(vob_value)}

def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]

def params_of(p):
    return {str(k): str(v) for k, v in p.params.items()}

def events(txt):
    # vobject: strict required-property checks, and times resolved through the file's VTIMEZONEs.
    vob_events = []
    for cal in vobject.readComponents(txt, validate=True):
        cal.validate(raiseException=True)
        for ev in cal.vevent_list if hasattr(cal, 'vevent_list') else []:
            vob_events.append(ev)
    # icalendar: every component must parse without errors.
    cal = icalendar.Calendar.from_ical(raw)
    for comp in cal.walk():
        errors = getattr(comp, 'errors', None)
        if errors:
            raise ValueError('%s: %r' % (comp.name, errors))
    timezones = [str(tz.get('TZID')) for tz in cal.walk('VTIMEZONE')]
    out = []
    for i, ev in enumerate(cal.walk('VEVENT')):
        vob = vob_events[i]
        def vob_value(name):
            lines = vob.contents.get(name.lower())
            return lines[0].value if lines else None
        def vob_list(name):
            vals = []
            for line in vob.contents.get(name.lower(), []):
                vals.extend(line.value if isinstance(line.value, list) else [line.value])
            return vals
        def times(name):
            res = []
            vob_vals = vob_list(name)
            k = 0
            for p in as_list(ev.get(name)):
                for d in p.dts:
                    res.append({'value': d.dt.isoformat(), 'isDate': not isinstance(d.dt, datetime.datetime), 'tzid': str(d.params.get('TZID')) if d.params.get('TZID') else (str(p.params.get('TZID')) if p.params.get('TZID') else None), 'utcViaVtimezone': utc_text(vob_vals[k]) if k < len(vob_vals) else None})
                    k += 1
            return res
        # Text as vobject decodes it: python-icalendar 4.0.3 unescapes with chained replace()
        # calls, so an escaped backslash before n or , comes back wrong ('\\\\n' -> newline).
        def text(name):
            v = vob_value(name)
            return v if v is None or isinstance(v, str) else str(v)
        alarms = []
        for al in ev.walk('VALARM'):
            trig = al.get('TRIGGER').dt
            alarms.append({'action': str(al.get('ACTION')), 'triggerSeconds': trig.total_seconds() if isinstance(trig, datetime.timedelta) else None, 'attendees': [str(a) for a in as_list(al.get('ATTENDEE'))], 'description': text_of(al, 'DESCRIPTION')})
        org = ev.get('ORGANIZER')
        out.append({
            'uid': str(ev.get('UID')),
            'summary': text('SUMMARY'), 'description': text('DESCRIPTION'), 'location': text('LOCATION'), 'status': text('STATUS'),
            'dtstart': ical_time(ev.get('DTSTART'), vob_value('DTSTART')),
            'dtend': ical_time(ev.get('DTEND'), vob_value('DTEND')) if ev.get('DTEND') is not None else None,
            'duration': ev.get('DURATION').to_ical().decode() if ev.get('DURATION') is not None else None,
            'rrule': [r.to_ical().decode() for r in as_list(ev.get('RRULE'))],
            'exrule': [r.to_ical().decode() for r in as_list(ev.get('EXRULE'))],
            'exdate': times('EXDATE'),
            'rdate': times('RDATE'),
            'recurrenceId': ical_time(ev.get('RECURRENCE-ID'), vob_value('RECURRENCE-ID')) if ev.get('RECURRENCE-ID') is not None else None,
            'organizer': {'value': str(org), 'params': params_of(org)} if org is not None else None,
            'attendees': [{'value': str(a), 'params': params_of(a)} for a in as_list(ev.get('ATTENDEE'))],
            'alarms': alarms,
        })
    if len(vob_events) != len(out):
        raise ValueError('vobject saw %d events, icalendar %d' % (len(vob_events), len(out)))
    return out, timezones

def text_of(comp, name):
    v = comp.get(name)
    return str(v) if v is not None else None

try:
    txt = raw.decode('utf-8')
    if raw.startswith(b'\xef\xbb\xbf'):
        raise ValueError('file starts with a UTF-8 BOM')
    if mode == 'vcard':
        print(json.dumps({'ok': True, 'items': vcards(txt)}))
    else:
        items, timezones = events(txt)
        print(json.dumps({'ok': True, 'items': items, 'timezones': timezones}))
except Exception as e:
    print(json.dumps({'ok': False, 'error': '%s: %s\n%s' % (type(e).__name__, e, traceback.format_exc(limit=3))}))
`;
