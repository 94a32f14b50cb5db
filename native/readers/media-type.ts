/**
 * What kind of photo or video a file is, judged by its first bytes. The name is only used to
 * refine a format that the bytes cannot tell apart (a DNG is a TIFF inside): a text file named
 * x.jpg must never pass for a photo, or an export would carry junk as a picture.
 */
export interface SniffedMediaType {
  mediaType: string;
  kind: 'photo' | 'video';
}

/** How many bytes callers should read: every rule below looks no further than this. */
export const SNIFF_BYTES = 64;

const photo = (mediaType: string): SniffedMediaType => ({ mediaType, kind: 'photo' });
const video = (mediaType: string): SniffedMediaType => ({ mediaType, kind: 'video' });

export function sniffMediaType(head: Uint8Array, fileName?: string): SniffedMediaType | null {
  const extension = extensionOf(fileName);
  return (
    sniffImage(head, extension) ??
    sniffIsoBaseMedia(head) ??
    sniffOtherVideo(head) ??
    null
  );
}

function sniffImage(head: Uint8Array, extension: string): SniffedMediaType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return photo('image/jpeg');
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return photo('image/png');
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return photo('image/gif');
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP') return photo('image/webp');
  if (isBmp(head)) return photo('image/bmp');
  if (startsWith(head, [0xff, 0x0a]) || ascii(head, 4, 8) === 'JXL \r\n\x87\n') return photo('image/jxl');
  const tiff = sniffTiff(head, extension);
  if (tiff) return tiff;
  return null;
}

/** Camera raw files are TIFF containers; only the name says which raw format it is. */
const TIFF_BASED_RAW: Record<string, string> = {
  dng: 'image/x-adobe-dng',
  cr2: 'image/x-canon-cr2',
  nef: 'image/x-nikon-nef',
  nrw: 'image/x-nikon-nrw',
  arw: 'image/x-sony-arw',
  pef: 'image/x-pentax-pef',
};

function sniffTiff(head: Uint8Array, extension: string): SniffedMediaType | null {
  const littleEndian = startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x49, 0x49, 0x2b, 0x00]);
  const bigEndian = startsWith(head, [0x4d, 0x4d, 0x00, 0x2a]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b]);
  if (!littleEndian && !bigEndian) {
    // Olympus ORF and Panasonic RW2 use their own TIFF magic numbers.
    if (ascii(head, 0, 4) === 'IIRO' || ascii(head, 0, 4) === 'IIRS') return photo('image/x-olympus-orf');
    if (startsWith(head, [0x49, 0x49, 0x55, 0x00])) return photo('image/x-panasonic-rw2');
    return null;
  }
  return photo(TIFF_BASED_RAW[extension] ?? 'image/tiff');
}

function isBmp(head: Uint8Array): boolean {
  // "BM" alone is too weak (any text may start with it): also demand a known DIB header size.
  if (ascii(head, 0, 2) !== 'BM' || head.length < 18) return false;
  const dibHeaderSize = readUint32LE(head, 14);
  return [12, 40, 52, 56, 64, 108, 124].includes(dibHeaderSize);
}

const HEIF_IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis']);
const HEIF_SEQUENCE_BRANDS = new Set(['hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf']);
const MP4_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'iso7', 'iso8', 'iso9', 'mp41', 'mp42', 'mp71',
  'avc1', 'hvc1', 'dash', 'mmp4', 'MSNV', 'NDAS', 'NDSC', 'NDSH', 'NDSM', 'NDSP', 'NDSS', 'NDXC',
  'NDXH', 'NDXM', 'NDXP', 'NDXS', 'F4V ', 'f4v ', 'XAVC', 'MQT ', 'CAEP', 'nvr1',
]);
const M4V_BRANDS = new Set(['M4V ', 'M4VH', 'M4VP']);

/**
 * MP4, MOV, 3GP, HEIC and AVIF all start with an ISO base media "ftyp" box; its brands say what
 * the file is. Photos win over videos because an AVIF or HEIC also lists generic MP4 brands.
 */
function sniffIsoBaseMedia(head: Uint8Array): SniffedMediaType | null {
  if (head.length < 12) return null;
  const boxType = ascii(head, 4, 4);
  if (boxType !== 'ftyp') return sniffLegacyQuickTime(head, boxType);
  const boxSize = readUint32BE(head, 0);
  const brands = [ascii(head, 8, 4)];
  for (let offset = 16; offset + 4 <= Math.min(boxSize, head.length); offset += 4) {
    brands.push(ascii(head, offset, 4));
  }
  const has = (set: Set<string>) => brands.some((brand) => set.has(brand));
  const major = brands[0]!;

  if (has(AVIF_BRANDS)) return photo('image/avif');
  if (has(HEIF_IMAGE_BRANDS)) return photo('image/heic');
  if (major === 'crx ') return photo('image/x-canon-cr3');
  if (has(HEIF_SEQUENCE_BRANDS)) return photo('image/heic-sequence');
  if (major === 'mif1' || major === 'miaf') return photo('image/heif');
  if (major === 'msf1') return photo('image/heif-sequence');
  if (major === 'qt  ') return video('video/quicktime');
  if (major.startsWith('3g2')) return video('video/3gpp2');
  if (major.startsWith('3gp') || major.startsWith('3ge') || major.startsWith('3gg')) return video('video/3gpp');
  if (M4V_BRANDS.has(major)) return video('video/x-m4v');
  if (MP4_BRANDS.has(major)) return video('video/mp4');
  // Audio-only brands (M4A, M4B, M4P) are neither photo nor video; unknown majors may still list
  // a known video brand among the compatible ones.
  if (major.startsWith('M4A') || major.startsWith('M4B') || major.startsWith('M4P')) return null;
  if (has(GENERIC_HEIF_BRANDS)) return photo('image/heif');
  if (brands.includes('qt  ')) return video('video/quicktime');
  if (has(MP4_BRANDS) || has(M4V_BRANDS)) return video('video/mp4');
  return null;
}

/** QuickTime files from before "ftyp" existed start straight with a movie atom. */
function sniffLegacyQuickTime(head: Uint8Array, boxType: string): SniffedMediaType | null {
  if (!['moov', 'mdat', 'wide', 'pnot'].includes(boxType)) return null;
  const boxSize = readUint32BE(head, 0);
  return boxSize === 0 || boxSize >= 8 ? video('video/quicktime') : null;
}

function sniffOtherVideo(head: Uint8Array): SniffedMediaType | null {
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
    // The EBML header names its DocType near the start; WebM says "webm".
    return video(ascii(head, 0, head.length).includes('webm') ? 'video/webm' : 'video/x-matroska');
  }
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') return video('video/x-msvideo');
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return video('video/x-ms-asf');
  if (ascii(head, 0, 3) === 'FLV' && head[3] === 0x01) return video('video/x-flv');
  if (startsWith(head, [0x00, 0x00, 0x01, 0xba])) return video('video/mpeg');
  return null;
}

function extensionOf(fileName: string | undefined): string {
  if (!fileName) return '';
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function startsWith(head: Uint8Array, magic: number[]): boolean {
  return head.length >= magic.length && magic.every((byte, i) => head[i] === byte);
}

function ascii(head: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < Math.min(offset + length, head.length); i++) text += String.fromCharCode(head[i]!);
  return text;
}

function readUint32BE(head: Uint8Array, offset: number): number {
  return ((head[offset]! << 24) >>> 0) + (head[offset + 1]! << 16) + (head[offset + 2]! << 8) + head[offset + 3]!;
}

function readUint32LE(head: Uint8Array, offset: number): number {
  return ((head[offset + 3]! << 24) >>> 0) + (head[offset + 2]! << 16) + (head[offset + 1]! << 8) + head[offset]!;
}
