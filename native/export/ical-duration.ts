/**
 * Durations as phones store them, made into RFC 5545 dur-values.
 *
 * Android's calendar provider writes durations with its own lenient parser in mind, which
 * ignores `T` and reads `M` as minutes: "P3600S", "P90M", "P1D", "P1DT2H". RFC 5545 wants
 * `(+/-)P` then weeks alone, or days, then `T` with hours, minutes, seconds in that order.
 */

export interface DurationParts {
  negative: boolean;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const UNIT_ORDER = 'WDHMS';

/** Reads a duration the way Android does (any `T`, `M` = minutes); undefined for anything else. */
export function parseDuration(s: string): DurationParts | undefined {
  const m = /^([+-])?P((?:T?\d+[WDHMS])+)T?$/i.exec(s.trim());
  if (!m) return undefined;
  const parts: DurationParts = { negative: m[1] === '-', weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  const seen = new Set<string>();
  let lastUnit = -1;
  let sawTime = false;
  for (const [, t, digits, unit] of m[2]!.matchAll(/(T?)(\d+)([WDHMS])/gi)) {
    const u = unit!.toUpperCase();
    if (seen.has(u)) return undefined;
    seen.add(u);
    // Units out of order ("P1S2H") or a T before days are not something any writer means.
    const order = UNIT_ORDER.indexOf(u);
    if (order < lastUnit) return undefined;
    lastUnit = order;
    if (t) {
      if (sawTime || order < 2) return undefined;
      sawTime = true;
    }
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) return undefined;
    if (u === 'W') parts.weeks = n;
    else if (u === 'D') parts.days = n;
    else if (u === 'H') parts.hours = n;
    else if (u === 'M') parts.minutes = n;
    else parts.seconds = n;
  }
  return parts;
}

/**
 * The RFC 5545 form of a phone's duration: `P3600S` → `PT3600S`, `P90M` → `PT90M`, `P1DT2H` and
 * `P2W` kept, weeks mixed with other units folded into days. The units the source used are kept
 * (no `PT1H` for `P3600S`), and `0M` is inserted where the grammar needs it (`PT1H0M30S`).
 * Undefined for anything that is not a duration.
 */
export function normalizeDuration(s: string): string | undefined {
  const p = parseDuration(s);
  return p ? formatDuration(p) : undefined;
}

export function formatDuration(p: DurationParts): string {
  const sign = p.negative ? '-' : '';
  const hasTime = p.hours > 0 || p.minutes > 0 || p.seconds > 0;
  if (p.weeks > 0 && p.days === 0 && !hasTime) return `${sign}P${p.weeks}W`;
  const days = p.weeks * 7 + p.days;
  let out = `${sign}P${days > 0 ? `${days}D` : ''}`;
  if (hasTime) {
    out += 'T';
    if (p.hours > 0) out += `${p.hours}H`;
    if (p.minutes > 0 || (p.hours > 0 && p.seconds > 0)) out += `${p.minutes}M`;
    if (p.seconds > 0) out += `${p.seconds}S`;
  } else if (days === 0) {
    out += 'T0S';
  }
  return out;
}

/** Length in seconds (negative for a negative duration). */
export function durationSeconds(p: DurationParts): number {
  const s = ((p.weeks * 7 + p.days) * 24 + p.hours) * 3600 + p.minutes * 60 + p.seconds;
  return p.negative ? -s : s;
}
