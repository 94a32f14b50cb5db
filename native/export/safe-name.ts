/**
 * File and folder names that every common file system accepts and every BagIt tool reads the
 * same way: no separators, control characters or `%` (BagIt tools disagree on percent-encoding),
 * none of Windows' reserved names or trailing dots and spaces, NFC (macOS hands out NFD), and at
 * most 200 bytes of UTF-8.
 */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f<>:"/\\|?*%\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const MAX_NAME_BYTES = 200;

export function safeName(name: string, fallback = 'unnamed'): string {
  let out = name.normalize('NFC').replace(UNSAFE_CHARS, '_');
  out = out.trim().replace(/^\.+/, (dots) => '_'.repeat(dots.length)).replace(/[\s.]+$/, '');
  if (out === '') out = fallback;
  const dot = out.lastIndexOf('.');
  const stem = dot > 0 ? out.slice(0, dot) : out;
  if (WINDOWS_RESERVED.test(stem)) out = `_${out}`;
  return truncateUtf8(out, MAX_NAME_BYTES);
}

/** Shortens a name to at most `maxBytes` of UTF-8, keeping its extension and never cutting a character. */
export function truncateUtf8(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name) <= maxBytes) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : '';
  let stem = ext ? name.slice(0, dot) : name;
  const budget = maxBytes - Buffer.byteLength(ext);
  while (Buffer.byteLength(stem) > budget) stem = Array.from(stem).slice(0, -1).join('');
  return stem + ext;
}

/** "IMG.jpg" → "IMG (1).jpg": how a collision of different bytes gets its own name. */
export function withSuffix(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)} (${n})${name.slice(dot)}` : `${name} (${n})`;
}

/** The key two names collide under on a case-insensitive file system (Windows, macOS). */
export function collisionKey(relPath: string): string {
  return relPath.normalize('NFC').toLowerCase();
}
