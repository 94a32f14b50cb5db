import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { Thumbnails } from './thumbnails.ts';

const HEIC = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'tiny.heic'));
const thumbs = new Thumbnails();
afterAll(() => thumbs.close());

const bytes = (b: Buffer) => () => Readable.from([b.subarray(0, 700), b.subarray(700)]);
const decoded = async (dataUrl: string | null) => {
  const jpeg = Buffer.from(dataUrl!.split(',')[1]!, 'base64');
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { info, centre: [...data.subarray(((info.height >> 1) * info.width + (info.width >> 1)) * info.channels).subarray(0, 3)] };
};

describe('thumbnails made in the engine', () => {
  it('a JPEG: a 160 px square JPEG', async () => {
    const jpeg = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 10, g: 20, b: 200 } } }).jpeg().toBuffer();
    const t = await thumbs.of('a'.repeat(64), 'image/jpeg', bytes(jpeg));
    const { info, centre } = await decoded(t.dataUrl);
    expect([info.width, info.height]).toEqual([160, 160]);
    expect(centre[2]).toBeGreaterThan(150);
  });

  it('a HEIC photo, which sharp alone cannot read, through the HEIC decoder in a worker', async () => {
    await expect(sharp(HEIC).toBuffer()).rejects.toThrow();
    const t = await thumbs.of('b'.repeat(64), 'image/heic', bytes(HEIC));
    const { info, centre } = await decoded(t.dataUrl);
    expect([info.width, info.height]).toEqual([160, 160]);
    // The green disc is in the middle of the picture.
    expect(centre[1]).toBeGreaterThan(centre[0]! + 40);
  });

  it('a damaged picture gets no preview, and the next HEIC still gets one', async () => {
    const broken = await thumbs.of('c'.repeat(64), 'image/heic', bytes(HEIC.subarray(0, 600)));
    expect(broken).toEqual({ dataUrl: null, reason: 'no preview' });
    const garbage = await thumbs.of('d'.repeat(64), 'image/jpeg', bytes(Buffer.from('not a picture at all')));
    expect(garbage.dataUrl).toBeNull();
    const again = await thumbs.of('e'.repeat(64), 'image/heic', bytes(HEIC));
    expect(again.dataUrl).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('a video gets none (it is shown as a video tile)', async () => {
    expect(await thumbs.of('f'.repeat(64), 'video/mp4', bytes(Buffer.alloc(10)))).toEqual({ dataUrl: null, reason: 'video' });
  });
});
