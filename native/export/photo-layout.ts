import type { MediaRecord } from '../vault/vault.ts';
import { safeName } from './safe-name.ts';

export type PhotoLayout = 'by-date' | 'as-on-device';

/**
 * Where a photo goes inside data/photos/, before collisions are resolved: by the month it was
 * taken (the camera's own wall clock when it recorded an offset; UTC otherwise), or in the
 * phone's own folders. Every segment is made safe; nothing can climb out of the folder.
 */
export function photoPath(record: MediaRecord, layout: PhotoLayout): string[] {
  const segments = record.entry.path.split('/').filter((s) => s !== '' && s !== '.' && s !== '..');
  const fileName = safeName(segments.pop() ?? 'unnamed');
  if (layout === 'as-on-device') return [...segments.map((s) => safeName(s)), fileName];
  const wall = new Date(record.capture.utcMillis + (record.capture.offsetMinutes ?? 0) * 60_000);
  const year = String(wall.getUTCFullYear()).padStart(4, '0');
  const month = String(wall.getUTCMonth() + 1).padStart(2, '0');
  return [year, month, fileName];
}
