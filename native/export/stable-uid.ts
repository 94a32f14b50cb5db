import { createHash } from 'node:crypto';

/**
 * A UUID that is the same every time for the same phone and item, so that exporting twice, or
 * importing twice into another app, updates instead of duplicating. Shaped as an RFC 9562
 * version-8 (custom) UUID made from SHA-256.
 */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
