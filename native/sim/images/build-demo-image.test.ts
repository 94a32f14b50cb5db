import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import exifr from 'exifr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventTime } from '../../model/event.ts';
import { readAndroidCalendar } from '../../readers/android-calendar-db.ts';
import { readAndroidContacts } from '../../readers/android-contacts-db.ts';
import { buildDemoImage, demoStorageFiles } from './build-demo-image.ts';
import { DELETED_EVENT, DELETED_RAW_CONTACT, demoContacts, demoEvents } from './demo-data.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const committed = path.join(repoRoot, 'images', 'demo-android');

let tmp: string;
let built: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-demo-'));
  built = path.join(tmp, 'a');
  await buildDemoImage(built);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every file's path, hash and modification time (README excepted: it is written by hand). */
function fingerprint(folder: string): string[] {
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .filter((name) => name !== 'README.md' && fs.statSync(path.join(folder, name)).isFile())
    .map((name) => {
      const file = path.join(folder, name);
      const hash = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      return `${name.split(path.sep).join('/')} ${hash} ${fs.statSync(file).mtime.toISOString()}`;
    })
    .sort();
}

describe('buildDemoImage', () => {
  it('makes the same bytes and file times on every run', async () => {
    const again = path.join(tmp, 'b');
    await buildDemoImage(again);
    expect(fingerprint(again)).toEqual(fingerprint(built));
  });

  it('matches the copy committed in images/demo-android (rebuild it if this fails)', () => {
    expect(fs.existsSync(path.join(committed, 'device.json')), `${committed} is missing`).toBe(true);
    // Git does not keep file times: compare names and contents only.
    const withoutTimes = (lines: string[]) => lines.map((line) => line.split(' ').slice(0, -1).join(' '));
    expect(withoutTimes(fingerprint(committed))).toEqual(withoutTimes(fingerprint(built)));
    expect(fs.existsSync(path.join(committed, 'README.md'))).toBe(true);
  });

  it('stays under 1 MB', () => {
    const total = (fs.readdirSync(built, { recursive: true }) as string[])
      .map((name) => fs.statSync(path.join(built, name)))
      .filter((stat) => stat.isFile())
      .reduce((sum, stat) => sum + stat.size, 0);
    expect(total).toBeLessThan(1024 * 1024);
  });

  it('holds the demo contacts and events, and nothing of the deleted ones', () => {
    const contacts = [...readAndroidContacts(path.join(built, 'providers', 'contacts2.db'))];
    const events = [...readAndroidCalendar(path.join(built, 'providers', 'calendar.db'))];
    expect(contacts).toEqual(demoContacts());
    expect(events).toEqual(demoEvents());
    expect(JSON.stringify(contacts)).not.toContain(DELETED_RAW_CONTACT.phones[0]!.value);
    expect(events.map((e) => e.title)).not.toContain(DELETED_EVENT.title);
  });

  it('covers the cases the brief asks for', () => {
    const contacts = demoContacts();
    expect(contacts.length).toBeGreaterThanOrEqual(12);
    expect(contacts.some((c) => c.accounts.length === 2)).toBe(true);
    expect(contacts.some((c) => c.emails.length === 1 && !c.displayName && !c.name && c.phones.length === 0)).toBe(true);
    expect(contacts.some((c) => c.dates.some((d) => d.type === 'birthday' && d.year === undefined))).toBe(true);
    expect(contacts.some((c) => c.dates.some((d) => d.type === 'anniversary' && d.year !== undefined))).toBe(true);
    expect(contacts.some((c) => c.photo)).toBe(true);
    expect(contacts.map((c) => c.displayName)).toEqual(expect.arrayContaining(['Zoë Ångström', '李小龙']));
    expect(contacts.some((c) => c.notes.some((n) => /,/.test(n) && /;/.test(n) && /\\/.test(n) && /\n/.test(n)))).toBe(true);

    const events = demoEvents();
    const zones = new Set(events.flatMap((e) => [e.start, e.end]).flatMap((t) => (t?.kind === 'instant' ? [t.timeZone] : [])));
    expect([...zones]).toEqual(expect.arrayContaining(['Europe/Berlin', 'America/New_York', 'UTC']));
    expect(new Set(events.map((e) => e.calendar.sourceKey)).size).toBe(2);
    const dayNumber = (t: EventTime | undefined) => (t?.kind === 'date' ? Date.UTC(t.year, t.month - 1, t.day) / 86_400_000 : NaN);
    expect(events.some((e) => e.allDay && dayNumber(e.end) - dayNumber(e.start) > 1)).toBe(true); // several days
    expect(events.some((e) => e.rrule.some((r) => r.includes('FREQ=WEEKLY')) && e.exdate.length > 0)).toBe(true);
    expect(events.some((e) => e.original !== undefined)).toBe(true);
    expect(events.some((e) => e.duration === 'P3600S')).toBe(true);
    expect(events.some((e) => e.attendees.length > 0 && e.organizer)).toBe(true);
    expect(events.some((e) => e.reminders.length > 0)).toBe(true);
    expect(events.some((e) => e.status === 'cancelled')).toBe(true);
  });

  it('gives its photos the EXIF dates they claim (one with no EXIF at all)', async () => {
    const withDates = new Map<string, string | undefined>();
    for (const file of demoStorageFiles().filter((f) => f.path.startsWith('DCIM/Camera/'))) {
      const tags = await exifr.parse(fs.readFileSync(path.join(built, 'storage', ...file.path.split('/'))), { reviveValues: false });
      withDates.set(file.path, tags?.DateTimeOriginal as string | undefined);
    }
    expect(withDates.get('DCIM/Camera/PXL_20240314_083012345.jpg')).toBe('2024:03:14 09:30:12');
    expect(withDates.get('DCIM/Camera/IMG-20240101-WA0001.jpg')).toBeUndefined();
    expect([...withDates.values()].filter(Boolean).length).toBeGreaterThanOrEqual(5);
  });

  it.skipIf(!fs.existsSync('/usr/bin/exiftool'))('makes photos exiftool finds valid', () => {
    const camera = path.join(built, 'storage', 'DCIM', 'Camera');
    const files = fs.readdirSync(camera).map((name) => path.join(camera, name));
    const out = execFileSync('/usr/bin/exiftool', ['-validate', '-warning', '-error', '-s', '-s', '-s', ...files], { encoding: 'utf8' });
    expect(out.split('\n').filter((line) => line && !line.startsWith('=') && !/image files read/.test(line))).toEqual(files.map(() => 'OK'));
  });

  it('refuses to empty a folder that is not a device image', async () => {
    const folder = path.join(tmp, 'precious');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'thesis.docx'), 'years of work');
    await expect(buildDemoImage(folder)).rejects.toThrow(/refusing to overwrite/);
    expect(fs.readdirSync(folder)).toEqual(['thesis.docx']);
  });
});
