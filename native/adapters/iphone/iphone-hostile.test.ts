import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRescue } from '../../rescue/rescue-run.ts';
import type { RescueSummary } from '../../rescue/rescue-events.ts';
import { UsbmuxClient } from '../../protocols/usbmux/usbmux-client.ts';
import { startIphoneSimulator, type IphoneHostility, type IphoneSimulator } from '../../sim/iphone/iphone-simulator.ts';
import { makeIphoneImage } from '../../sim/iphone/make-iphone-image.ts';
import { Vault } from '../../vault/vault.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { openIphoneSource } from './iphone-source.ts';

/**
 * A broken usbmuxd or iPhone (native/sim/iphone, `hostility`) never wins: the run ends by itself
 * with a clear error, memory stays bounded, and what came honestly is safe (and resumes).
 */
const MEMORY_BOUND_BYTES = 400 * 1024 * 1024;
let root: string;
let imageDir: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-iphone-'));
  imageDir = makeIphoneImage(path.join(root, 'image'), { bigVideoBytes: 6 * 1024 * 1024 });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Outcome {
  error: unknown;
  summary?: RescueSummary;
  peakRss: number;
  ms: number;
}

async function rescueFrom(sim: IphoneSimulator, name: string, vault: Vault): Promise<Outcome> {
  const started = Date.now();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  let source: DeviceSource | undefined;
  try {
    source = await openIphoneSource({ udid: sim.profile.udid, usbmux: new UsbmuxClient(sim.address), dataDir: path.join(root, `${name}-data`) });
    const summary = await runRescue({ source, vault, categories: ['photos'] });
    return { error: undefined, summary, peakRss, ms: Date.now() - started };
  } catch (error) {
    return { error, summary: (error as { summary?: RescueSummary }).summary, peakRss, ms: Date.now() - started };
  } finally {
    clearInterval(sampler);
    await source?.close();
  }
}

async function withSimulator(hostility: IphoneHostility, body: (sim: IphoneSimulator, vault: Vault) => Promise<void>): Promise<void> {
  const dir = path.join(root, hostility);
  fs.mkdirSync(dir, { recursive: true });
  const sim = await startIphoneSimulator({ imageDir, listen: { kind: 'unix', path: path.join(dir, 'usbmuxd.sock') }, hostility, vanishAfterBytes: 1024 * 1024 });
  const vault = await Vault.open(path.join(dir, 'vault'), { create: true });
  try {
    await body(sim, vault);
  } finally {
    vault.close();
    await sim.close();
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a hostile usbmuxd or iPhone', { timeout: 60_000 }, () => {
  it('lying-usbmux-length: usbmuxd claims a 4 GiB answer; refused at the header, nothing awaited', async () => {
    await withSimulator('lying-usbmux-length', async (sim, vault) => {
      const outcome = await rescueFrom(sim, 'lying', vault);
      expect(outcome.error).toBeInstanceOf(BadInputError);
      expect((outcome.error as Error).message).toMatch(/usbmuxd broke its protocol: .*claims 4294967280 bytes, over the limit/);
      expect(outcome.ms).toBeLessThan(10_000);
      expect(outcome.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);
    });
  });

  it('endless-plist: lockdown sends a frame that claims 4 GiB and never ends; refused at its length', async () => {
    await withSimulator('endless-plist', async (sim, vault) => {
      const outcome = await rescueFrom(sim, 'endless', vault);
      expect(outcome.error).toBeInstanceOf(BadInputError);
      expect((outcome.error as Error).message).toMatch(/broke the lockdown protocol: a lockdown message claims 4294967295 bytes, over the limit/);
      expect(outcome.ms).toBeLessThan(10_000);
      expect(outcome.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);
    });
  });

  it('afc-oversize-read: the phone answers a read with more than was asked; the run ends as a lost phone', async () => {
    await withSimulator('afc-oversize-read', async (sim, vault) => {
      const outcome = await rescueFrom(sim, 'oversize', vault);
      expect(outcome.error).toBeInstanceOf(SourceLostError);
      expect((outcome.error as Error).message).toMatch(/the phone broke the AFC protocol: FILE_READ: a packet of \d+ bytes where at most 1048576 were asked for/);
      expect(outcome.summary).toMatchObject({ photos: 0, status: 'lost' });
      expect(outcome.ms).toBeLessThan(20_000);
      expect(outcome.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);
    });
  });

  it('vanish: the phone is unplugged mid-video; the run ends as lost, and a second run resumes to byte-exact files', async () => {
    await withSimulator('vanish', async (sim, vault) => {
      const first = await rescueFrom(sim, 'vanish', vault);
      expect(first.error).toBeInstanceOf(SourceLostError);
      expect(first.summary).toMatchObject({ status: 'lost' });
      expect(first.ms).toBeLessThan(40_000);
      expect(first.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);

      sim.plugIn();
      const second = await rescueFrom(sim, 'vanish', vault);
      expect(second.error).toBeUndefined();
      expect(second.summary).toMatchObject({ photos: 4, status: 'done' });
      // What the first run read is not read again: the second run reads less than everything.
      const total = ['100APPLE/IMG_0001.JPG', '100APPLE/IMG_0002.JPG', '101APPLE/IMG_0101.JPG', '101APPLE/IMG_0102.MOV']
        .map((p) => fs.statSync(path.join(imageDir, 'storage', 'DCIM', p)).size)
        .reduce((a, b) => a + b, 0);
      expect(second.summary!.transferredBytes).toBeLessThan(total);
      const device = vault.device('F2LSIM0001XY')!;
      for (const item of vault.latestItems<{ entry: { path: string } }>(device.id, 'media')) {
        expect(item.sha256, item.record.entry.path).toBe(sha256(fs.readFileSync(path.join(imageDir, 'storage', item.record.entry.path))));
      }
      expect(sim.writeAttempts).toEqual([]);
    });
  });
});
