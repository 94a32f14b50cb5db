import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MediaEntry } from '../../model/media.ts';
import { buildDemoImage, DEMO_DEVICE, demoStorageFiles } from '../../sim/images/build-demo-image.ts';
import { demoContacts, demoEvents } from '../../sim/images/demo-data.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { openDeviceImage } from './image-source.ts';

let tmp: string;
let image: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-image-'));
  image = path.join(tmp, 'demo');
  await buildDemoImage(image);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Names and times of every file under a folder: reading an image must change none of them. */
function snapshot(folder: string): string[] {
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .map((name) => `${name} ${fs.lstatSync(path.join(folder, name)).mtimeMs}`)
    .sort();
}

/** A copy of the demo image that a test may break. */
function copyOfImage(name: string): string {
  const copy = path.join(tmp, name);
  fs.cpSync(image, copy, { recursive: true });
  return copy;
}

/** `deviceJson` null: no device.json at all. */
function minimalImage(name: string, deviceJson: unknown = DEMO_DEVICE): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  if (deviceJson !== null) fs.writeFileSync(path.join(dir, 'device.json'), JSON.stringify(deviceJson));
  return dir;
}

const entry = (p: string, size = 0): MediaEntry => ({ path: p, size, mtimeMs: 0, mediaType: 'image/jpeg', kind: 'photo' });

describe('openDeviceImage on the demo image', () => {
  it('tells who the phone is, with the extra fields of device.json', async () => {
    const source = await openDeviceImage(image);
    expect(source.description).toBe(`device image ${image}`);
    const { androidVersion, buildFingerprint, ...identity } = DEMO_DEVICE;
    expect(await source.identity()).toEqual({ ...identity, extra: { androidVersion, buildFingerprint } });
  });

  it('streams the contacts and events of its provider databases', async () => {
    const source = await openDeviceImage(image);
    expect(await all(source.contacts())).toEqual(demoContacts());
    expect(await all(source.calendarEvents())).toEqual(demoEvents());
  });

  it('lists the photos and videos of storage, and nothing else', async () => {
    const source = await openDeviceImage(image);
    const media = await all(source.media());
    const expected = demoStorageFiles().filter((f) => !f.path.includes('.thumbnails') && !f.path.startsWith('Download/'));
    expect(media.map((m) => m.path)).toEqual(expected.map((f) => f.path).sort());
    for (const m of media) {
      const file = expected.find((f) => f.path === m.path)!;
      expect(m.size).toBe(file.bytes.length);
      expect(m.mtimeMs).toBe(Date.parse(file.mtime));
    }
  });

  it('opens a media file from the start or from an offset', async () => {
    const source = await openDeviceImage(image);
    const [first] = await all(source.media());
    const onDisk = fs.readFileSync(path.join(image, 'storage', ...first!.path.split('/')));
    expect(await bytesOf(await source.openMedia(first!))).toEqual(onDisk);
    expect(await bytesOf(await source.openMedia(first!, 100))).toEqual(onDisk.subarray(100));
    expect(await bytesOf(await source.openMedia(first!, onDisk.length + 10))).toEqual(Buffer.alloc(0));
    await expect(source.openMedia(first!, -1)).rejects.toThrow(RangeError);
    await expect(source.openMedia(first!, 1.5)).rejects.toThrow(RangeError);
  });

  it('reads a large file in chunks, and closes it when the reader stops early', async () => {
    const dir = copyOfImage('large');
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 0x5a);
    big.set([0xff, 0xd8, 0xff], 0);
    fs.writeFileSync(path.join(dir, 'storage', 'DCIM', 'Camera', 'big.jpg'), big);
    const source = await openDeviceImage(dir);
    // Buffer.equals: a deep toEqual walks 3 MB byte by byte and takes seconds.
    expect((await bytesOf(await source.openMedia(entry('DCIM/Camera/big.jpg', big.length)))).equals(big)).toBe(true);
    const closeSpy = vi.fn();
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (...args) => {
      const handle = await realOpen(...args);
      const realClose = handle.close.bind(handle);
      handle.close = async () => {
        closeSpy();
        return realClose();
      };
      return handle;
    });
    const stream = await source.openMedia(entry('DCIM/Camera/big.jpg', big.length));
    for await (const _ of stream) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closeSpy).toHaveBeenCalledTimes(1);
  });

  it('changes nothing in the image folder while reading all of it', async () => {
    const before = snapshot(image);
    const source = await openDeviceImage(image);
    await all(source.contacts());
    await all(source.calendarEvents());
    for (const m of await all(source.media())) await bytesOf(await source.openMedia(m));
    await source.close();
    expect(snapshot(image)).toEqual(before);
  });

  it('refuses to read outside storage', async () => {
    const dir = copyOfImage('escape');
    fs.symlinkSync(tmp, path.join(dir, 'storage', 'DCIM', 'up'));
    fs.symlinkSync(path.join(dir, 'device.json'), path.join(dir, 'storage', 'DCIM', 'device.jpg'));
    const source = await openDeviceImage(dir);
    for (const bad of ['../device.json', 'DCIM/../../device.json', '/etc/passwd', '', 'DCIM//x.jpg', './DCIM', 'a\0b', 'DCIM/up/demo/device.json']) {
      await expect(source.openMedia(entry(bad)), bad).rejects.toThrow(BadInputError);
    }
    await expect(source.openMedia(entry('DCIM/device.jpg'))).rejects.toThrow(/symbolic link/);
  });

  it('reports a file deleted since the listing as a plain error, so the rescue skips only that item', async () => {
    const dir = copyOfImage('one-gone');
    const source = await openDeviceImage(dir);
    const [first] = await all(source.media());
    fs.rmSync(path.join(dir, 'storage', ...first!.path.split('/')));
    const failure = await source.openMedia(first!).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(SourceLostError);
    expect(failure).not.toBeInstanceOf(BadInputError);
    expect(String(failure)).toMatch(/no longer in the device image/);
  });

  it('turns an I/O error in the middle of a file into SourceLostError', async () => {
    const source = await openDeviceImage(image);
    const [first] = await all(source.media());
    const realOpen = fs.promises.open;
    vi.spyOn(fs.promises, 'open').mockImplementation(async (...args) => {
      const handle = await realOpen(...args);
      handle.read = (async () => {
        throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
      }) as typeof handle.read;
      return handle;
    });
    await expect(bytesOf(await source.openMedia(first!))).rejects.toBeInstanceOf(SourceLostError);
  });

  it('throws SourceLostError from every stream when the image goes away after opening', async () => {
    const dir = copyOfImage('vanishing');
    const source = await openDeviceImage(dir);
    const [first] = await all(source.media());
    fs.renameSync(dir, `${dir}-unplugged`);
    await expect(all(source.contacts())).rejects.toBeInstanceOf(SourceLostError);
    await expect(all(source.calendarEvents())).rejects.toBeInstanceOf(SourceLostError);
    await expect(all(source.media())).rejects.toBeInstanceOf(SourceLostError);
    await expect(source.openMedia(first!)).rejects.toBeInstanceOf(SourceLostError);
    expect(await source.identity()).toMatchObject({ model: 'Pixel 7' }); // known since opening
  });

  it('refuses to be used after close', async () => {
    const source = await openDeviceImage(image);
    await source.close();
    expect(() => source.contacts()).toThrow(/closed/);
    await expect(source.identity()).rejects.toThrow(/closed/);
  });
});

describe('openDeviceImage on other folders', () => {
  it('gives empty streams for the parts an image does not have', async () => {
    const source = await openDeviceImage(minimalImage('bare'));
    expect(await all(source.contacts())).toEqual([]);
    expect(await all(source.calendarEvents())).toEqual([]);
    expect(await all(source.media())).toEqual([]);
    await expect(source.openMedia(entry('DCIM/x.jpg'))).rejects.toThrow(/has no storage folder/);
  });

  it('reports a damaged database as bad input, naming the file', async () => {
    const dir = minimalImage('damaged');
    fs.mkdirSync(path.join(dir, 'providers'));
    fs.writeFileSync(path.join(dir, 'providers', 'calendar.db'), 'this is not a database at all'.repeat(100));
    const source = await openDeviceImage(dir);
    await expect(all(source.calendarEvents())).rejects.toThrow(BadInputError);
    await expect(all(source.calendarEvents())).rejects.toThrow(/calendar\.db is not an Android calendar database/);
  });

  it.each([
    ['a missing folder', () => path.join(tmp, 'nothing-here'), /is not a device image: there is no such folder/],
    ['a file', () => path.join(image, 'device.json'), /is not a device image: it is not a folder/],
    ['a folder without device.json', () => minimalImage('no-json', null), /is not a device image: it has no device\.json/],
    ['a wrong device.json', () => minimalImage('bad-json', { ...DEMO_DEVICE, battery: 'full' }), /device\.json: field "battery"/],
    ['storage that is a file', () => {
      const dir = minimalImage('storage-file');
      fs.writeFileSync(path.join(dir, 'storage'), 'x');
      return dir;
    }, /storage should be a folder/],
    ['a database that is a folder', () => {
      const dir = minimalImage('db-folder');
      fs.mkdirSync(path.join(dir, 'providers', 'contacts2.db'), { recursive: true });
      return dir;
    }, /contacts2\.db should be a file/],
  ])('refuses %s with a BadInputError a person can act on', async (_, make, message) => {
    const dir = make();
    await expect(openDeviceImage(dir)).rejects.toThrow(BadInputError);
    await expect(openDeviceImage(dir)).rejects.toThrow(message);
  });
});
