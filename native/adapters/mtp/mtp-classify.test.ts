import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Format } from '../../protocols/mtp/mtp-codes.ts';
import { runRescue } from '../../rescue/rescue-run.ts';
import { makeJpeg } from '../../sim/jpeg-fixture.ts';
import { plugInMtpPhone } from '../../sim/mtp/mtp-simulator.ts';
import { Vault } from '../../vault/vault.ts';
import { classifyObject } from './mtp-classify.ts';
import { openMtpSource } from './mtp-source.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('classifyObject', () => {
  it('types by format, then by name; format "undefined" with a name that says nothing is listed untyped', () => {
    expect(classifyObject(Format.EXIF_JPEG, 'x')).toEqual({ category: 'media', kind: 'photo', mediaType: 'image/jpeg' });
    expect(classifyObject(Format.Undefined, 'IMG_1.JPG')).toEqual({ category: 'media', kind: 'photo', mediaType: 'image/jpeg' });
    expect(classifyObject(Format.Undefined, 'c.vcf')).toEqual({ category: 'contacts' });
    expect(classifyObject(Format.Undefined, 'Oops')).toEqual({ category: 'media' });
    expect(classifyObject(Format.Undefined, 'DSC0001.xyz')).toEqual({ category: 'media' });
    expect(classifyObject(Format.UndefinedImage, 'picture')).toEqual({ category: 'media' });
    // A name or a format that says "something else" is not ours.
    expect(classifyObject(Format.Undefined, 'notes.txt')).toBeUndefined();
    expect(classifyObject(Format.Undefined, 'song.mp3')).toBeUndefined();
    expect(classifyObject(Format.Text, 'Oops')).toBeUndefined();
  });
});

describe('an untyped object (format "undefined", no telling name) over MTP', () => {
  it('is rescued when its bytes are a photo, and dropped without a word when they are not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mtp-untyped-'));
    dirs.push(dir);
    const image = path.join(dir, 'image');
    fs.mkdirSync(path.join(image, 'storage', 'DCIM'), { recursive: true });
    fs.writeFileSync(
      path.join(image, 'device.json'),
      JSON.stringify({ transport: 'mtp', vendorId: 0x46f4, productId: 4, manufacturer: 'QEMU', model: 'MTP', serial: 'UNTYPED1', battery: null }),
    );
    const photo = Buffer.concat([makeJpeg({ fillByte: 7, width: 32, height: 32 }), Buffer.alloc(10_000, 7)]);
    fs.writeFileSync(path.join(image, 'storage', 'DCIM', 'Oops'), photo);
    fs.writeFileSync(path.join(image, 'storage', 'DCIM', 'README'), 'not a photo at all, just some words\n'.repeat(20));
    const { device } = plugInMtpPhone({ imageDir: image, undefinedFormats: true });
    const source = await openMtpSource(device, { stallTimeoutMs: 5000 });
    const vault = await Vault.open(path.join(dir, 'vault'), { create: true });
    try {
      const found = [];
      for await (const entry of source.media()) found.push(entry);
      expect(found.map((e) => [e.path, e.mediaType])).toEqual([
        ['DCIM/Oops', undefined],
        ['DCIM/README', undefined],
      ]);
      const skipped: unknown[] = [];
      await runRescue({ source, vault, categories: ['photos'], onEvent: (e) => e.type === 'item-skipped' && skipped.push(e) });
      expect(vault.totals(1).media.count).toBe(1);
      expect(skipped).toEqual([]);
    } finally {
      await source.close();
      vault.close();
    }
  });
});
