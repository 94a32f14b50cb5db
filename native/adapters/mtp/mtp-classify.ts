import { Format } from '../../protocols/mtp/mtp-codes.ts';

/**
 * What an MTP object is for a rescue, from its object format and, where the format says nothing
 * (0x3000 "undefined": QEMU's responder, many cameras and feature phones), its file name. The
 * bytes are checked again when a photo is read (mtp-source.ts), so a text file named .jpg does
 * not end up among the photos.
 */
export type ObjectKind =
  | { category: 'media'; kind: 'photo' | 'video'; mediaType: string }
  /** Format "undefined" and a name that says nothing: what it is, its first bytes tell (the rescue sniffs them). */
  | { category: 'media'; kind?: undefined; mediaType?: undefined }
  | { category: 'contacts' }
  | { category: 'calendar' };

const PHOTO_FORMATS: Record<number, string> = {
  [Format.EXIF_JPEG]: 'image/jpeg',
  [Format.JFIF]: 'image/jpeg',
  [Format.PNG]: 'image/png',
  [Format.GIF]: 'image/gif',
  [Format.BMP]: 'image/bmp',
  [Format.TIFF]: 'image/tiff',
  [Format.TIFF_EP]: 'image/tiff',
  [Format.DNG]: 'image/x-adobe-dng',
  [Format.HEIF]: 'image/heic',
  [Format.JP2]: 'image/jp2',
  [Format.JPX]: 'image/jpx',
};

const VIDEO_FORMATS: Record<number, string> = {
  [Format.AVI]: 'video/x-msvideo',
  [Format.MPEG]: 'video/mpeg',
  [Format.ASF]: 'video/x-ms-asf',
  [Format.QuickTime]: 'video/quicktime',
  [Format.WMV]: 'video/x-ms-wmv',
  [Format.MP4Container]: 'video/mp4',
  [Format.ThreeGPContainer]: 'video/3gpp',
};

const PHOTO_EXTENSIONS: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  avif: 'image/avif',
  jxl: 'image/jxl',
  dng: 'image/x-adobe-dng',
  cr2: 'image/x-canon-cr2',
  cr3: 'image/x-canon-cr3',
  nef: 'image/x-nikon-nef',
  nrw: 'image/x-nikon-nrw',
  arw: 'image/x-sony-arw',
  orf: 'image/x-olympus-orf',
  rw2: 'image/x-panasonic-rw2',
  pef: 'image/x-pentax-pef',
};

const VIDEO_EXTENSIONS: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/x-m4v',
  mov: 'video/quicktime',
  '3gp': 'video/3gpp',
  '3g2': 'video/3gpp2',
  avi: 'video/x-msvideo',
  mkv: 'video/x-matroska',
  webm: 'video/webm',
  mpg: 'video/mpeg',
  mpeg: 'video/mpeg',
  wmv: 'video/x-ms-wmv',
  asf: 'video/x-ms-asf',
  flv: 'video/x-flv',
};

export function classifyObject(format: number, fileName: string): ObjectKind | undefined {
  if (format === Format.vCard2 || format === Format.vCard3) return { category: 'contacts' };
  if (format === Format.vCalendar1 || format === Format.vCalendar2) return { category: 'calendar' };
  const photo = PHOTO_FORMATS[format];
  if (photo) return { category: 'media', kind: 'photo', mediaType: refinePhoto(photo, fileName) };
  const video = VIDEO_FORMATS[format];
  if (video) return { category: 'media', kind: 'video', mediaType: VIDEO_EXTENSIONS[extensionOf(fileName)] ?? video };
  // A format that names something else (audio, text, a playlist) is not ours, whatever the name.
  if (format !== Format.Undefined && format !== Format.UndefinedImage) return undefined;
  const extension = extensionOf(fileName);
  if (extension === 'vcf' || extension === 'vcard') return { category: 'contacts' };
  if (extension === 'vcs' || extension === 'ics') return { category: 'calendar' };
  const byName = PHOTO_EXTENSIONS[extension];
  if (byName) return { category: 'media', kind: 'photo', mediaType: byName };
  const videoByName = VIDEO_EXTENSIONS[extension];
  if (videoByName && format === Format.Undefined) return { category: 'media', kind: 'video', mediaType: videoByName };
  // No name to go by (QEMU's responder serves a file it cannot name as "Oops", cameras and old
  // phones name files oddly): listed untyped rather than dropped unseen; the rescue reads its
  // first bytes and keeps it only when they are a photo or a video.
  if (!OTHER_EXTENSIONS.has(extension)) return { category: 'media' };
  return undefined;
}

/** Extensions that name something other than a photo, a video, contacts or a calendar. */
const OTHER_EXTENSIONS = new Set([
  'txt', 'log', 'csv', 'json', 'xml', 'html', 'htm', 'pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'rtf', 'md',
  'zip', 'rar', '7z', 'gz', 'tar', 'apk', 'jar', 'exe', 'bin', 'db', 'sqlite', 'nomedia', 'tmp', 'bak', 'ini', 'cfg', 'dat',
  'mp3', 'wav', 'ogg', 'oga', 'opus', 'flac', 'aac', 'm4a', 'amr', 'wma', 'mid', 'midi', 'm3u', 'pls', 'srt', 'vtt', 'lrc',
  'ttf', 'otf', 'epub', 'mobi',
  // An iPhone's edit sidecar (IMG_E0001.AAE, IMG_0001.AAE): a property list of adjustments, not a photo.
  'aae', 'plist',
]);

/** Camera raw files are TIFF inside; the name tells which. */
function refinePhoto(mediaType: string, fileName: string): string {
  if (mediaType !== 'image/tiff') return mediaType;
  return PHOTO_EXTENSIONS[extensionOf(fileName)] ?? mediaType;
}

function extensionOf(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '';
}
