import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import exifr from 'exifr';
import { afterAll, describe, expect, it } from 'vitest';
import { sniffMediaType } from '../readers/media-type.ts';
import { makeJpeg, makeMp4, makePng } from './jpeg-fixture.ts';

const EXIFTOOL = '/usr/bin/exiftool';
const hasExiftool = fs.existsSync(EXIFTOOL);
if (!hasExiftool) console.warn('exiftool is not installed (apt-get install libimage-exiftool-perl): its validation tests are skipped');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-jpeg-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * An independent check that the bytes decode: a minimal baseline decoder (one component,
 * Huffman tables from DHT) that walks the scan as any JPEG decoder would and returns each
 * block's pixel level. It shares no code with the writer.
 */
function decodeFlatGrayJpeg(jpeg: Buffer): { width: number; height: number; levels: number[] } {
  expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  expect(jpeg.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
  const tables = new Map<number, Map<string, number>>();
  let quant: number[] = [];
  let width = 0;
  let height = 0;
  let offset = 2;
  for (;;) {
    expect(jpeg[offset]).toBe(0xff);
    const marker = jpeg[offset + 1]!;
    const length = jpeg.readUInt16BE(offset + 2);
    const body = jpeg.subarray(offset + 4, offset + 2 + length);
    if (marker === 0xdb) quant = [...body.subarray(1, 65)];
    if (marker === 0xc0) {
      height = body.readUInt16BE(1);
      width = body.readUInt16BE(3);
      expect(body[5]).toBe(1); // one component
    }
    if (marker === 0xc4) {
      const codes = new Map<string, number>();
      let symbolAt = 17;
      let code = 0;
      for (let bitLength = 1; bitLength <= 16; bitLength++) {
        for (let i = 0; i < body[bitLength]!; i++) codes.set(code.toString(2).padStart(bitLength, '0'), body[symbolAt++]!);
        code = (code + body[bitLength]!) << 1;
      }
      tables.set(body[0]!, codes);
    }
    offset += 2 + length;
    if (marker === 0xda) break;
  }
  const scanEnd = jpeg.length - 2;
  const scan: number[] = [];
  for (let i = offset; i < scanEnd; i++) {
    scan.push(jpeg[i]!);
    if (jpeg[i] === 0xff) {
      expect(jpeg[i + 1]).toBe(0x00); // the only 0xFF in a scan is a stuffed one
      i++;
    }
  }
  const bits = scan.map((b) => b.toString(2).padStart(8, '0')).join('');
  let at = 0;
  const readSymbol = (table: Map<string, number>) => {
    for (let length = 1; length <= 16; length++) {
      const symbol = table.get(bits.slice(at, at + length));
      if (symbol !== undefined) {
        at += length;
        return symbol;
      }
    }
    throw new Error(`no Huffman code at bit ${at}`);
  };
  const readValue = (size: number) => {
    if (size === 0) return 0;
    const raw = parseInt(bits.slice(at, at + size), 2);
    at += size;
    return raw < 1 << (size - 1) ? raw - (1 << size) + 1 : raw;
  };
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const levels: number[] = [];
  let dc = 0;
  for (let block = 0; block < blocks; block++) {
    dc += readValue(readSymbol(tables.get(0x00)!));
    for (let k = 1; k < 64; ) {
      const rs = readSymbol(tables.get(0x10)!);
      if (rs === 0x00) break;
      if (rs === 0xf0) k += 16;
      else {
        k += (rs >> 4) + 1;
        expect(readValue(rs & 15)).toBe(0); // a flat block has no AC energy
      }
    }
    levels.push((dc * quant[0]!) / 8 + 128);
  }
  expect(bits.slice(at)).toMatch(/^1{0,7}$/); // only padding is left
  return { width, height, levels };
}

describe('makeJpeg', () => {
  it('makes a baseline JPEG that decodes to the requested size and gray level', () => {
    for (const [width, height, fillByte] of [[8, 8, 128], [20, 13, 37], [1, 1, 0], [64, 48, 255], [17, 9, 200]] as const) {
      const decoded = decodeFlatGrayJpeg(makeJpeg({ width, height, fillByte }));
      expect(decoded.width).toBe(width);
      expect(decoded.height).toBe(height);
      expect(new Set(decoded.levels)).toEqual(new Set([fillByte]));
    }
  });

  it('carries DateTimeOriginal and OffsetTimeOriginal in the Exif sub-IFD, read back by exifr', async () => {
    const jpeg = makeJpeg({ dateTimeOriginal: '2023:07:14 18:22:05', offsetTimeOriginal: '+02:00', make: 'Google', model: 'Pixel 7' });
    const tags = await exifr.parse(jpeg, { reviveValues: false, ifd0: true, exif: true, mergeOutput: false } as never);
    expect(tags.exif.DateTimeOriginal).toBe('2023:07:14 18:22:05');
    expect(tags.exif.OffsetTimeOriginal).toBe('+02:00');
    expect(tags.ifd0.Make).toBe('Google');
    expect(tags.ifd0.Model).toBe('Pixel 7');
    decodeFlatGrayJpeg(jpeg);
  });

  it('has no EXIF at all when no EXIF field is asked for', async () => {
    const jpeg = makeJpeg();
    expect(jpeg.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false);
    expect(await exifr.parse(jpeg, { reviveValues: false })).toBeUndefined();
  });

  it('refuses values a camera would never write', () => {
    expect(() => makeJpeg({ dateTimeOriginal: '2023-07-14T18:22:05' })).toThrow(RangeError);
    expect(() => makeJpeg({ offsetTimeOriginal: '+2' })).toThrow(RangeError);
    expect(() => makeJpeg({ width: 0 })).toThrow(RangeError);
    expect(() => makeJpeg({ fillByte: 256 })).toThrow(RangeError);
  });

  it.skipIf(!hasExiftool)('passes exiftool -validate with no warning', () => {
    const file = path.join(tmp, 'exif.jpg');
    fs.writeFileSync(file, makeJpeg({ width: 20, height: 13, dateTimeOriginal: '2024:03:01 10:20:30', offsetTimeOriginal: '-04:00', make: 'Google', model: 'Pixel 7' }));
    const out = execFileSync(EXIFTOOL, ['-validate', '-warning', '-error', '-a', '-s', '-DateTimeOriginal', '-OffsetTimeOriginal', '-ImageSize', file], { encoding: 'utf8' });
    expect(out).toMatch(/^Validate\s*: OK$/m);
    expect(out).not.toMatch(/Warning|Error/);
    expect(out).toMatch(/DateTimeOriginal\s*: 2024:03:01 10:20:30/);
    expect(out).toMatch(/OffsetTimeOriginal\s*: -04:00/);
    expect(out).toMatch(/ImageSize\s*: 20x13/);
  });
});

describe('makePng', () => {
  it('makes a PNG whose chunks have correct CRCs and whose pixels inflate to the requested image', () => {
    const png = makePng({ width: 5, height: 3, fillByte: 77 });
    expect(sniffMediaType(png)).toEqual({ mediaType: 'image/png', kind: 'photo' });
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length; ) {
      const length = png.readUInt32BE(at);
      const type = png.toString('latin1', at + 4, at + 8);
      const data = png.subarray(at + 8, at + 8 + length);
      chunks.push({ type, data });
      at += 12 + length;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(chunks[0]!.data.readUInt32BE(0)).toBe(5);
    expect(chunks[0]!.data.readUInt32BE(4)).toBe(3);
    const pixels = inflateSync(chunks[1]!.data);
    expect(pixels).toEqual(Buffer.concat(Array.from({ length: 3 }, () => Buffer.from([0, 77, 77, 77, 77, 77]))));
  });

  it.skipIf(!hasExiftool)('passes exiftool -validate (which checks the CRCs)', () => {
    const file = path.join(tmp, 'a.png');
    fs.writeFileSync(file, makePng());
    expect(execFileSync(EXIFTOOL, ['-validate', '-warning', '-a', '-s', file], { encoding: 'utf8' })).toMatch(/^Validate\s*: OK$/m);
  });
});

describe('makeMp4', () => {
  it('sniffs as video/mp4', () => {
    expect(sniffMediaType(makeMp4())).toEqual({ mediaType: 'video/mp4', kind: 'video' });
  });

  it('keeps boxes well formed: sizes add up to the file', () => {
    const mp4 = makeMp4({ creationTime: new Date('2024-05-01T10:00:00Z') });
    const types: string[] = [];
    let at = 0;
    while (at < mp4.length) {
      types.push(mp4.toString('latin1', at + 4, at + 8));
      at += mp4.readUInt32BE(at);
    }
    expect(at).toBe(mp4.length);
    expect(types).toEqual(['ftyp', 'moov', 'mdat']);
  });

  it.skipIf(!hasExiftool)('carries the creation time as QuickTime UTC seconds since 1904', () => {
    const file = path.join(tmp, 'a.mp4');
    fs.writeFileSync(file, makeMp4({ creationTime: new Date('2024-05-01T10:00:00Z') }));
    const out = execFileSync(EXIFTOOL, ['-s', '-CreateDate', '-FileType', file], { encoding: 'utf8' });
    expect(out).toMatch(/CreateDate\s*: 2024:05:01 10:00:00/);
    expect(out).toMatch(/FileType\s*: MP4/);
  });
});
