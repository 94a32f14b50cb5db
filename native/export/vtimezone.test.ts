import ICAL from 'ical.js';
import { tzlib_get_timezones } from 'timezones-ical-library';
import { describe, expect, it } from 'vitest';
import { contentLineProblems } from '../../test/validators/content-checks.ts';
import { resolveZone, VTimezoneRules } from './vtimezone.ts';
import { offsetMillisAt, utcFromWallClock, wallClockAt } from './wall-clock.ts';

const H = 3_600_000;
const wall = (year: number, month: number, day: number, hour: number, minute = 0, second = 0) => ({ year, month, day, hour, minute, second });

describe('wall clock from Intl', () => {
  it('knows offsets, including half hours and historical seconds', () => {
    expect(offsetMillisAt('Europe/Berlin', Date.UTC(2024, 0, 1))).toBe(H);
    expect(offsetMillisAt('Europe/Berlin', Date.UTC(2024, 6, 1))).toBe(2 * H);
    expect(offsetMillisAt('Asia/Kolkata', Date.UTC(2024, 0, 1))).toBe(5.5 * H);
    expect(offsetMillisAt('UTC', 0)).toBe(0);
    expect(offsetMillisAt('Nowhere/Special', 0)).toBeUndefined();
    expect(offsetMillisAt('Europe/Berlin', Date.UTC(1850, 0, 1))).toBe((53 * 60 + 28) * 1000);
  });

  it('gives the wall clock on both sides of a DST change', () => {
    expect(wallClockAt('Europe/Berlin', Date.UTC(2024, 2, 31, 0, 59, 59))).toEqual(wall(2024, 3, 31, 1, 59, 59));
    expect(wallClockAt('Europe/Berlin', Date.UTC(2024, 2, 31, 1, 0, 0))).toEqual(wall(2024, 3, 31, 3, 0, 0));
    expect(wallClockAt('Europe/Berlin', Date.UTC(2024, 2, 31, 1, 30))).toEqual(wall(2024, 3, 31, 3, 30));
  });

  it('reads a wall clock as RFC 5545 says: first of a repeated hour, the old offset in a gap', () => {
    // 02:30 on 27 Oct 2024 happens twice in Berlin: first at +02:00.
    expect(utcFromWallClock('Europe/Berlin', wall(2024, 10, 27, 2, 30))).toBe(Date.UTC(2024, 9, 27, 0, 30));
    // 02:30 on 31 Mar 2024 does not exist: read with +01:00, the offset before the gap.
    expect(utcFromWallClock('Europe/Berlin', wall(2024, 3, 31, 2, 30))).toBe(Date.UTC(2024, 2, 31, 1, 30));
    expect(utcFromWallClock('America/New_York', wall(2024, 7, 4, 12))).toBe(Date.UTC(2024, 6, 4, 16));
  });

  it('uses the proleptic Gregorian calendar far back (ICU itself switches to Julian)', () => {
    expect(wallClockAt('UTC', Date.UTC(1500, 0, 1))).toEqual(wall(1500, 1, 1, 0));
  });
});

describe('resolveZone', () => {
  it('gives the library block under its own TZID, aliases resolved', () => {
    const kolkata = resolveZone('Asia/Calcutta');
    expect(kolkata.kind === 'zone' && kolkata.tzid).toBe('Asia/Kolkata');
    const la = resolveZone('US/Pacific');
    expect(la.kind === 'zone' && la.tzid).toBe('America/Los_Angeles');
    const berlin = resolveZone('Europe/Berlin');
    if (berlin.kind !== 'zone') throw new Error('Europe/Berlin must resolve');
    expect(berlin.block.startsWith('BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n')).toBe(true);
    expect(berlin.block.endsWith('END:VTIMEZONE\r\n')).toBe(true);
    expect(contentLineProblems(berlin.block)).toEqual([]);
  });

  it('accepts a zone name in other case, as Intl does', () => {
    const r = resolveZone('europe/berlin');
    expect(r.kind === 'zone' && r.tzid).toBe('Europe/Berlin');
  });

  it('maps the UTC names to the Z form', () => {
    for (const id of ['UTC', 'utc', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Zulu', 'Universal', 'Etc/GMT+0', 'Z']) {
      expect(resolveZone(id).kind, id).toBe('utc');
    }
  });

  it('calls unknown what neither the library nor Intl knows', () => {
    expect(resolveZone('Mars/Olympus_Mons')).toEqual({ kind: 'unknown', id: 'Mars/Olympus_Mons' });
    expect(resolveZone('')).toEqual({ kind: 'unknown', id: '' });
    expect(resolveZone(undefined).kind).toBe('unknown');
  });
});

describe('VTimezoneRules', () => {
  it('parses every block the library has', () => {
    const failures = (tzlib_get_timezones() as string[]).filter((z) => {
      const r = resolveZone(z);
      return r.kind === 'zone' && r.rules === undefined;
    });
    expect(failures).toEqual([]);
  });

  it('agrees with Intl in 2024-2026 for zones whose current rules are old', () => {
    for (const z of ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Europe/London', 'Pacific/Chatham', 'Australia/Lord_Howe']) {
      const r = resolveZone(z);
      if (r.kind !== 'zone' || !r.rules) throw new Error(z);
      for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2027, 0, 1); t += 5 * H + 17 * 60_000) {
        expect(r.rules.offsetAt(t), `${z} ${new Date(t).toISOString()}`).toBe(offsetMillisAt(z, t));
      }
    }
  });

  it('agrees with ical.js reading the same block, for every zone (away from the change itself)', () => {
    // ical.js converts from UTC with the offset of the UTC wall clock, which is off in the hours
    // next to a change; those samples are skipped, the day of every change is still checked.
    const seen = new Set<string>();
    let compared = 0;
    for (const z of tzlib_get_timezones() as string[]) {
      const r = resolveZone(z);
      if (r.kind !== 'zone' || !r.rules || seen.has(r.tzid)) continue;
      seen.add(r.tzid);
      const tz = new ICAL.Timezone(new ICAL.Component(ICAL.parse(r.block)));
      for (let t = Date.UTC(2025, 0, 1, 12); t < Date.UTC(2027, 0, 1); t += 2 * 24 * H) {
        const ours = r.rules.offsetAt(t);
        if (ours !== r.rules.offsetAt(t - 26 * H) || ours !== r.rules.offsetAt(t + 26 * H)) continue;
        const theirs = ICAL.Time.fromJSDate(new Date(t), true).convertToZone(tz).utcOffset() * 1000;
        expect(ours, `${r.tzid} ${new Date(t).toISOString()}`).toBe(theirs);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100_000);
  });

  it('says nothing before the first onset, where clients disagree', () => {
    const r = resolveZone('Europe/Berlin');
    if (r.kind !== 'zone' || !r.rules) throw new Error();
    expect(r.rules.offsetAt(Date.UTC(1965, 5, 1))).toBeUndefined();
    expect(r.rules.offsetAt(Date.UTC(1970, 5, 1))).toBe(2 * H);
  });

  it('reads wall clocks with the RFC 5545 rules too', () => {
    const rules = VTimezoneRules.parse(
      [
        'BEGIN:VTIMEZONE',
        'TZID:Test',
        'BEGIN:DAYLIGHT',
        'TZOFFSETFROM:+0100',
        'TZOFFSETTO:+0200',
        'DTSTART:19700329T020000',
        'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
        'END:DAYLIGHT',
        'BEGIN:STANDARD',
        'TZOFFSETFROM:+0200',
        'TZOFFSETTO:+0100',
        'DTSTART:19701025T030000',
        'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
        'END:STANDARD',
        'END:VTIMEZONE',
      ].join('\r\n'),
    )!;
    expect(rules.utcFromWallClock(wall(2024, 10, 27, 2, 30))).toBe(Date.UTC(2024, 9, 27, 0, 30));
    expect(rules.utcFromWallClock(wall(2024, 3, 31, 2, 30))).toBe(Date.UTC(2024, 2, 31, 1, 30));
    expect(rules.utcFromWallClock(wall(2024, 3, 31, 3, 30))).toBe(Date.UTC(2024, 2, 31, 1, 30));
  });

  it('declines shapes it does not model', () => {
    expect(VTimezoneRules.parse('BEGIN:VTIMEZONE\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nDTSTART:19700101T000000\r\nRDATE:19800101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE')).toBeUndefined();
    expect(VTimezoneRules.parse('BEGIN:VTIMEZONE\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nDTSTART:19700101T000000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU\r\nEND:STANDARD\r\nEND:VTIMEZONE')).toBeUndefined();
  });
});
