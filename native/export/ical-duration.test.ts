import { describe, expect, it } from 'vitest';
import { normalizeDuration, parseDuration } from './ical-duration.ts';
import { normalizeDuration as fromIcalendar } from './icalendar.ts';

describe('normalizeDuration', () => {
  it('is exported from icalendar.ts too', () => {
    expect(fromIcalendar).toBe(normalizeDuration);
  });

  it.each([
    // Android's provider: seconds and minutes without T
    ['P3600S', 'PT3600S'],
    ['P90M', 'PT90M'],
    ['P1800S', 'PT1800S'],
    // already valid: kept as they are
    ['PT1H', 'PT1H'],
    ['PT3600S', 'PT3600S'],
    ['P1D', 'P1D'],
    ['P1DT2H', 'P1DT2H'],
    ['P1DT2H30M', 'P1DT2H30M'],
    ['P2W', 'P2W'],
    ['-PT15M', '-PT15M'],
    ['+PT15M', 'PT15M'],
    ['PT0S', 'PT0S'],
    ['P0D', 'PT0S'],
    // needs a 0M between hours and seconds (RFC 5545 dur-hour = H [dur-minute])
    ['PT1H30S', 'PT1H0M30S'],
    ['P1H30S', 'PT1H0M30S'],
    // weeks cannot be combined with other units in RFC 5545
    ['P1W2D', 'P9D'],
    ['P1WT1H', 'P7DT1H'],
    // lower case and surrounding spaces
    [' p1dt1h ', 'P1DT1H'],
    ['P1DT', 'P1D'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDuration(input)).toBe(expected);
  });

  it.each(['', 'P', 'PT', '3600', 'P1Y', 'P1.5H', 'P1H1H', 'PT1D', 'P1S2H', 'P-1D', 'PT1H garbage', 'P1DT2HT3M', '1 hour', 'P99999999999999999999S'])(
    'rejects %j',
    (input) => {
      expect(normalizeDuration(input)).toBeUndefined();
    },
  );

  it('parses into parts with the sign', () => {
    expect(parseDuration('-P1DT2H3M4S')).toEqual({ negative: true, weeks: 0, days: 1, hours: 2, minutes: 3, seconds: 4 });
  });
});
