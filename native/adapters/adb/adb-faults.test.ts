import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startAdbSimulator, type AdbSimulator, type AdbSimulatorOptions } from '../../sim/adb/adb-simulator.ts';
import type { DeviceSource } from '../device-source.ts';
import { SourceLostError } from '../errors.ts';
import { connectAdbTcp } from './adb-connect.ts';
import { openAdbSource } from './adb-source.ts';

const IMAGE = path.resolve('images/demo-android');

async function drain(stream: Readable): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += (chunk as Buffer).length;
  return total;
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('ADB source: a phone that goes away', () => {
  let simulator: AdbSimulator | undefined;
  let source: DeviceSource | undefined;
  let dataDir: string | undefined;

  afterEach(async () => {
    await source?.close();
    await simulator?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    simulator = undefined;
    source = undefined;
  });

  async function open(faults: Partial<AdbSimulatorOptions>, stallTimeoutMs?: number): Promise<DeviceSource> {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-adb-faults-'));
    simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'trust-all', log: () => undefined, ...faults });
    const port = await simulator.serveTcp('127.0.0.1', 0);
    const adb = await connectAdbTcp(`127.0.0.1:${port}`, { dataDir });
    source = openAdbSource(adb, { stallTimeoutMs });
    return source;
  }

  it('a pulled cable is SourceLostError', async () => {
    const phone = await open({ unplugAfterBytes: 3000 });
    const attempt = (async () => {
      await all(phone.contacts());
      await all(phone.calendarEvents());
      for (const entry of await all(phone.media())) await drain(await phone.openMedia(entry));
    })();
    await expect(attempt).rejects.toBeInstanceOf(SourceLostError);
    // Afterwards every call says the same, at once.
    await expect(all(phone.contacts())).rejects.toBeInstanceOf(SourceLostError);
  });

  it('a phone that stops answering is SourceLostError after the stall limit', async () => {
    const phone = await open({ stallAfterBytes: 3000 }, 500);
    const started = Date.now();
    const attempt = (async () => {
      await all(phone.contacts());
      await all(phone.calendarEvents());
      for (const entry of await all(phone.media())) await drain(await phone.openMedia(entry));
    })();
    await expect(attempt).rejects.toThrow(/stopped answering/);
    await expect(attempt).rejects.toBeInstanceOf(SourceLostError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
