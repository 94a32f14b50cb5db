import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentLineProblems, timezoneCoverage } from './validators/content-checks.ts';
import { validateICalendarWithPython, validateVCardsWithPython } from './validators/python-validators.ts';
import { demoImage, runCli } from './run-cli.ts';

/**
 * Every file the demo phone's export holds, read back by validators that share no code with
 * Lifeboat: vobject and python-icalendar (Debian), ical.js, exiftool, sha256sum.
 */
let dir: string;
let out: string;
const exports: Record<string, string> = {};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-demo-validate-'));
  out = path.join(dir, 'out');
  expect(runCli(['rescue', '--image', demoImage, '--vault', path.join(dir, 'vault')]).code).toBe(0);
  for (const version of ['3.0', '4.0']) {
    const target = version === '3.0' ? out : path.join(dir, 'out4');
    expect(runCli(['export', '--vault', path.join(dir, 'vault'), '--out', target, '--vcard', version]).code).toBe(0);
    exports[version] = fs.readFileSync(path.join(target, 'data/contacts/contacts.vcf'), 'utf8');
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the demo export, checked by independent validators', () => {
  it('contacts.vcf (3.0 and 4.0) passes vobject and ical.js, with CRLF and 75-octet lines', () => {
    for (const [version, text] of Object.entries(exports)) {
      expect(contentLineProblems(text), version).toEqual([]);
      const parsed = ICAL.parse(text) as unknown[];
      const cards = (Array.isArray(parsed[0]) ? parsed : [parsed]) as unknown[];
      expect(cards.length, version).toBe(12);
      for (const card of cards) {
        const fn = new ICAL.Component(card as never).getFirstPropertyValue('fn');
        expect(typeof fn === 'string' && fn.length > 0, `${version} FN`).toBe(true);
      }
    }
    // vobject is strict for 3.0 (it mangles 4.0 data: URIs, see research notes), so 3.0 here.
    const py = validateVCardsWithPython(exports['3.0']!);
    if (!py.ok) throw new Error(py.error);
    expect(py.items).toHaveLength(12);
    const allTel = py.items.flatMap((c) => c.tel);
    const allEmail = py.items.flatMap((c) => c.email);
    expect(allTel.length).toBeGreaterThan(5);
    expect(allEmail.length).toBeGreaterThan(5);
    expect(py.items.every((c) => c.fn.length === 1 && c.fn[0]!.length > 0)).toBe(true);
  });

  it('every .ics passes python-icalendar, vobject and ical.js, with a VTIMEZONE for every TZID', () => {
    const files = fs.readdirSync(path.join(out, 'data/calendar')).filter((f) => f.endsWith('.ics'));
    expect(files.length).toBe(2);
    let events = 0;
    for (const file of files) {
      const text = fs.readFileSync(path.join(out, 'data/calendar', file), 'utf8');
      expect(contentLineProblems(text), file).toEqual([]);
      const tz = timezoneCoverage(text);
      expect(tz.missing, file).toEqual([]);
      expect(tz.duplicated, file).toEqual([]);
      const py = validateICalendarWithPython(text);
      if (!py.ok) throw new Error(`${file}: ${py.error}`);
      events += py.items.length;
      const vcal = new ICAL.Component(ICAL.parse(text) as never);
      expect(vcal.getAllSubcomponents('vevent').length, file).toBe(py.items.length);
      for (const ev of vcal.getAllSubcomponents('vevent')) {
        expect(ev.getFirstPropertyValue('uid')).toBeTruthy();
        expect(ev.getFirstPropertyValue('dtstamp')).toBeTruthy();
      }
    }
    expect(events).toBe(10);
  });

  it('photos keep their bytes, get their capture month and time, and pass sha256sum -c', () => {
    const list = execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: out, encoding: 'utf8' });
    expect(list).not.toMatch(/FAILED/);
    const photosDir = path.join(out, 'data/photos');
    const photos = (fs.readdirSync(photosDir, { recursive: true }) as string[]).filter((p) => /\.(jpe?g|png|mp4)$/i.test(p));
    expect(photos.length).toBe(8);
    let withExif = 0;
    for (const rel of photos.filter((p) => /\.jpe?g$/i.test(p))) {
      const file = path.join(photosDir, rel);
      // exiftool is the oracle for what the camera recorded.
      const tags = JSON.parse(
        execFileSync('exiftool', ['-j', '-DateTimeOriginal', '-OffsetTimeOriginal', file], { encoding: 'utf8' }),
      )[0] as { DateTimeOriginal?: string; OffsetTimeOriginal?: string };
      if (!tags.DateTimeOriginal) continue;
      withExif++;
      const [date, time] = tags.DateTimeOriginal.split(' ') as [string, string];
      const [y, m] = date.split(':');
      expect(rel.startsWith(`${y}/${m}/`), rel).toBe(true);
      const wall = Date.parse(`${date.replace(/:/g, '-')}T${time}Z`);
      const offset = tags.OffsetTimeOriginal ? /^([+-])(\d\d):(\d\d)$/.exec(tags.OffsetTimeOriginal) : null;
      const expected = offset ? wall - (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000 : wall;
      expect(fs.statSync(file).mtimeMs, rel).toBe(expected);
    }
    expect(withExif).toBeGreaterThan(2);
  });
});
