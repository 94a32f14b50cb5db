import { describe, expect, it } from 'vitest';
import { convertDateList, normalizeRecurrenceRule, parseIcalDateText } from './ical-recurrence.ts';
import { icalTimeValue, type IcalTime } from './ical-time.ts';

const BERLIN_START: IcalTime = {
  kind: 'zoned',
  tzid: 'Europe/Berlin',
  intlZone: 'Europe/Berlin',
  wall: { year: 2024, month: 1, day: 5, hour: 10, minute: 0, second: 0 },
  utcMillis: Date.UTC(2024, 0, 5, 9),
};
const UTC_START: IcalTime = { kind: 'utc', utcMillis: Date.UTC(2024, 0, 5, 9) };
const DATE_START: IcalTime = { kind: 'date', year: 2024, month: 1, day: 5 };

describe('normalizeRecurrenceRule', () => {
  it('passes a valid Android rule through, FREQ first', () => {
    expect(normalizeRecurrenceRule('FREQ=WEEKLY;BYDAY=SU,FR,SA;UNTIL=20100326T190000Z;WKST=MO', BERLIN_START)).toEqual({
      value: 'FREQ=WEEKLY;BYDAY=SU,FR,SA;UNTIL=20100326T190000Z;WKST=MO',
      notes: [],
    });
    expect(normalizeRecurrenceRule('WKST=SU;BYDAY=TU;FREQ=WEEKLY', BERLIN_START).value).toBe('FREQ=WEEKLY;WKST=SU;BYDAY=TU');
  });

  it('accepts a leading RRULE:, lower case and stray semicolons', () => {
    expect(normalizeRecurrenceRule('RRULE:freq=daily;;interval=2;', UTC_START).value).toBe('FREQ=DAILY;INTERVAL=2');
  });

  it('puts a floating UNTIL into UTC through DTSTART’s zone', () => {
    const r = normalizeRecurrenceRule('FREQ=DAILY;UNTIL=20240110T100000', BERLIN_START);
    expect(r.value).toBe('FREQ=DAILY;UNTIL=20240110T090000Z');
    expect(r.notes[0]).toMatch(/UNTIL/);
  });

  it('turns a DATE UNTIL on a timed series into the end of that day, UTC', () => {
    expect(normalizeRecurrenceRule('FREQ=DAILY;UNTIL=20240710', BERLIN_START).value).toBe('FREQ=DAILY;UNTIL=20240710T215959Z');
    expect(normalizeRecurrenceRule('FREQ=DAILY;UNTIL=20240710', UTC_START).value).toBe('FREQ=DAILY;UNTIL=20240710T235959Z');
  });

  it('makes UNTIL a DATE when DTSTART is a DATE', () => {
    expect(normalizeRecurrenceRule('FREQ=YEARLY;UNTIL=20300101T000000Z', DATE_START).value).toBe('FREQ=YEARLY;UNTIL=20300101');
    expect(normalizeRecurrenceRule('FREQ=YEARLY;UNTIL=20300101T235959', DATE_START).value).toBe('FREQ=YEARLY;UNTIL=20300101');
  });

  it('drops COUNT when UNTIL is also given (RFC 5545 forbids both)', () => {
    const r = normalizeRecurrenceRule('FREQ=DAILY;COUNT=5;UNTIL=20240110T000000Z', UTC_START);
    expect(r.value).toBe('FREQ=DAILY;UNTIL=20240110T000000Z');
    expect(r.notes).toContain('COUNT dropped because UNTIL is given');
  });

  it('drops X- parts but keeps the rule', () => {
    expect(normalizeRecurrenceRule('FREQ=DAILY;X-NAME=1', UTC_START)).toEqual({ value: 'FREQ=DAILY', notes: ['dropped extension part X-NAME'] });
  });

  it.each([
    'BYDAY=MO',
    'FREQ=FORTNIGHTLY',
    'FREQ=DAILY;FREQ=WEEKLY',
    'FREQ=WEEKLY;BYDAY=XX',
    'FREQ=MONTHLY;BYMONTHDAY=32',
    'FREQ=DAILY;INTERVAL=0',
    'FREQ=DAILY;COUNT=-1',
    'FREQ=DAILY;UNTIL=tomorrow',
    'FREQ=DAILY;RSCALE=HEBREW',
    'garbage',
  ])('refuses %j', (rule) => {
    const r = normalizeRecurrenceRule(rule, UTC_START);
    expect(r.value).toBeUndefined();
    expect(r.notes.length).toBeGreaterThan(0);
  });
});

describe('parseIcalDateText', () => {
  it('reads the three forms and refuses impossible dates', () => {
    expect(parseIcalDateText('20240101')).toEqual({ kind: 'date', date: { year: 2024, month: 1, day: 1 } });
    expect(parseIcalDateText('20240101T100000Z')).toEqual({ kind: 'utc', utcMillis: Date.UTC(2024, 0, 1, 10) });
    expect(parseIcalDateText('20240101T100000')?.kind).toBe('floating');
    expect(parseIcalDateText('20230229')).toBeUndefined();
    expect(parseIcalDateText('20240101T250000')).toBeUndefined();
  });
});

describe('convertDateList', () => {
  const values = (entries: string[], start: IcalTime) => convertDateList(entries, start).values.map((v) => [v.kind, icalTimeValue(v)]);

  it('puts UTC, floating and zoned values into DTSTART’s zone', () => {
    expect(values(['20240112T090000Z', 'Europe/Berlin;20240119T100000', 'America/New_York;20240126T040000'], BERLIN_START)).toEqual([
      ['zoned', '20240112T100000'],
      ['zoned', '20240119T100000'],
      ['zoned', '20240126T100000'],
    ]);
  });

  it('reads a floating value without TZID as UTC, as Android does', () => {
    expect(values(['20240112T090000'], BERLIN_START)).toEqual([['zoned', '20240112T100000']]);
  });

  it('splits lines and commas, drops duplicates and unreadable values with a note', () => {
    const r = convertDateList(['20240112T090000Z,20240112T090000Z\n20240119T090000Z,2024-01-26,20240101T100000Z/PT1H'], UTC_START);
    expect(r.values.map(icalTimeValue)).toEqual(['20240112T090000Z', '20240119T090000Z']);
    expect(r.notes).toHaveLength(2);
  });

  it('gives DATEs for a DATE series, the UTC day of Android’s midnight values', () => {
    expect(values(['20240112T000000Z,20240119', 'UTC;20240126T000000'], DATE_START)).toEqual([
      ['date', '20240112'],
      ['date', '20240119'],
      ['date', '20240126'],
    ]);
  });

  it('takes a DATE on a timed series as the instance of that day at DTSTART’s time', () => {
    expect(values(['20240112'], BERLIN_START)).toEqual([['zoned', '20240112T100000']]);
    expect(values(['20240112'], UTC_START)).toEqual([['utc', '20240112T090000Z']]);
  });

  it('also reads RFC 5545 property lines', () => {
    expect(values(['EXDATE;TZID=America/New_York:20240126T040000,20240202T040000'], BERLIN_START)).toEqual([
      ['zoned', '20240126T100000'],
      ['zoned', '20240202T100000'],
    ]);
  });

  it('reads an unknown zone as UTC and says so', () => {
    const r = convertDateList(['Mars/Base;20240112T090000'], UTC_START);
    expect(r.values.map(icalTimeValue)).toEqual(['20240112T090000Z']);
    expect(r.notes[0]).toMatch(/unknown time zone/);
  });
});
