import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIphoneSource } from '../../adapters/iphone/iphone-source.ts';
import { formatUsbmuxAddress } from '../../protocols/usbmux/usbmux-address.ts';
import { UsbmuxClient } from '../../protocols/usbmux/usbmux-client.ts';
import { runRescue } from '../../rescue/rescue-run.ts';
import { Vault } from '../../vault/vault.ts';
import { startIphoneSimulator, type IphoneSimulator } from './iphone-simulator.ts';
import { makeIphoneImage } from './make-iphone-image.ts';

/**
 * The simulated iPhone is faithful enough when Debian's libimobiledevice 1.3.0 tools (libusbmuxd
 * 2.0.2, libplist 2.2, OpenSSL 3) accept it through USBMUXD_SOCKET_ADDRESS: device list, lockdown
 * without a session, pairing, validation (a TLS session with the pair record they made), and
 * values read inside that session. Lifeboat then rescues DCIM from the same phone byte for byte.
 */
const TOOLS = ['idevice_id', 'ideviceinfo', 'idevicepair'];

function run(tool: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function toolMissing(): string | undefined {
  for (const tool of TOOLS) {
    const found = (process.env.PATH ?? '').split(':').some((dir) => fs.existsSync(path.join(dir, tool)));
    if (!found) return tool;
  }
  return undefined;
}

let root: string;
let imageDir: string;
let sim: IphoneSimulator;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-iphone-peer-'));
  imageDir = makeIphoneImage(path.join(root, 'image'));
  sim = await startIphoneSimulator({ imageDir, listen: { kind: 'unix', path: path.join(root, 'usbmuxd.sock') }, trust: 'ask', trustDelayMs: 500 });
  env = { ...process.env, USBMUXD_SOCKET_ADDRESS: formatUsbmuxAddress(sim.address) };
});

afterAll(async () => {
  await sim?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("Debian's libimobiledevice tools against the simulated iPhone", { timeout: 120_000 }, () => {
  it('has the tools (apt-get install -y libimobiledevice-utils)', () => {
    const missing = toolMissing();
    expect(missing, `${missing} is missing: install it: apt-get install -y libimobiledevice-utils`).toBeUndefined();
  });

  it('idevice_id -l lists the phone (usbmux ListDevices)', async () => {
    const result = await run('idevice_id', ['-l'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(sim.profile.udid);
  });

  it('ideviceinfo -s reads lockdown values without pairing', async () => {
    const result = await run('ideviceinfo', ['-s'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`UniqueDeviceID: ${sim.profile.udid}`);
    expect(result.stdout).toContain('ProductVersion: 17.5.1');
    expect(result.stdout).toContain("DeviceName: Ada's iPhone");
    expect(result.stdout).not.toContain('SerialNumber'); // kept for paired hosts
  });

  it('idevicepair pair: first the Trust dialog, then (after the tap) success; validate opens a TLS session', async () => {
    const first = await run('idevicepair', ['pair'], env);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/Please accept the trust dialog on the screen of device/);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const second = await run('idevicepair', ['pair'], env);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`SUCCESS: Paired with device ${sim.profile.udid}`);
    expect(sim.trustedHostIds()).toHaveLength(1);
    const validate = await run('idevicepair', ['validate'], env);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout).toContain(`SUCCESS: Validated pairing with device ${sim.profile.udid}`);
  });

  it('ideviceinfo (in a TLS session) and -q com.apple.mobile.battery read the paired phone', async () => {
    const all = await run('ideviceinfo', [], env);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain('SerialNumber: F2LSIM0001XY'); // only inside a session
    const battery = await run('ideviceinfo', ['-q', 'com.apple.mobile.battery'], env);
    expect(battery.code, battery.stderr).toBe(0);
    expect(battery.stdout).toContain('BatteryCurrentCapacity: 64');
    const key = await run('ideviceinfo', ['-k', 'ProductType'], env);
    expect(key.stdout.trim()).toBe('iPhone14,5');
  });

  it('Lifeboat pairs with the same phone and rescues its DCIM byte for byte', async () => {
    const told: string[] = [];
    const source = await openIphoneSource({
      udid: sim.profile.udid,
      usbmux: new UsbmuxClient(sim.address),
      dataDir: path.join(root, 'data'),
      onWaitingForOwner: (message) => told.push(message),
      retryMs: 100,
    });
    const vault = await Vault.open(path.join(root, 'vault'), { create: true });
    try {
      const summary = await runRescue({ source, vault, categories: ['contacts', 'calendar', 'photos'] });
      expect(summary).toMatchObject({ contacts: 0, events: 0, photos: 4, status: 'done' });
      expect(told.join('\n')).toMatch(/tap "Trust"/);
      const device = vault.device('F2LSIM0001XY')!;
      const saved = new Map<string, string>();
      for (const item of vault.latestItems<{ entry: { path: string } }>(device.id, 'media')) saved.set(item.record.entry.path, item.sha256);
      const expected = ['DCIM/100APPLE/IMG_0001.JPG', 'DCIM/100APPLE/IMG_0002.JPG', 'DCIM/101APPLE/IMG_0101.JPG', 'DCIM/101APPLE/IMG_0102.MOV'];
      expect([...saved.keys()].sort()).toEqual(expected);
      for (const p of expected) {
        const bytes = fs.readFileSync(path.join(imageDir, 'storage', p));
        expect(saved.get(p), p).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
      expect(sim.writeAttempts).toEqual([]);
      expect(sim.trustedHostIds()).toHaveLength(2); // libimobiledevice's host and Lifeboat's
    } finally {
      await source.close();
      vault.close();
    }
  });
});
