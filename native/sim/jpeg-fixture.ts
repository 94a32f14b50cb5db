import { deflateSync } from 'node:zlib';

/**
 * Tiny but real media files for fixtures, the demo image and benchmarks. They are assembled
 * byte by byte so that tests need no image library, and they are valid enough for exiftool and
 * decoders: a photo that only looks like a photo would hide bugs in the EXIF path.
 */

export interface JpegOptions {
  /** Pixels; defaults to 8 x 8 (one 8x8 block). */
  width?: number;
  height?: number;
  /** EXIF text form, 'YYYY:MM:DD HH:MM:SS'. */
  dateTimeOriginal?: string;
  /** EXIF 2.31 form, '+02:00'. */
  offsetTimeOriginal?: string;
  make?: string;
  model?: string;
  /** The gray level of every pixel, 0-255; defaults to 128. */
  fillByte?: number;
}

/**
 * A baseline, grayscale JPEG of one flat colour. An APP1 Exif segment is added only when one of
 * the EXIF fields is given, so a call without them makes "a photo without EXIF".
 */
export function makeJpeg(options: JpegOptions = {}): Buffer {
  const width = options.width ?? 8;
  const height = options.height ?? 8;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0xffff || height > 0xffff) {
    throw new RangeError(`makeJpeg: width and height must be integers 1-65535, got ${width}x${height}`);
  }
  const fill = options.fillByte ?? 128;
  if (!Number.isInteger(fill) || fill < 0 || fill > 255) throw new RangeError(`makeJpeg: fillByte must be 0-255, got ${fill}`);

  const hasExif = [options.dateTimeOriginal, options.offsetTimeOriginal, options.make, options.model].some((v) => v !== undefined);
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (hasExif) parts.push(segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), exifTiff(options, width, height)])));
  parts.push(segment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)])));
  parts.push(segment(0xc0, Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0])));

  // With every quantiser at 1, a flat block's only non-zero coefficient is DC = 8 * (level - 128).
  const dc = 8 * (fill - 128);
  const dcCategory = bitLength(Math.abs(dc));
  parts.push(huffmanTableSegment(0x00, dcCategory === 0 ? [[0]] : [[0], [dcCategory]]));
  parts.push(huffmanTableSegment(0x10, [[0x00]]));
  parts.push(segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])));
  parts.push(flatScan(Math.ceil(width / 8) * Math.ceil(height / 8), dc, dcCategory));
  parts.push(Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

/**
 * The entropy-coded data: the first block codes the DC value, every later block a DC difference of
 * zero; each block ends at once (EOB). Codes: DC category 0 = '0', the first block's category = '10',
 * AC EOB = '0'.
 */
function flatScan(blocks: number, dc: number, dcCategory: number): Buffer {
  const bits = new BitWriter();
  for (let block = 0; block < blocks; block++) {
    if (block === 0 && dcCategory > 0) {
      bits.write(0b10, 2);
      bits.write(dc > 0 ? dc : dc + (1 << dcCategory) - 1, dcCategory);
    } else {
      bits.write(0, 1);
    }
    bits.write(0, 1);
  }
  return bits.finish();
}

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >> i) & 1);
      if (++this.used === 8) this.flushByte();
    }
  }

  /** Pads with one-bits as the standard asks, and stuffs a zero after every 0xFF. */
  finish(): Buffer {
    while (this.used !== 0) this.write(1, 1);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0x00);
    this.current = 0;
    this.used = 0;
  }
}

/** `symbolsByLength[i]` holds the symbols whose code is i+1 bits long. */
function huffmanTableSegment(classAndId: number, symbolsByLength: number[][]): Buffer {
  const counts = Buffer.alloc(16);
  symbolsByLength.forEach((symbols, i) => (counts[i] = symbols.length));
  return segment(0xc4, Buffer.concat([Buffer.from([classAndId]), counts, Buffer.from(symbolsByLength.flat())]));
}

function segment(marker: number, payload: Buffer): Buffer {
  if (payload.length + 2 > 0xffff) throw new RangeError('makeJpeg: a segment is too large');
  const header = Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return Buffer.concat([header, payload]);
}

function bitLength(value: number): number {
  return value === 0 ? 0 : Math.floor(Math.log2(value)) + 1;
}

// ---- EXIF ----------------------------------------------------------------------------------

const TIFF_ASCII = 2;
const TIFF_SHORT = 3;
const TIFF_LONG = 4;
const TIFF_RATIONAL = 5;
const TIFF_UNDEFINED = 7;

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  value: Buffer;
}

function shortEntry(tag: number, value: number): IfdEntry {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return { tag, type: TIFF_SHORT, count: 1, value: bytes };
}

function longEntry(tag: number, value: number): IfdEntry {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return { tag, type: TIFF_LONG, count: 1, value: bytes };
}

function rationalEntry(tag: number, numerator: number, denominator: number): IfdEntry {
  const bytes = Buffer.alloc(8);
  bytes.writeUInt32LE(numerator, 0);
  bytes.writeUInt32LE(denominator, 4);
  return { tag, type: TIFF_RATIONAL, count: 1, value: bytes };
}

function undefinedEntry(tag: number, bytes: Buffer): IfdEntry {
  return { tag, type: TIFF_UNDEFINED, count: bytes.length, value: bytes };
}

function asciiEntry(tag: number, text: string): IfdEntry {
  const value = Buffer.from(`${text}\0`, 'latin1');
  return { tag, type: TIFF_ASCII, count: value.length, value };
}

/**
 * A little-endian TIFF structure: IFD0 (Make, Model, resolution, pointer to the Exif IFD) then the
 * Exif IFD (DateTimeOriginal 0x9003, OffsetTimeOriginal 0x9011 and the tags EXIF calls required,
 * so that `exiftool -validate` has nothing to say), each followed by the values that do not fit
 * in four bytes.
 */
function exifTiff(options: JpegOptions, width: number, height: number): Buffer {
  if (options.dateTimeOriginal !== undefined && !/^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/.test(options.dateTimeOriginal)) {
    throw new RangeError(`makeJpeg: dateTimeOriginal must look like 'YYYY:MM:DD HH:MM:SS', got '${options.dateTimeOriginal}'`);
  }
  if (options.offsetTimeOriginal !== undefined && !/^[+-]\d{2}:\d{2}$/.test(options.offsetTimeOriginal)) {
    throw new RangeError(`makeJpeg: offsetTimeOriginal must look like '+02:00', got '${options.offsetTimeOriginal}'`);
  }
  const exifEntries: IfdEntry[] = [
    undefinedEntry(0x9000, Buffer.from('0232', 'latin1')), // ExifVersion
    undefinedEntry(0x9101, Buffer.from([1, 2, 3, 0])), // ComponentsConfiguration
    undefinedEntry(0xa000, Buffer.from('0100', 'latin1')), // FlashpixVersion
    shortEntry(0xa001, 1), // ColorSpace sRGB
    longEntry(0xa002, width), // PixelXDimension
    longEntry(0xa003, height), // PixelYDimension
  ];
  if (options.dateTimeOriginal !== undefined) exifEntries.push(asciiEntry(0x9003, options.dateTimeOriginal));
  if (options.offsetTimeOriginal !== undefined) exifEntries.push(asciiEntry(0x9011, options.offsetTimeOriginal));

  const ifd0Entries: IfdEntry[] = [];
  if (options.make !== undefined) ifd0Entries.push(asciiEntry(0x010f, options.make));
  if (options.model !== undefined) ifd0Entries.push(asciiEntry(0x0110, options.model));
  ifd0Entries.push(rationalEntry(0x011a, 72, 1), rationalEntry(0x011b, 72, 1), shortEntry(0x0128, 2), shortEntry(0x0213, 1));
  const pointer = longEntry(0x8769, 0);
  ifd0Entries.push(pointer);

  const ifd0Offset = 8;
  const ifd0Size = ifdSize(ifd0Entries);
  pointer.value.writeUInt32LE(ifd0Offset + ifd0Size);
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  return Buffer.concat([header, encodeIfd(ifd0Entries, ifd0Offset), encodeIfd(exifEntries, ifd0Offset + ifd0Size)]);
}

function ifdSize(entries: IfdEntry[]): number {
  const overflow = entries.reduce((sum, e) => sum + (e.value.length > 4 ? e.value.length + (e.value.length & 1) : 0), 0);
  return 2 + entries.length * 12 + 4 + overflow;
}

function encodeIfd(entries: IfdEntry[], offset: number): Buffer {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const table = Buffer.alloc(2 + sorted.length * 12 + 4);
  const overflow: Buffer[] = [];
  let overflowOffset = offset + table.length;
  table.writeUInt16LE(sorted.length, 0);
  sorted.forEach((entry, i) => {
    const at = 2 + i * 12;
    table.writeUInt16LE(entry.tag, at);
    table.writeUInt16LE(entry.type, at + 2);
    table.writeUInt32LE(entry.count, at + 4);
    if (entry.value.length <= 4) {
      entry.value.copy(table, at + 8);
    } else {
      table.writeUInt32LE(overflowOffset, at + 8);
      const padded = entry.value.length & 1 ? Buffer.concat([entry.value, Buffer.alloc(1)]) : entry.value;
      overflow.push(padded);
      overflowOffset += padded.length;
    }
  });
  // The next-IFD offset stays 0: there is no thumbnail IFD.
  return Buffer.concat([table, ...overflow]);
}

// ---- PNG -----------------------------------------------------------------------------------

export interface PngOptions {
  width?: number;
  height?: number;
  /** Gray level 0-255; defaults to 200. */
  fillByte?: number;
}

/** An 8-bit grayscale PNG with correct CRCs and a zlib-compressed IDAT. */
export function makePng(options: PngOptions = {}): Buffer {
  const width = options.width ?? 8;
  const height = options.height ?? 8;
  const fill = options.fillByte ?? 200;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width, fill)]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(pixels, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---- MP4 -----------------------------------------------------------------------------------

export interface Mp4Options {
  /** Written to mvhd's creation time (QuickTime keeps UTC seconds since 1904). */
  creationTime?: Date;
}

const SECONDS_1904_TO_1970 = 2_082_844_800;

/**
 * An MP4 header: ftyp (isom) + moov with a movie header + an empty mdat. It has no tracks, so it
 * plays nothing, but it sniffs as video/mp4 and carries a creation time like a camera clip.
 */
export function makeMp4(options: Mp4Options = {}): Buffer {
  const ftyp = box('ftyp', Buffer.concat([Buffer.from('isom', 'latin1'), uint32(0x200), Buffer.from('isomiso2avc1mp41', 'latin1')]));
  const created = options.creationTime ? Math.floor(options.creationTime.getTime() / 1000) + SECONDS_1904_TO_1970 : 0;
  const mvhd = box(
    'mvhd',
    Buffer.concat([
      uint32(0), // version 0, no flags
      uint32(created),
      uint32(created),
      uint32(1000), // timescale: milliseconds
      uint32(0), // duration
      uint32(0x00010000), // rate 1.0
      Buffer.from([0x01, 0x00]), // volume 1.0
      Buffer.alloc(10),
      ...[0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000].map(uint32), // identity matrix
      Buffer.alloc(24),
      uint32(1), // next track id
    ]),
  );
  return Buffer.concat([ftyp, box('moov', mvhd), box('mdat', Buffer.alloc(0))]);
}

function box(type: string, payload: Buffer): Buffer {
  return Buffer.concat([uint32(payload.length + 8), Buffer.from(type, 'latin1'), payload]);
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}
