import { describe, expect, it } from 'vitest';
import { makeJpeg, makeMp4, makePng } from '../sim/jpeg-fixture.ts';
import { sniffMediaType } from './media-type.ts';

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** An ISO BMFF file start: a ftyp box with a major brand and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = 16 + compatible.length * 4;
  return bytes([0, 0, 0, size], 'ftyp', major, [0, 0, 0, 0], ...compatible, [0, 0, 0, 8], 'mdat');
}

describe('sniffMediaType', () => {
  it.each([
    ['JPEG', makeJpeg(), 'image/jpeg'],
    ['PNG', makePng(), 'image/png'],
    ['GIF89a', bytes('GIF89a', [1, 0, 1, 0]), 'image/gif'],
    ['GIF87a', bytes('GIF87a', [1, 0, 1, 0]), 'image/gif'],
    ['WebP', bytes('RIFF', [0x24, 0, 0, 0], 'WEBPVP8 '), 'image/webp'],
    ['BMP', bytes('BM', [0x46, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0, 40, 0, 0, 0]), 'image/bmp'],
    ['TIFF little-endian', bytes('II', [0x2a, 0, 8, 0, 0, 0]), 'image/tiff'],
    ['TIFF big-endian', bytes('MM', [0, 0x2a, 0, 0, 0, 8]), 'image/tiff'],
    ['HEIC', ftyp('heic', 'mif1', 'heic'), 'image/heic'],
    ['HEIC with mif1 major (iPhone style)', ftyp('mif1', 'mif1', 'heic', 'miaf'), 'image/heic'],
    ['HEIX', ftyp('heix', 'mif1', 'heix'), 'image/heic'],
    ['HEIF generic', ftyp('mif1', 'mif1', 'miaf'), 'image/heif'],
    ['HEIF sequence', ftyp('msf1', 'msf1', 'iso8'), 'image/heif-sequence'],
    ['HEVC sequence', ftyp('hevc', 'msf1', 'hevc'), 'image/heic-sequence'],
    ['AVIF', ftyp('avif', 'avif', 'mif1', 'miaf', 'MA1B'), 'image/avif'],
  ])('knows %s as a photo', (_, head, mediaType) => {
    expect(sniffMediaType(head)).toEqual({ mediaType, kind: 'photo' });
  });

  it.each([
    ['MP4 isom', makeMp4(), 'video/mp4'],
    ['MP4 mp42', ftyp('mp42', 'isom', 'mp42'), 'video/mp4'],
    ['MP4 avc1', ftyp('avc1', 'isom'), 'video/mp4'],
    ['MP4 iso2', ftyp('iso2', 'isom', 'iso2'), 'video/mp4'],
    ['M4V', ftyp('M4V ', 'M4V ', 'M4A ', 'mp42', 'isom'), 'video/x-m4v'],
    ['QuickTime', ftyp('qt  ', 'qt  '), 'video/quicktime'],
    ['QuickTime without ftyp', bytes([0, 0, 0, 8], 'wide', [0, 0, 0, 8], 'mdat'), 'video/quicktime'],
    ['3GP (3gp4)', ftyp('3gp4', 'isom', '3gp4'), 'video/3gpp'],
    ['3GP (3gp5)', ftyp('3gp5', '3gp5'), 'video/3gpp'],
    ['3G2', ftyp('3g2a', '3g2a'), 'video/3gpp2'],
    ['Matroska', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01], 'B\x82\x88matroska'), 'video/x-matroska'],
    ['WebM', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01], 'B\x82\x84webm'), 'video/webm'],
    ['AVI', bytes('RIFF', [0, 1, 0, 0], 'AVI LIST'), 'video/x-msvideo'],
  ])('knows %s as a video', (_, head, mediaType) => {
    expect(sniffMediaType(head)).toEqual({ mediaType, kind: 'video' });
  });

  it('names TIFF-based camera raw files by their extension, and only then', () => {
    const tiff = bytes('II', [0x2a, 0, 8, 0, 0, 0]);
    expect(sniffMediaType(tiff, 'DCIM/Camera/PXL_1.dng')).toEqual({ mediaType: 'image/x-adobe-dng', kind: 'photo' });
    expect(sniffMediaType(tiff, 'raw/IMG_1.CR2')).toEqual({ mediaType: 'image/x-canon-cr2', kind: 'photo' });
    expect(sniffMediaType(tiff, 'scan.tif')).toEqual({ mediaType: 'image/tiff', kind: 'photo' });
    // A name alone never makes a photo.
    expect(sniffMediaType(Buffer.from('not a raw file at all'), 'x.dng')).toBeNull();
  });

  it('judges by content, not by name', () => {
    expect(sniffMediaType(Buffer.from('Shopping list: milk, bread\n'), 'notes.jpg')).toBeNull();
    expect(sniffMediaType(makePng(), 'photo.jpg')).toEqual({ mediaType: 'image/png', kind: 'photo' });
    expect(sniffMediaType(makeJpeg(), 'clip.mp4')).toEqual({ mediaType: 'image/jpeg', kind: 'photo' });
  });

  it.each([
    ['an empty file', bytes()],
    ['one byte', bytes([0xff])],
    ['a truncated JPEG marker', bytes([0xff, 0xd8])],
    ['a PDF', bytes('%PDF-1.4\n')],
    ['a ZIP', bytes('PK', [3, 4, 20, 0])],
    ['an M4A (audio only)', ftyp('M4A ', 'M4A ', 'mp42', 'isom')],
    ['a RIFF WAVE (audio)', bytes('RIFF', [0, 1, 0, 0], 'WAVEfmt ')],
    ['text that starts with BM', bytes('BMW 320d service booklet, page 1 of 12')],
    ['an unknown ftyp brand', ftyp('abcd', 'efgh')],
    ['a box type other than ftyp', bytes([0, 0, 0, 16], 'junkjunkjunk')],
  ])('returns null for %s', (_, head) => {
    expect(sniffMediaType(head)).toBeNull();
  });

  it('looks no further than the first 64 bytes', () => {
    const head = makeJpeg({ dateTimeOriginal: '2024:01:01 00:00:00' }).subarray(0, 64);
    expect(sniffMediaType(head)?.mediaType).toBe('image/jpeg');
    expect(sniffMediaType(makeMp4().subarray(0, 64))?.mediaType).toBe('video/mp4');
  });
});
