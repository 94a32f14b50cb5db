/** A photo or a video found on the phone's shared storage. */
export interface MediaEntry {
  /** Path on the device, '/'-separated, relative to shared storage (e.g. "DCIM/Camera/IMG_1.jpg"). */
  path: string;
  size: number;
  /** Modification time on the device, UTC milliseconds. */
  mtimeMs: number;
  /** "image/jpeg", "video/mp4" ..., sniffed from the first bytes. */
  mediaType: string;
  kind: 'photo' | 'video';
}

/**
 * A file a source found where photos live, before its content is known: a source that can look
 * at a file's first bytes cheaply (a folder) gives a full MediaEntry; one that would pay a round
 * trip per file (a phone over ADB) leaves mediaType and kind out, and the rescue decides from the
 * first bytes of the transfer itself, dropping what is not a photo or a video.
 */
export type FoundMedia = Omit<MediaEntry, 'mediaType' | 'kind'> & Partial<Pick<MediaEntry, 'mediaType' | 'kind'>>;

/** When a photo was taken, and how we know. */
export interface CaptureTime {
  /** UTC milliseconds. */
  utcMillis: number;
  /** Offset from UTC in minutes when the camera recorded one; the local wall clock is utcMillis + offset. */
  offsetMinutes?: number;
  source: 'exif' | 'exif-no-offset' | 'device-mtime';
}
