/**
 * The ADB simulator as a real USB device in the lab's guest (dummy_hcd + FunctionFS, through
 * `simulate --gadget`), accepted by real clients over a real USB bus: Debian's adb (devices,
 * shell content query, pull) and Lifeboat itself through npm `usb` (devices --json, rescue
 * --device usb:...), and a cable pulled mid-transfer (the gadget's UDC unbound) that ends the run
 * with exit 3 and a re-plug after which the same command finishes, nothing lost or read twice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdbSimulator } from '../../native/sim/adb/adb-simulator.ts';
import { DEMO_IMAGE, expectResumedWithNothingTwice, explain, filesUnder, guestScript, hostReference, jsonLines, noteRun, noteTime, photoPhoneImage, sha256, usbIdOf } from './lab-fixtures.ts';
import { prepareLab, type Lab } from './qemu-guest.ts';

let lab: Lab;
let hostDir: string;

beforeAll(async () => {
  const started = performance.now();
  lab = await prepareLab();
  noteTime(`lab prepared (packages checked, initramfs, CLI bundle) in ${Math.round(performance.now() - started)} ms`);
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-usb-lab-host-'));
}, 900_000);

afterAll(() => {
  lab?.cleanup();
  if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
});

describe('the ADB simulator as a real USB device (FunctionFS gadget on dummy_hcd)', () => {
  it('is accepted by Debian adb (devices, content query, pull) and Lifeboat rescues it through npm usb', async () => {
    const usbId = usbIdOf(DEMO_IMAGE);
    const run = await lab.run({
      timeoutSeconds: 420,
      script: `IMAGE=${JSON.stringify(DEMO_IMAGE)} USB_ID=${usbId}\n${guestScript('adb-clients.sh')}`,
    });
    noteRun('ADB gadget + real clients', run);
    expect(run.exitCode, explain(run)).toBe(0);

    // adb devices: the phone by its serial, in state "device", on the USB bus.
    const serial = JSON.parse(fs.readFileSync(path.join(DEMO_IMAGE, 'device.json'), 'utf8')).serial as string;
    expect(run.read('adb-devices.txt')).toMatch(new RegExp(`^${serial}\\s+device usb:\\S+ product:\\S+ model:Pixel_7`, 'm'));

    // adb shell content query: exactly what the phone prints (the simulator's own answer, run here on the host).
    const simulator = startAdbSimulator({ imageDir: DEMO_IMAGE, auth: 'trust-all', log: () => undefined });
    const expected = await simulator.runShell('content query --uri content://com.android.contacts/data');
    await simulator.close();
    expect(expected.stdout).toMatch(/^Row: 0 /);
    expect(run.read('content-query.txt')).toBe(expected.stdout);

    // adb pull /sdcard/DCIM: byte for byte.
    const pulled = filesUnder(path.join(run.share, 'pulled'));
    const original = filesUnder(path.join(DEMO_IMAGE, 'storage', 'DCIM'));
    expect([...pulled.keys()].sort()).toEqual([...original.keys()].sort());
    for (const [name, bytes] of original) expect(sha256(pulled.get(name)!), name).toBe(sha256(bytes));

    // lifeboat devices --json (adb server killed): the phone, ready, with its battery.
    const devices = JSON.parse(run.read('devices.json')) as Record<string, unknown>[];
    expect(devices).toEqual([
      expect.objectContaining({ transport: 'adb', manufacturer: 'Google', model: 'Pixel 7', serial, battery: 23, state: 'ready', rescuable: ['contacts', 'calendar', 'photos'] }),
    ]);
    expect(devices[0]!.id).toMatch(/^usb:/);

    // lifeboat rescue --device usb:...: the same contacts, events and photos as a rescue of the image itself.
    expect(run.read('rescue.rc').trim(), run.read('rescue.err')).toBe('0');
    const summary = jsonLines(run.read('rescue.jsonl')).at(-1)!;
    const reference = hostReference(DEMO_IMAGE, path.join(hostDir, 'demo'));
    expect(summary).toMatchObject({ type: 'summary', status: 'done', serial, contacts: reference.summary.contacts, events: reference.summary.events, photos: reference.summary.photos });
    expect(run.read('verify.rc').trim(), run.read('verify.txt')).toBe('0');
    const blobs = new Set(run.read('vault-blobs.txt').split('\n').filter(Boolean));
    expect(reference.photos.size).toBe(reference.summary.photos);
    for (const [name, bytes] of reference.photos) expect(blobs.has(sha256(bytes)), `${name} byte for byte in the vault`).toBe(true);
  }, 600_000);

  it('a cable pulled mid-transfer (UDC unbound) ends the run with exit 3; plugged in again, the same command finishes without reading anything twice', async () => {
    const count = 16;
    const bytes = 256 * 1024;
    const { files, photos } = photoPhoneImage('image', count, bytes);
    const usbId = usbIdOf(DEMO_IMAGE);
    const run = await lab.run({
      timeoutSeconds: 480,
      files,
      script: `IMAGE=$LAB/image USB_ID=${usbId} CUT_AFTER_PHOTOS=3\n${guestScript('adb-unplug.sh')}`,
    });
    noteRun('ADB gadget unplug + resume', run);
    expect(run.exitCode, explain(run)).toBe(0);

    // ADB's sync RECV cannot start at an offset: the cut photo's kept prefix crosses the bus
    // again and is dropped, not kept twice.
    expectResumedWithNothingTwice(run, photos, bytes);
  }, 600_000);
});
