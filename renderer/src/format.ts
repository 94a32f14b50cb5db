/** Numbers for people, in the window's words. */

export function formatSize(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatSize(bytesPerSecond)}/s`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'working out…';
  if (seconds < 1) return 'less than a second';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatCount(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

export const CATEGORY_NAMES = { contacts: 'Contacts', calendar: 'Calendar', photos: 'Photos and videos' } as const;

/** Making a formatter costs far more than using one: the photo grid formats a hundred dates a frame. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function formatDate(ms: number, opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
  const key = JSON.stringify(opts);
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat('en-GB', opts)));
  return f.format(new Date(ms));
}

/**
 * What a source is called on every screen: a phone by its maker and model, an iPhone backup as
 * "iPhone backup of Lena’s iPhone, 1 Oct 2024, encrypted" (a backup is not the phone itself).
 */
export function sourceTitle(d: { manufacturer: string; model: string; backup?: { deviceName: string | null; madeMs: number | null; encrypted: boolean } }): string {
  if (!d.backup) return `${d.manufacturer} ${d.model}`;
  const parts = [`iPhone backup of ${d.backup.deviceName ?? d.model}`];
  if (d.backup.madeMs !== null) parts.push(formatDate(d.backup.madeMs));
  if (d.backup.encrypted) parts.push('encrypted');
  return parts.join(', ');
}
