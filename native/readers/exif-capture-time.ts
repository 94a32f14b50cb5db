import exifr from 'exifr';
import type { CaptureTime } from '../model/media.ts';

/** How many leading bytes of a file are kept to find its EXIF block (JPEG APP1 is at most 64 KiB, near the start). */
export const CAPTURE_TIME_HEAD_BYTES = 256 * 1024;

/**
 * When a photo was taken: EXIF DateTimeOriginal with OffsetTimeOriginal when the camera wrote it;
 * else the device's modification time. Dates are built here from the raw EXIF text, because a
 * parser that builds them itself applies the machine's own time zone.
 */
export async function captureTimeOf(head: Uint8Array, deviceMtimeMs: number): Promise<CaptureTime> {
  let tags: Record<string, unknown> | undefined;
  try {
    tags = (await exifr.parse(Buffer.from(head.buffer, head.byteOffset, head.byteLength), {
      pick: ['DateTimeOriginal', 'OffsetTimeOriginal', 'CreateDate', 'OffsetTimeDigitized', 'OffsetTime'],
      reviveValues: false,
    })) as Record<string, unknown> | undefined;
  } catch {
    tags = undefined; // a broken EXIF block is not a reason to lose the photo
  }
  const wall = parseExifDateTime(tags?.DateTimeOriginal) ?? parseExifDateTime(tags?.CreateDate);
  if (wall !== undefined) {
    const offset =
      parseExifOffset(tags?.OffsetTimeOriginal) ?? parseExifOffset(tags?.OffsetTimeDigitized) ?? parseExifOffset(tags?.OffsetTime);
    if (offset !== undefined) return { utcMillis: wall - offset * 60_000, offsetMinutes: offset, source: 'exif' };
    // Without an offset the camera's clock is all we know: keep its wall time, read as UTC.
    return { utcMillis: wall, source: 'exif-no-offset' };
  }
  return { utcMillis: deviceMtimeMs, source: 'device-mtime' };
}

/** 'YYYY:MM:DD HH:MM:SS' (EXIF) → the wall-clock time as if it were UTC, in ms. */
export function parseExifDateTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** '+02:00' / '-05:30' → minutes east of UTC. */
export function parseExifOffset(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  if (minutes > 14 * 60) return undefined;
  return m[1] === '-' ? -minutes : minutes;
}
