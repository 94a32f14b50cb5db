/**
 * An iPhone over PTP, in-process: the MTP simulator's iPhone flavour behind a virtual USB device,
 * read by the MTP adapter. One test per quirk: the trust placeholder (0xFEEDFACE), a locked
 * phone, the owner tapping Trust while Lifeboat waits, duplicate names in a folder, HEIC/MOV/AAE.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FoundMedia } from '../../model/media.ts';
import { APPLE_PLACEHOLDER_STORAGE_ID, ContainerType, EventCode } from '../../protocols/mtp/mtp-codes.ts';
import { MtpSession } from '../../protocols/mtp/mtp-session.ts';
import { runRescue } from '../../rescue/rescue-run.ts';
import { buildIphonePtpImage, iphoneStorageFiles } from '../../sim/mtp/build-iphone-ptp-image.ts';
import type { IphoneTrust } from '../../sim/mtp/iphone-ptp.ts';
import { plugInMtpPhone } from '../../sim/mtp/mtp-simulator.ts';
import { Vault } from '../../vault/vault.ts';
import { PhoneNeedsOwnerError } from './iphone-trust.ts';
import { openMtpSource, probeMtpDevice } from './mtp-source.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-iphone-ptp-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let images = 0;
function image(trust: IphoneTrust, extra: Record<string, string | number | boolean> = {}): string {
  const out = path.join(dir, `image-${++images}`);
  buildIphonePtpImage(out, trust, extra);
  return out;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const TRUST_STEP = /unlock the iPhone and tap Trust, then run the same command again/i;

describe('an iPhone over PTP (the MTP simulator\'s iPhone flavour)', () => {
  it('looks like an iPhone on the bus: Apple 05ac, class 6/1/1, DeviceInfo "Apple iPhone", no MTP extension', async () => {
    const { device } = plugInMtpPhone({ imageDir: image('trusted') });
    expect(device.vendorId).toBe(0x05ac);
    const alternate = device.configurations[0]!.interfaces[0]!.alternates[0]!;
    expect([alternate.interfaceClass, alternate.interfaceSubclass, alternate.interfaceProtocol]).toEqual([6, 1, 1]);
    const session = await MtpSession.open(device);
    try {
      expect(session.deviceInfo).toMatchObject({ manufacturer: 'Apple Inc.', model: 'Apple iPhone', deviceVersion: '17.5.1', vendorExtensionId: 0 });
      expect(session.deviceInfo.vendorExtensionDesc).toMatch(/^ICPE\^0&CPLS\^0&ASN\^/);
      expect(await session.storageIds()).toEqual([0x0001_0001]);
    } finally {
      await session.close();
    }
  });

  it('rescues both photos called IMG_0001.JPG in one folder (neither overwritten), the HEIC and the MOV; the AAE sidecar is not a photo', async () => {
    const { device } = plugInMtpPhone({ imageDir: image('trusted') });
    const source = await openMtpSource(device, { stallTimeoutMs: 5000 });
    const vault = await Vault.open(path.join(dir, 'vault-trusted'), { create: true });
    try {
      const identity = await source.identity();
      expect(identity).toMatchObject({ transport: 'mtp', manufacturer: 'Apple Inc.', model: 'iPhone', vendorId: 0x05ac, battery: null });
      const found: FoundMedia[] = [];
      for await (const entry of source.media()) found.push(entry);
      expect(found.map((e) => [e.path, e.kind, e.mediaType])).toEqual([
        ['DCIM/100APPLE/IMG_0001.JPG', 'photo', 'image/jpeg'],
        [expect.stringMatching(/^DCIM\/100APPLE\/IMG_0001 \(object \d+\)\.JPG$/), 'photo', 'image/jpeg'],
        ['DCIM/100APPLE/IMG_0002.HEIC', 'photo', 'image/heic'],
        ['DCIM/100APPLE/IMG_0003.MOV', 'video', 'video/quicktime'],
        ['DCIM/101APPLE/IMG_0004.JPG', 'photo', 'image/jpeg'],
      ]);
      const skipped: string[] = [];
      await runRescue({ source, vault, categories: ['photos'], onEvent: (e) => e.type === 'item-skipped' && skipped.push(e.sourceKey) });
      expect(skipped).toEqual([]);
      const device1 = vault.devices()[0]!;
      const stored = [...vault.latestItems(device1.id, 'media')];
      const want = iphoneStorageFiles().filter((f) => f.media);
      expect(stored).toHaveLength(want.length);
      // Byte for byte, each once: the two IMG_0001.JPG are two items with their own bytes.
      expect(new Set(stored.map((s) => s.sha256))).toEqual(new Set(want.map((f) => sha256(f.bytes))));
      // The phone's file times are kept.
      const first = stored.find((s) => s.sourceKey.endsWith('IMG_0001.JPG'))!;
      expect(first.mtimeMs).toBe(Date.parse('2024-08-01T08:00:01Z'));
    } finally {
      await source.close();
      vault.close();
    }
  });

  it('an iPhone that does not trust this computer (placeholder storage 0xFEEDFACE): no rescue of nothing, but what the owner must do', async () => {
    const { device } = plugInMtpPhone({ imageDir: image('untrusted') });
    const session = await MtpSession.open(device);
    try {
      expect(await session.storageIds()).toEqual([APPLE_PLACEHOLDER_STORAGE_ID]);
      expect(await session.objectHandles(APPLE_PLACEHOLDER_STORAGE_ID, 0, 0xffff_ffff)).toEqual([]);
      expect((await session.storageInfo(APPLE_PLACEHOLDER_STORAGE_ID)).maxCapacity).toBe(0n);
    } finally {
      await session.close();
    }
    const waited: string[] = [];
    const started = Date.now();
    const error = await openMtpSource(device, { ownerWaitMs: 600, onWaitingForOwner: (m) => waited.push(m) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhoneNeedsOwnerError);
    expect((error as Error).message).toMatch(/does not trust this computer yet.*0xFEEDFACE/);
    expect((error as Error).message).toMatch(TRUST_STEP);
    expect(waited).toEqual([expect.stringMatching(/^Waiting up to 1 s for the phone: unlock the iPhone and tap Trust/)]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(5000);
    // `devices` says the same, at once.
    const probe = await probeMtpDevice(device);
    expect(probe).toMatchObject({ state: 'needs-trust', rescuable: [] });
    expect(probe.hint).toMatch(TRUST_STEP);
  });

  it('a locked iPhone (no storage at all): the same clear error', async () => {
    const { device } = plugInMtpPhone({ imageDir: image('locked') });
    const error = await openMtpSource(device, { ownerWaitMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PhoneNeedsOwnerError);
    expect((error as Error).message).toMatch(/iPhone is locked \(it lists no storage\)/);
    expect((error as Error).message).toMatch(TRUST_STEP);
  });

  it('the owner taps Trust while Lifeboat waits: StoreRemoved(0xFEEDFACE) and StoreAdded come on the interrupt pipe, and the rescue goes on', async () => {
    const { device } = plugInMtpPhone({ imageDir: image('untrusted', { iphoneTrustAfterMs: 700 }) });
    const source = await openMtpSource(device, { ownerWaitMs: 10_000 });
    try {
      // The events the phone sent (Lifeboat itself polls GetStorageIDs instead of reading them).
      const events: [number, number][] = [];
      for (let i = 0; i < 2; i++) {
        const r = await device.transferIn(3, 64);
        const view = r.data!;
        expect(view.getUint16(4, true)).toBe(ContainerType.event);
        events.push([view.getUint16(6, true), view.getUint32(12, true)]);
      }
      expect(events).toEqual([
        [EventCode.StoreRemoved, APPLE_PLACEHOLDER_STORAGE_ID],
        [EventCode.StoreAdded, 0x0001_0001],
      ]);
      let count = 0;
      for await (const entry of source.media()) count += entry.kind ? 1 : 0;
      expect(count).toBe(5);
    } finally {
      await source.close();
    }
  });

  it('iCloud Photos on (ICPE^1): `devices` says that photos kept only in iCloud are not on the phone', async () => {
    const { device } = plugInMtpPhone({ imageDir: image('trusted', { icloudPhotos: true }) });
    const probe = await probeMtpDevice(device);
    expect(probe).toMatchObject({ state: 'ready', rescuable: ['photos'] });
    expect(probe.hint).toMatch(/iCloud Photos is on/);
    expect(probe.identity.extra).toMatchObject({ icloudPhotos: true });
  });
});
