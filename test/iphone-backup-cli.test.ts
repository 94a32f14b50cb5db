import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIphoneBackup } from '../native/sim/iphone-backup/backup-writer.ts';
import { iphoneDemoCameraRoll, iphoneDemoContacts, iphoneDemoEvents, iphoneDemoSpec } from '../native/sim/iphone-backup/iphone-demo-data.ts';
import { contentLineProblems, timezoneCoverage } from './validators/content-checks.ts';
import { validateICalendarWithPython, validateVCardsWithPython } from './validators/python-validators.ts';
import { jsonLines, runCli } from './run-cli.ts';

/**
 * iPhone backups made by the fixture writer (plain and encrypted), rescued and exported by the
 * CLI as a person would, and the export read back by the same independent validators as the
 * Android demo's (vobject, python-icalendar, ical.js, sha256sum).
 */
const PASSWORD = 'tr0ub4dor&3';
const FAST = { sha256Iterations: 1000, sha1Iterations: 10 };
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-iphone-cli-'));
  writeIphoneBackup(path.join(dir, 'roots', 'plain', '00008110-001A2B3C4D5E601E'), iphoneDemoSpec());
  writeIphoneBackup(path.join(dir, 'roots', 'encrypted', '00008110-ENCRYPTED0001'), iphoneDemoSpec({ encryption: { password: PASSWORD, ...FAST } }));
  fs.writeFileSync(path.join(dir, 'password'), `${PASSWORD}\n`);
  fs.writeFileSync(path.join(dir, 'wrong-password'), 'Tr0ub4dor&3\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const plainBackup = () => path.join(dir, 'roots', 'plain', '00008110-001A2B3C4D5E601E');
const encryptedBackup = () => path.join(dir, 'roots', 'encrypted', '00008110-ENCRYPTED0001');

describe.each([
  ['plain', plainBackup, [] as string[]],
  ['encrypted', encryptedBackup, ['--password-file']],
])('rescue --backup of a %s backup', (name, backupDir, passwordArgs) => {
  let out: string;
  beforeAll(() => {
    const vault = path.join(dir, `vault-${name}`);
    out = path.join(dir, `out-${name}`);
    const args = passwordArgs.length ? [...passwordArgs, path.join(dir, 'password')] : [];
    const rescue = runCli(['rescue', '--backup', backupDir(), '--vault', vault, '--json', ...args]);
    expect(rescue.code, rescue.stderr).toBe(0);
    const summary = jsonLines(rescue.stdout).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', contacts: 5, events: 7, photos: 4, skipped: 0, serial: 'F2LDEMO0PHNE' });
    const exported = runCli(['export', '--vault', vault, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
  });

  it('contacts.vcf passes vobject and ical.js and holds what the writer put in', () => {
    const text = fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf'), 'utf8');
    expect(contentLineProblems(text)).toEqual([]);
    const py = validateVCardsWithPython(text);
    if (!py.ok) throw new Error(py.error);
    const expected = iphoneDemoContacts();
    expect(py.items).toHaveLength(expected.length);
    expect(py.items.flatMap((c) => c.tel).sort()).toEqual(expected.flatMap((c) => c.phones.map((p) => p.value)).sort());
    expect(py.items.flatMap((c) => c.email).sort()).toEqual(expected.flatMap((c) => c.emails.map((e) => e.value)).sort());
    expect(py.items.map((c) => c.fn[0]).filter((fn) => fn !== 'no.name@example.org').sort()).toEqual(
      expected.flatMap((c) => (c.displayName ? [c.displayName] : [])).sort(),
    );
    const bdays = py.items.flatMap((c) => c.props.BDAY ?? []).map((p) => String(p.value)).sort();
    // vCard 3.0 writes a birthday without a year as Apple does: 1604 with X-APPLE-OMIT-YEAR.
    expect(bdays).toEqual(['1604-02-29', '1985-04-12', '1990-12-31']);
    expect(text).toMatch(/BDAY;X-APPLE-OMIT-YEAR=1604[^:]*:1604-02-29/);
    const parsed = ICAL.parse(text) as unknown[];
    expect((Array.isArray(parsed[0]) ? parsed : [parsed]).length).toBe(expected.length);
    expect(text).toMatch(/PHOTO;ENCODING=b;TYPE=JPEG:/);
    expect(text).toContain('ADR;TYPE=HOME:;;Kastanienallee 12;Berlin;;10435;Germany');
  });

  it('every .ics passes python-icalendar, vobject and ical.js, with recurrence, exception, alarms and zones', () => {
    const files = fs.readdirSync(path.join(out, 'data/calendar')).filter((f) => f.endsWith('.ics')).sort();
    expect(files).toEqual(['Home.ics', 'Work.ics']);
    const events = [];
    for (const file of files) {
      const text = fs.readFileSync(path.join(out, 'data/calendar', file), 'utf8');
      expect(contentLineProblems(text), file).toEqual([]);
      const tz = timezoneCoverage(text);
      expect(tz.missing, file).toEqual([]);
      const py = validateICalendarWithPython(text);
      if (!py.ok) throw new Error(`${file}: ${py.error}`);
      events.push(...py.items);
      const vcal = new ICAL.Component(ICAL.parse(text) as never);
      expect(vcal.getAllSubcomponents('vevent').length, file).toBe(py.items.length);
    }
    expect(events).toHaveLength(iphoneDemoEvents().length);
    const standup = events.find((e) => e.summary === 'Team stand-up')!;
    expect(standup.rrule).toEqual(['FREQ=WEEKLY;COUNT=10;BYDAY=MO,WE']);
    expect(standup.dtstart.tzid).toBe('Europe/Berlin');
    expect(standup.dtstart.utcViaVtimezone).toBe('20240304T083000Z');
    expect(standup.exdate.map((x) => x.utcViaVtimezone)).toEqual(['20240311T083000Z']);
    expect(standup.alarms.map((a) => a.triggerSeconds)).toEqual([-600]);
    const moved = events.find((e) => e.summary === 'Team stand-up (moved)')!;
    expect(moved.uid).toBe(standup.uid);
    expect(moved.recurrenceId?.utcViaVtimezone).toBe('20240313T083000Z');
    const flight = events.find((e) => e.summary === 'Flight JFK → BER')!;
    expect([flight.dtstart.tzid, flight.dtend?.tzid]).toEqual(['America/New_York', 'Europe/Berlin']);
    expect(flight.alarms.map((a) => a.triggerSeconds).sort((a, b) => a - b)).toEqual([-86400, -10800]);
    const trip = events.find((e) => e.summary === 'Lake trip')!;
    expect([trip.dtstart.value, trip.dtstart.isDate, trip.dtend?.value]).toEqual(['2024-07-12', true, '2024-07-15']);
    expect(events.find((e) => e.summary === 'Month-end review')!.rrule).toEqual(['FREQ=MONTHLY;UNTIL=20241231T235959Z;BYDAY=-1FR']);
  });

  it('photos and the video keep their bytes and dates, and the bag passes sha256sum -c', () => {
    expect(execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: out, encoding: 'utf8' })).not.toMatch(/FAILED/);
    const photosDir = path.join(out, 'data/photos');
    const exported = (fs.readdirSync(photosDir, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(photosDir, p)).isFile());
    const expected = iphoneDemoCameraRoll();
    expect(exported).toHaveLength(expected.length);
    for (const m of expected) {
      const name = path.basename(m.path);
      const match = exported.find((p) => path.basename(p).toLowerCase() === name.toLowerCase());
      expect(match, name).toBeDefined();
      expect(fs.readFileSync(path.join(photosDir, match!)).equals(m.bytes), name).toBe(true);
    }
    // IMG_0001 was taken at 09:15 +01:00 (EXIF) = 08:15 UTC; the PNG has no EXIF, so the phone's file time.
    expect(exported.find((p) => p.endsWith('IMG_0001.JPG'))).toMatch(/^2024\/03\//);
    const png = exported.find((p) => /IMG_0003\.PNG$/i.test(p))!;
    expect(fs.statSync(path.join(photosDir, png)).mtimeMs).toBe(Date.parse('2024-06-01T12:00:00Z'));
  });
});

describe('encrypted backups on the command line', () => {
  it('a wrong password is bad input (exit 2) with a clear message, and nothing is rescued', () => {
    const vault = path.join(dir, 'vault-wrong');
    const res = runCli(['rescue', '--backup', encryptedBackup(), '--vault', vault, '--password-file', path.join(dir, 'wrong-password')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/password is wrong/);
    expect(fs.existsSync(path.join(vault, 'catalog.db'))).toBe(false);
  });

  it('without a password source and no terminal, it says how to give one (exit 2)', () => {
    const res = runCli(['rescue', '--backup', encryptedBackup(), '--vault', path.join(dir, 'vault-none')], { env: { LIFEBOAT_BACKUP_PASSWORD: '' } });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--password-file FILE.*LIFEBOAT_BACKUP_PASSWORD/);
  });

  it('takes the password from LIFEBOAT_BACKUP_PASSWORD', () => {
    const res = runCli(['rescue', '--backup', encryptedBackup(), '--vault', path.join(dir, 'vault-env'), '--only', 'contacts', '--json'], { env: { LIFEBOAT_BACKUP_PASSWORD: PASSWORD } });
    expect(res.code, res.stderr).toBe(0);
    expect(jsonLines(res.stdout).at(-1)).toMatchObject({ contacts: 5, events: 0, photos: 0 });
  });

  it('a corrupt Manifest.db is bad input (exit 2), not a crash', () => {
    const broken = path.join(dir, 'broken');
    writeIphoneBackup(broken, iphoneDemoSpec());
    fs.writeFileSync(path.join(broken, 'Manifest.db'), Buffer.alloc(4096, 0x41));
    const res = runCli(['rescue', '--backup', broken, '--vault', path.join(dir, 'vault-broken')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Manifest\.db.*not an SQLite database/);
  });
});

describe('devices lists the backups found in the usual places', () => {
  it('one line per backup, encrypted ones needing their password; rescue --device backup:DIR reads one', () => {
    const roots = [path.join(dir, 'roots', 'plain'), path.join(dir, 'roots', 'encrypted'), path.join(dir, 'roots', 'missing')].join(path.delimiter);
    const res = runCli(['devices', '--json'], { env: { LIFEBOAT_BACKUP_ROOTS: roots } });
    expect(res.code, res.stderr).toBe(0);
    const listed = (JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { id: string; transport: string; state: string; serial: string; model: string }[])
      .filter((d) => d.transport === 'iphone-backup');
    expect(listed.map((d) => [d.id, d.state, d.serial, d.model]).sort()).toEqual([
      [`backup:${encryptedBackup()}`, 'needs-password', 'F2LDEMO0PHNE', 'iPhone 13 Pro'],
      [`backup:${plainBackup()}`, 'ready', 'F2LDEMO0PHNE', 'iPhone 13 Pro'],
    ]);
    const rescue = runCli(['rescue', '--device', `backup:${plainBackup()}`, '--vault', path.join(dir, 'vault-device'), '--only', 'photos', '--json']);
    expect(rescue.code, rescue.stderr).toBe(0);
    expect(jsonLines(rescue.stdout).at(-1)).toMatchObject({ photos: 4 });
  });
});
