/**
 * The validators themselves: they must fail what is known to be invalid (a validator that
 * accepts everything would make every exporter test pass), and must not be skippable.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentLineProblems, timezoneCoverage } from './content-checks.ts';
import { validateICalendarWithPython, validateVCardsWithPython } from './python-validators.ts';

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

const GOOD_CARD = crlf('BEGIN:VCARD', 'VERSION:3.0', 'FN:Ann Lee', 'N:Lee;Ann;;;', 'TEL;TYPE=CELL:+1 555\\, 0100', 'EMAIL:ann@example.com', 'NOTE:a\\nb\\; c', 'END:VCARD');
const event = (...props: string[]): string =>
  crlf('BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', ...props, 'END:VEVENT', 'END:VCALENDAR');

describe('python validators', () => {
  it('decode a valid card', () => {
    const r = validateVCardsWithPython(GOOD_CARD);
    if (!r.ok) throw new Error(r.error);
    expect(r.items[0]).toMatchObject({ fn: ['Ann Lee'], n: { family: 'Lee', given: 'Ann' }, tel: ['+1 555, 0100'], email: ['ann@example.com'], note: ['a\nb; c'] });
  });

  it('reject a card without FN (what Android writes for e-mail-only contacts)', () => {
    const r = validateVCardsWithPython(crlf('BEGIN:VCARD', 'VERSION:3.0', 'N:;;;;', 'EMAIL:a@example.com', 'END:VCARD'));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/FN/);
  });

  it('reject a BOM', () => {
    expect(validateVCardsWithPython(`\ufeff${GOOD_CARD}`).ok).toBe(false);
  });

  it('decode a valid event', () => {
    const r = validateICalendarWithPython(event('UID:1', 'DTSTAMP:20240101T000000Z', 'DTSTART;VALUE=DATE:20240229', 'SUMMARY:Leap\\, day'));
    if (!r.ok) throw new Error(r.error);
    expect(r.items[0]).toMatchObject({ uid: '1', summary: 'Leap, day', dtstart: { value: '2024-02-29', isDate: true } });
  });

  it('reject an event without DTSTAMP (vobject)', () => {
    const r = validateICalendarWithPython(event('UID:1', 'DTSTART:20240101T000000Z'));
    expect(!r.ok && r.error).toMatch(/DTSTAMP/);
  });

  it('reject Android’s P3600S duration (python-icalendar)', () => {
    const r = validateICalendarWithPython(event('UID:1', 'DTSTAMP:20240101T000000Z', 'DTSTART:20240101T000000Z', 'DURATION:P3600S'));
    expect(!r.ok && r.error).toMatch(/P3600S/);
  });

  it('fail loudly, with the install command, when the modules are missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-python-'));
    try {
      const fake = path.join(dir, 'python3');
      fs.writeFileSync(fake, '#!/bin/sh\necho "missing module: No module named \'vobject\'"\nexit 3\n', { mode: 0o755 });
      expect(() => validateVCardsWithPython(GOOD_CARD, fake)).toThrow(/apt-get install python3-vobject python3-icalendar/);
      expect(() => validateICalendarWithPython(GOOD_CARD, path.join(dir, 'absent'))).toThrow(/apt-get install python3-vobject python3-icalendar/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('content checks', () => {
  it('pass a clean text', () => {
    expect(contentLineProblems(GOOD_CARD)).toEqual([]);
  });

  it('catch bare LF, bare CR, long lines, a BOM, a missing final CRLF', () => {
    expect(contentLineProblems('A:1\nB:2\r\n')).toEqual(['line 1: bare LF']);
    expect(contentLineProblems('A:1\rB:2\r\n')).toContain('line 1: bare CR');
    expect(contentLineProblems(`A:${'x'.repeat(74)}\r\n`)).toEqual(['line 1: 76 octets']);
    expect(contentLineProblems(`\ufeffA:1\r\n`)).toContain('starts with a BOM');
    expect(contentLineProblems('A:1')).toContain('does not end with CRLF');
  });

  it('catch a fold between the halves of a surrogate pair', () => {
    const split = `A:${'x'.repeat(70)}\ud83d\r\n \ude00\r\n`;
    expect(contentLineProblems(split)).toContain('text does not survive UTF-8 encoding (lone surrogate?)');
  });

  it('find missing, duplicated and unused VTIMEZONEs', () => {
    const ics = crlf(
      'BEGIN:VCALENDAR',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'END:VTIMEZONE',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'END:VTIMEZONE',
      'BEGIN:VTIMEZONE',
      'TZID:Asia/Tokyo',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'DTSTART;TZID=Europe/Berlin:20240101T100000',
      'EXDATE;TZID="America/New_York":20240101T100000',
      'DESCRIPTION:not a param;TZID=Fake/Zone',
      'END:VEVENT',
      'END:VCALENDAR',
    );
    expect(timezoneCoverage(ics)).toEqual({
      used: ['America/New_York', 'Europe/Berlin'],
      defined: ['Asia/Tokyo', 'Europe/Berlin', 'Europe/Berlin'],
      missing: ['America/New_York'],
      duplicated: ['Europe/Berlin'],
      unused: ['Asia/Tokyo'],
    });
  });
});
