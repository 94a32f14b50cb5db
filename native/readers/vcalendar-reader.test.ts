import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertVCal1Rule, readVCalendar } from './vcalendar-reader.ts';

const demo = path.resolve(import.meta.dirname, '../../images/demo-mtp/storage/Calendar');

describe('vCalendar 1.0 and iCalendar reader', () => {
  it('reads the demo phone’s vCalendar 1.0: TZ offset, quoted-printable, 1.0 recurrence, AALARM; leaves the to-do out', () => {
    const events = readVCalendar(fs.readFileSync(path.join(demo, 'calendar.vcs')), { sourceKeyPrefix: 'Calendar/calendar.vcs', calendarName: 'calendar' });
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({
      sourceKey: 'uid:demo-mtp-1',
      title: 'Hammaslääkäri',
      location: 'Mannerheimintie 5',
      start: { kind: 'instant', utcMillis: Date.UTC(2024, 5, 12, 7, 0, 0) },
      end: { kind: 'instant', utcMillis: Date.UTC(2024, 5, 12, 7, 30, 0) },
      reminders: [{ minutes: 15, method: 'alarm' }],
    });
    expect(events[1]!.rrule).toEqual(['FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10']);
  });

  it('reads iCalendar: all-day dates, TZID, DURATION, VALARM, escapes', () => {
    const events = readVCalendar(fs.readFileSync(path.join(demo, 'holidays.ics')), { sourceKeyPrefix: 'h', calendarName: 'holidays' });
    expect(events.map((e) => e.calendar.displayName)).toEqual(['Holidays', 'Holidays']);
    expect(events[0]).toMatchObject({ allDay: true, start: { kind: 'date', year: 2024, month: 6, day: 21 }, end: { kind: 'date', year: 2024, month: 6, day: 22 } });
    expect(events[1]).toMatchObject({
      title: 'Concert, with friends',
      start: { kind: 'instant', utcMillis: Date.UTC(2024, 6, 15, 16, 0, 0), timeZone: 'Europe/Helsinki' },
      duration: 'PT2H',
      reminders: [{ minutes: 30, method: 'alert' }],
    });
  });

  it('reports an event it cannot read instead of dropping it in silence', () => {
    const skipped: string[] = [];
    const text = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:No start\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Bad start\r\nDTSTART:tomorrow\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';
    expect(readVCalendar(Buffer.from(text), { sourceKeyPrefix: 'x', calendarName: 'x', onSkip: (r) => skipped.push(r) })).toEqual([]);
    expect(skipped).toEqual([expect.stringMatching(/"No start" left out: it has no DTSTART/), expect.stringMatching(/"Bad start" left out: its start "tomorrow" is not a date/)]);
  });

  it('turns vCalendar 1.0 recurrence into RFC 5545', () => {
    expect(convertVCal1Rule('D1 #5')).toBe('FREQ=DAILY;COUNT=5');
    expect(convertVCal1Rule('W2 MO TU #0')).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU');
    expect(convertVCal1Rule('MD1 15 #12')).toBe('FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12');
    expect(convertVCal1Rule('MP1 1+ MO #0')).toBe('FREQ=MONTHLY;BYDAY=1MO');
    expect(convertVCal1Rule('YM1 6 20301231T000000Z')).toBe('FREQ=YEARLY;BYMONTH=6;UNTIL=20301231T000000Z');
    expect(convertVCal1Rule('nonsense')).toBeUndefined();
  });
});
