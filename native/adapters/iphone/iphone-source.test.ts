import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKDOWN_REQUEST_ALLOWLIST, LOCKDOWN_SERVICE_ALLOWLIST } from '../../protocols/lockdown/lockdown-client.ts';
import { USBMUX_REQUEST_ALLOWLIST, UsbmuxClient } from '../../protocols/usbmux/usbmux-client.ts';
import { startIphoneSimulator, type IphoneSimulator } from '../../sim/iphone/iphone-simulator.ts';
import type { TrustMode } from '../../sim/iphone/lockdownd-service.ts';
import { makeIphoneImage } from '../../sim/iphone/make-iphone-image.ts';
import { BadInputError } from '../errors.ts';
import { listIphones } from './iphone-listing.ts';
import { TRUST_MESSAGE, UNLOCK_MESSAGE } from './iphone-connect.ts';
import { IPHONE_RECORDS_HINT, openIphoneSource } from './iphone-source.ts';

let root: string;
let imageDir: string;
let count = 0;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-iphone-'));
  imageDir = makeIphoneImage(path.join(root, 'image'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function phone(trust: TrustMode): Promise<{ sim: IphoneSimulator; dataDir: string; usbmux: UsbmuxClient }> {
  const dir = path.join(root, `run-${++count}`);
  fs.mkdirSync(dir);
  const sim = await startIphoneSimulator({ imageDir, listen: { kind: 'unix', path: path.join(dir, 'mux.sock') }, trust, trustDelayMs: 300 });
  return { sim, dataDir: path.join(dir, 'data'), usbmux: new UsbmuxClient(sim.address) };
}

describe('a live iPhone through usbmuxd, lockdown and AFC', { timeout: 60_000 }, () => {
  it('asks the owner to tap Trust, keeps the pair record (0600) and is not asked again', async () => {
    const { sim, dataDir, usbmux } = await phone('ask');
    try {
      const told: string[] = [];
      const source = await openIphoneSource({ udid: sim.profile.udid, usbmux, dataDir, onWaitingForOwner: (m) => told.push(m), retryMs: 100 });
      expect(told).toEqual([TRUST_MESSAGE]);
      expect(await source.identity()).toMatchObject({ transport: 'iphone', vendorId: 0x05ac, manufacturer: 'Apple', model: 'iPhone14,5', serial: 'F2LSIM0001XY', battery: 64 });
      const skips: string[] = [];
      for await (const _ of source.contacts((r) => skips.push(r))) throw new Error('no contacts expected');
      expect(skips.join()).toContain(IPHONE_RECORDS_HINT);
      const media = [];
      for await (const entry of source.media()) media.push(entry.path);
      expect(media).toEqual(['DCIM/100APPLE/IMG_0001.JPG', 'DCIM/100APPLE/IMG_0002.AAE', 'DCIM/100APPLE/IMG_0002.JPG', 'DCIM/101APPLE/IMG_0101.JPG', 'DCIM/101APPLE/IMG_0102.MOV']);
      // A read resumed at an offset gives exactly the rest of the file.
      const movie = fs.readFileSync(path.join(imageDir, 'storage', 'DCIM', '101APPLE', 'IMG_0102.MOV'));
      const chunks: Buffer[] = [];
      for await (const chunk of await source.openMedia({ path: 'DCIM/101APPLE/IMG_0102.MOV', size: movie.length, mtimeMs: 0 }, 1_500_000)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(movie.subarray(1_500_000))).toBe(true);
      await source.close();

      const record = path.join(dataDir, 'lockdown', `${sim.profile.udid}.plist`);
      expect(fs.statSync(record).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(record, 'utf8')).toContain('<key>HostPrivateKey</key>');
      const again: string[] = [];
      const second = await openIphoneSource({ udid: sim.profile.udid, usbmux, dataDir, onWaitingForOwner: (m) => again.push(m) });
      await second.close();
      expect(again).toEqual([]);
      expect(sim.trustedHostIds()).toHaveLength(1);
      expect(sim.writeAttempts).toEqual([]);

      const listed = await listIphones(() => undefined, { address: sim.address, dataDir });
      expect(listed).toEqual([expect.objectContaining({ id: `iphone:${sim.profile.udid}`, state: 'ready', battery: 64, serial: 'F2LSIM0001XY', rescuable: ['photos'] })]);
    } finally {
      await sim.close();
    }
  });

  it('"Don\'t Trust" is a clear error', async () => {
    const { sim, dataDir, usbmux } = await phone('deny');
    try {
      const error = await openIphoneSource({ udid: sim.profile.udid, usbmux, dataDir, retryMs: 100 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BadInputError);
      expect((error as Error).message).toMatch(/"Don't Trust" was tapped/);
      expect(fs.existsSync(path.join(dataDir, 'lockdown', `${sim.profile.udid}.plist`))).toBe(false);
    } finally {
      await sim.close();
    }
  });

  it('a locked phone: "unlock it" is said, and it pairs once unlocked; listing never pairs', async () => {
    const { sim, dataDir, usbmux } = await phone('locked');
    try {
      const listed = await listIphones(() => undefined, { address: sim.address, dataDir });
      expect(listed).toEqual([expect.objectContaining({ state: 'needs-trust', model: 'iPhone14,5' })]);
      const timedOut = await openIphoneSource({ udid: sim.profile.udid, usbmux, dataDir, retryMs: 50, trustTimeoutMs: 300 }).catch((e: unknown) => e);
      expect((timedOut as Error).message).toMatch(/stayed locked/);
      const told: string[] = [];
      // The owner unlocks the phone once told to.
      const onWaitingForOwner = (m: string) => {
        told.push(m);
        setTimeout(() => sim.unlock(), 200);
      };
      const source = await openIphoneSource({ udid: sim.profile.udid, usbmux, dataDir, retryMs: 50, onWaitingForOwner });
      await source.close();
      expect(told).toEqual([UNLOCK_MESSAGE]);
    } finally {
      await sim.close();
    }
  });

  it('an unknown UDID and a missing usbmuxd are errors that say what to do', async () => {
    const { sim, dataDir, usbmux } = await phone('trusted');
    try {
      await expect(openIphoneSource({ udid: '00000000-0000000000000000', usbmux, dataDir })).rejects.toThrow(/no iPhone with UDID .* is attached/);
    } finally {
      await sim.close();
    }
    const gone = new UsbmuxClient({ kind: 'unix', path: path.join(root, 'nothing.sock') });
    await expect(openIphoneSource({ udid: sim.profile.udid, usbmux: gone, dataDir })).rejects.toThrow(/no usbmuxd is listening at UNIX:.*nothing\.sock/);
  });

  it('the requests Lifeboat may send change nothing on the phone but its trust', () => {
    expect([...LOCKDOWN_REQUEST_ALLOWLIST].sort()).toEqual(['GetValue', 'Pair', 'QueryType', 'StartService', 'StartSession', 'StopSession', 'ValidatePair']);
    expect(LOCKDOWN_SERVICE_ALLOWLIST).toEqual(['com.apple.afc']);
    expect(USBMUX_REQUEST_ALLOWLIST).not.toContain('DeletePairRecord');
  });
});
