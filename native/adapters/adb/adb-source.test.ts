import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '../../model/contact.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia, MediaEntry } from '../../model/media.ts';
import { SNIFF_BYTES, sniffMediaType } from '../../readers/media-type.ts';
import { startAdbSimulator, type AdbSimulator } from '../../sim/adb/adb-simulator.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError } from '../errors.ts';
import { openDeviceImage } from '../image/image-source.ts';
import { connectAdbTcp } from './adb-connect.ts';
import { openAdbSource } from './adb-source.ts';

const IMAGE = path.resolve('images/demo-android');
const MEDIA_ROOTS = ['DCIM/', 'Pictures/', 'Movies/'];

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('ADB source against the simulated phone (TCP)', () => {
  let simulator: AdbSimulator;
  let port: number;
  let dataDir: string;
  let adbSource: DeviceSource;
  let imageSource: DeviceSource;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-adb-test-'));
    simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'trust-all', log: process.env.ADB_SIM_LOG ? undefined : () => undefined });
    port = await simulator.serveTcp('127.0.0.1', 0);
    const waiting: string[] = [];
    const adb = await connectAdbTcp(`127.0.0.1:${port}`, { dataDir, onWaitingForOwner: () => waiting.push('waiting') });
    // First use: no key yet, so the phone was asked once.
    expect(waiting).toEqual(['waiting']);
    expect((fs.statSync(path.join(dataDir, 'adbkey')).mode & 0o777).toString(8)).toBe('600');
    adbSource = openAdbSource(adb, { label: 'demo' });
    imageSource = await openDeviceImage(IMAGE);
  });

  afterAll(async () => {
    await adbSource?.close();
    await imageSource?.close();
    await simulator?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads who the phone is', async () => {
    const identity = await adbSource.identity();
    const expected = await imageSource.identity();
    expect(identity).toMatchObject({
      transport: 'adb',
      vendorId: 0,
      productId: 0,
      manufacturer: expected.manufacturer,
      model: expected.model,
      serial: expected.serial,
      battery: expected.battery,
    });
  });

  it('gives the same contacts as the device image, except photos (not available over `content`)', async () => {
    const overAdb = await all(adbSource.contacts());
    const fromImage = (await all(imageSource.contacts())).map((contact: Contact) => {
      const { photo: _photo, ...rest } = contact;
      return rest;
    });
    expect(fromImage.length).toBeGreaterThan(0);
    expect(overAdb).toEqual(fromImage);
  });

  it('gives the same calendar events as the device image', async () => {
    const skippedAdb: string[] = [];
    const skippedImage: string[] = [];
    const overAdb = await all(adbSource.calendarEvents((r) => skippedAdb.push(r)));
    const fromImage: CalendarEvent[] = await all(imageSource.calendarEvents((r) => skippedImage.push(r)));
    expect(fromImage.length).toBeGreaterThan(0);
    expect(overAdb).toEqual(fromImage);
    expect(skippedAdb).toEqual(skippedImage);
  });

  it('lists every file of the photo folders, and reads the same bytes as the image', async () => {
    const overAdb = await all(adbSource.media());
    const fromImage = (await all(imageSource.media())).filter((e) => MEDIA_ROOTS.some((root) => e.path.startsWith(root)));
    expect(fromImage.length).toBeGreaterThan(0);
    // ADB leaves the type to the rescue (sniffed from the transfer); the sync service gives
    // whole seconds (a fresh git checkout gives the image's files sub-second times).
    const comparable = (e: FoundMedia) => ({ path: e.path, size: e.size, mtimeMs: Math.floor(e.mtimeMs / 1000) * 1000 });
    expect(overAdb.every((e) => e.mediaType === undefined && e.kind === undefined)).toBe(true);
    const adbPaths = overAdb.map((e) => e.path);
    // Every photo the folder walker found, in the same order, plus files that are not photos.
    expect(adbPaths.filter((p) => fromImage.some((e) => e.path === p))).toEqual(fromImage.map((e) => e.path));
    for (const entry of fromImage) expect(comparable(overAdb.find((e) => e.path === entry.path)!)).toEqual(comparable(entry));
    const extras = overAdb.filter((e) => !fromImage.some((i) => i.path === e.path));
    for (const entry of overAdb) {
      const viaAdb = await bytes(await adbSource.openMedia(entry));
      expect(viaAdb.length, entry.path).toBe(entry.size);
      if (extras.includes(entry)) {
        expect(sniffMediaType(viaAdb.subarray(0, SNIFF_BYTES), entry.path), `${entry.path} is no photo`).toBeNull();
        continue;
      }
      const viaImage = await bytes(await imageSource.openMedia(entry));
      expect(viaAdb.equals(viaImage), entry.path).toBe(true);
      const tail = await bytes(await adbSource.openMedia(entry, 10));
      expect(tail.equals(viaImage.subarray(10)), `${entry.path} from 10`).toBe(true);
    }
  });

  it('reads a file again after a read that stopped half-way (the pooled connection is not reused out of step)', async () => {
    const [first] = await all(adbSource.media());
    const stream = await adbSource.openMedia(first!);
    for await (const _chunk of stream) break; // stop after the first chunk
    const again = await bytes(await adbSource.openMedia(first!));
    const whole = await bytes(await imageSource.openMedia({ ...first!, mediaType: 'image/jpeg', kind: 'photo' }));
    expect(again.equals(whole)).toBe(true);
  });

  it('refuses paths outside the photo folders', async () => {
    const entry: MediaEntry = { path: 'DCIM/../../data/x.jpg', size: 1, mtimeMs: 0, mediaType: 'image/jpeg', kind: 'photo' };
    await expect(adbSource.openMedia(entry)).rejects.toBeInstanceOf(BadInputError);
  });

  it('knows the key the second time: no prompt', async () => {
    const waiting: string[] = [];
    const adb = await connectAdbTcp(`127.0.0.1:${port}`, { dataDir, onWaitingForOwner: () => waiting.push('waiting') });
    await adb.close();
    expect(waiting).toEqual([]);
  });
});

describe('ADB connect: the owner refuses', () => {
  it('is a clear BadInputError after the prompt', async () => {
    const simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'deny', log: () => undefined });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-adb-test-'));
    try {
      const port = await simulator.serveTcp('127.0.0.1', 0);
      let waited = false;
      const attempt = connectAdbTcp(`127.0.0.1:${port}`, { dataDir, allowTimeoutMs: 1500, onWaitingForOwner: () => (waited = true) });
      await expect(attempt).rejects.toBeInstanceOf(BadInputError);
      await expect(attempt).rejects.toThrow(/Allow/);
      expect(waited).toBe(true);
    } finally {
      await simulator.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('nothing listening is a clear BadInputError', async () => {
    const server = (await import('node:net')).createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    await expect(connectAdbTcp(`127.0.0.1:${port}`)).rejects.toBeInstanceOf(BadInputError);
  });
});
