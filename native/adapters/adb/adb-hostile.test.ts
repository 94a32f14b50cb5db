import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBag } from '../../export/export-bag.ts';
import { verifyBag } from '../../export/verify-bag.ts';
import { runRescue } from '../../rescue/rescue-run.ts';
import type { RescueSummary } from '../../rescue/rescue-events.ts';
import { startAdbSimulator, type AdbSimulator } from '../../sim/adb/adb-simulator.ts';
import { adbPhoneDescriptor, adbUsbFunction } from '../../sim/adb/adb-usb-function.ts';
import { EVIL_NAMES, type AdbHostility } from '../../sim/adb/hostile-phone.ts';
import { VirtualUsbDevice } from '../../usb/virtual-usb.ts';
import { Vault } from '../../vault/vault.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { openDeviceImage } from '../image/image-source.ts';
import { connectAdbTcp, connectAdbUsbDevice } from './adb-connect.ts';
import { openAdbSource } from './adb-source.ts';

/**
 * A broken or hostile phone (native/sim/adb/hostile-phone.ts) never wins: every run ends by
 * itself with a clear error, memory stays bounded, nothing is written outside the vault, and
 * what the phone gave honestly is safe.
 */
const IMAGE = path.resolve('images/demo-android');
const MEMORY_BOUND_BYTES = 400 * 1024 * 1024;
let root: string;
let imageMedia: Map<string, Buffer>;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-adb-'));
  const image = await openDeviceImage(IMAGE);
  imageMedia = new Map();
  for await (const entry of image.media()) {
    if (!/^(DCIM|Pictures|Movies)\//.test(entry.path)) continue;
    const chunks: Buffer[] = [];
    for await (const chunk of await image.openMedia(entry)) chunks.push(chunk as Buffer);
    imageMedia.set(entry.path, Buffer.concat(chunks));
  }
  await image.close();
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Outcome {
  summary: RescueSummary;
  error: unknown;
  vault: Vault;
  vaultDir: string;
  peakRss: number;
}

/** A full rescue from a phone that misbehaves as told, over TCP or the virtual USB device. */
async function rescueFrom(hostility: AdbHostility, over: 'tcp' | 'usb' = 'tcp'): Promise<Outcome> {
  const dir = path.join(root, `${hostility}-${over}`);
  const vaultDir = path.join(dir, 'vault');
  fs.mkdirSync(dir, { recursive: true });
  const simulator: AdbSimulator = startAdbSimulator({ imageDir: IMAGE, auth: 'trust-all', log: () => undefined, hostility });
  const dataDir = path.join(dir, 'keys');
  let source: DeviceSource | undefined;
  let device: VirtualUsbDevice | undefined;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  try {
    if (over === 'tcp') {
      const port = await simulator.serveTcp('127.0.0.1', 0);
      source = openAdbSource(await connectAdbTcp(`127.0.0.1:${port}`, { dataDir }), { stallTimeoutMs: 3000 });
    } else {
      device = new VirtualUsbDevice(adbPhoneDescriptor(simulator.profile.identity), adbUsbFunction(simulator));
      source = openAdbSource(await connectAdbUsbDevice(device, { dataDir }), { stallTimeoutMs: 3000 });
    }
    const vault = await Vault.open(vaultDir, { create: true });
    let summary: RescueSummary;
    let error: unknown;
    try {
      summary = await runRescue({ source, vault, categories: ['contacts', 'calendar', 'photos'] });
    } catch (err) {
      error = err;
      summary = (err as { summary: RescueSummary }).summary;
    }
    return { summary, error, vault, vaultDir, peakRss };
  } finally {
    clearInterval(sampler);
    await source?.close();
    await device?.close().catch(() => undefined);
    await simulator.close();
  }
}

/** Every path under `dir`, to show that nothing was written beside the vault. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function photosIn(vault: Vault, serial = 'LBDEMO0001'): Map<string, string> {
  const device = vault.device(serial)!;
  const photos = new Map<string, string>();
  for (const item of vault.latestItems<{ entry: { path: string } }>(device.id, 'media')) photos.set(item.record.entry.path, item.sha256);
  return photos;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a hostile ADB phone', { timeout: 120_000 }, () => {
  for (const [hostility, over] of [
    ['bad-magic', 'tcp'],
    ['unknown-command', 'tcp'],
    ['huge-packet', 'tcp'],
    ['bad-magic', 'usb'],
    ['huge-packet', 'usb'],
  ] as const) {
    it(`${hostility} (${over}): the connection ends with a clear error, contacts and calendar are safe`, async () => {
      const started = Date.now();
      const outcome = await rescueFrom(hostility, over);
      expect(outcome.error).toBeInstanceOf(SourceLostError);
      // Over USB the library itself drops headers with a wrong magic and waits for a good one:
      // then the stall limit ends the run, which is as clear and as bounded.
      expect((outcome.error as Error).message).toMatch(
        hostility === 'bad-magic' && over === 'usb' ? /broke the ADB protocol|stopped answering/ : /the phone broke the ADB protocol/,
      );
      expect(outcome.summary).toMatchObject({ contacts: 12, events: 10, status: 'lost' });
      expect(outcome.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(tree(path.dirname(outcome.vaultDir)).every((p) => p.startsWith('vault') || p.startsWith('keys'))).toBe(true);
      outcome.vault.close();
    });
  }

  it('endless-file: each file is cut off past its listed size and left out, the run ends', async () => {
    const outcome = await rescueFrom('endless-file');
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary).toMatchObject({ contacts: 12, events: 10, photos: 0, status: 'done' });
    const device = outcome.vault.device('LBDEMO0001')!;
    const skips = outcome.vault.skips(device.id).filter((s) => s.kind === 'media');
    expect(skips.length).toBe(imageMedia.size);
    for (const skip of skips) expect(skip.reason).toMatch(/went on sending .* past \d+ bytes, though it listed the file as \d+ bytes/);
    expect(outcome.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);
    outcome.vault.close();
  });

  it('lying-size: the photos are rescued byte for byte whatever sizes the listing gave', async () => {
    const outcome = await rescueFrom('lying-size');
    expect(outcome.summary).toMatchObject({ contacts: 12, events: 10, photos: imageMedia.size, status: 'done' });
    const photos = photosIn(outcome.vault);
    for (const [p, bytes] of imageMedia) expect(photos.get(p), p).toBe(sha256(bytes));
    outcome.vault.close();
  });

  it('evil-names: odd names are rescued or refused, the export stays inside its folder and verifies', async () => {
    const outcome = await rescueFrom('evil-names');
    expect(outcome.summary).toMatchObject({ contacts: 12, events: 10, status: 'done' });
    const photos = photosIn(outcome.vault);
    for (const [p, bytes] of imageMedia) expect(photos.get(p), p).toBe(sha256(bytes));
    const saved = [...photos.keys()];
    expect(saved.every((p) => !p.split('/').some((s) => s === '..' || s === '.' || s === ''))).toBe(true);
    // Names a client can ask for (control characters, 4 KiB long) are kept as the phone named them.
    for (const { name, servable } of EVIL_NAMES) {
      if (servable) expect(saved.some((p) => p.endsWith(`/${name.toString('utf8')}`)), JSON.stringify(name.toString('utf8').slice(0, 40))).toBe(true);
    }
    const out = path.join(path.dirname(outcome.vaultDir), 'export');
    await exportBag({ vault: outcome.vault, out, vcardVersion: '3.0', photoLayout: 'as-on-device' });
    expect(await verifyBag(out)).toEqual([]);
    expect(tree(path.dirname(outcome.vaultDir)).every((p) => /^(vault|keys|export)/.test(p))).toBe(true);
    for (const file of tree(out)) expect(file).not.toMatch(/[\u0000-\u001f]/);
    outcome.vault.close();
  });

  it('endless-shell: who the phone is cannot be read, and the run says why', async () => {
    const started = Date.now();
    const outcome = await rescueFrom('endless-shell').catch((error: unknown) => ({ error }) as Partial<Outcome>);
    expect(outcome.error).toBeInstanceOf(BadInputError);
    expect((outcome.error as Error).message).toMatch(/went on past \d+ characters/);
    expect(Date.now() - started).toBeLessThan(60_000);
    outcome.vault?.close();
  });

  it('endless-row: contacts and calendar are reported unreadable, photos are still rescued', async () => {
    const outcome = await rescueFrom('endless-row');
    expect(outcome.error).toBeInstanceOf(BadInputError);
    expect((outcome.error as Error).message).toMatch(/contacts: .*\n.*calendar: /);
    expect(outcome.summary).toMatchObject({ contacts: 0, events: 0, photos: imageMedia.size, status: 'failed' });
    expect(outcome.peakRss).toBeLessThan(MEMORY_BOUND_BYTES);
    outcome.vault.close();
  });
});
