/**
 * The MTP simulator as a real USB device in the lab's guest (dummy_hcd + FunctionFS, through
 * `simulate --image images/demo-mtp --gadget`), accepted by real clients over a real USB bus:
 * libmtp's mtp-detect, mtp-files and mtp-getfile (byte for byte), and Lifeboat itself through npm
 * `usb` (rescue --device usb:...), which gives what a rescue of the image's folder gives. Then
 * every hostile phone of native/sim/mtp/mtp-hostile.ts over the same bus, in one boot with
 * systemd-udevd running: a rescue ends by itself, with the error and exit code the in-process
 * tests expect (native/adapters/mtp/mtp-hostile.test.ts), bounded in time and memory, nothing
 * written outside its vault, the honest files safe; the vanishing phone really leaves the bus.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, filesUnder, hostReference, guestScript, jsonLines, noteRun, noteTime, sha256, usbIdOf } from './lab-fixtures.ts';
import { HOSTILE_MODES, type HostileMode } from '../../native/sim/mtp/mtp-hostile.ts';
import { prepareLab, REPO_ROOT, type Lab } from './qemu-guest.ts';

const MTP_IMAGE = path.join(REPO_ROOT, 'images', 'demo-mtp');
const PHOTO = 'DCIM/Camera/IMG_20240612_101500.jpg';
/**
 * The huge folder over the emulated bus: every entry is a GetObjectInfo round trip through
 * dummy_hcd under TCG, about 30 ms on a loaded 2-core machine (5,000 entries took 156 s), against
 * 0.04 ms in-process, where mtp-hostile.test.ts lists all 100,000.
 */
const HUGE_FOLDER_ENTRIES = 1000;

/** The summary of `rescue --sim IMAGE` on the host: the same simulator behind an in-process virtual USB device. */
function simReference(image: string, workDir: string): Record<string, unknown> {
  const rescue = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'native/cli/main.ts'), 'rescue', '--sim', image, '--vault', `${workDir}-vault`, '--json'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (rescue.status !== 0) throw new Error(`rescue --sim ${image} failed: ${rescue.stderr}`);
  return jsonLines(rescue.stdout).at(-1)!;
}

let lab: Lab;
let hostDir: string;

beforeAll(async () => {
  lab = await prepareLab();
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-usb-lab-mtp-gadget-'));
}, 900_000);

afterAll(() => {
  lab?.cleanup();
  if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
});

describe('the MTP simulator as a real USB device (FunctionFS gadget on dummy_hcd)', () => {
  it('is accepted by libmtp (mtp-detect, mtp-files, mtp-getfile byte for byte) and Lifeboat rescues it through npm usb', async () => {
    const run = await lab.run({
      timeoutSeconds: 420,
      script: `IMAGE=${JSON.stringify(MTP_IMAGE)} USB_ID=${usbIdOf(MTP_IMAGE)} PHOTO=${path.basename(PHOTO)}\n${guestScript('mtp-gadget.sh')}`,
    });
    noteRun('MTP gadget + libmtp + Lifeboat', run);
    expect(run.exitCode, explain(run)).toBe(0);
    const device = JSON.parse(fs.readFileSync(path.join(MTP_IMAGE, 'device.json'), 'utf8')) as { manufacturer: string; model: string; serial: string };

    // mtp-detect: libmtp took it for an MTP device and read its DeviceInfo.
    const detect = run.read('mtp-detect.txt');
    const diagnosis = ['lsusb.txt', 'configuration.txt', 'gadget.log', 'dmesg.txt'].map((f) => `--- ${f}\n${run.exists(f) ? run.read(f).slice(-4000) : ''}`).join('\n');
    expect(run.read('mtp-detect.rc').trim(), detect).toBe('0');
    expect(detect, diagnosis).toContain(`Manufacturer: ${device.manufacturer}`);
    expect(detect).toContain(`Model: ${device.model}`);
    expect(detect).toContain(`Serial number: ${device.serial}`);
    expect(detect).toMatch(/microsoft\.com: 1\.0/);

    // mtp-files: every file of the image's storage, by name.
    const listing = run.read('mtp-files.txt');
    expect(run.read('mtp-files.rc').trim(), listing).toBe('0');
    const storage = path.join(MTP_IMAGE, 'storage');
    const names = fs.readdirSync(storage, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(listing).toContain(`Filename: ${name}`);

    // mtp-getfile: byte for byte.
    expect(run.exists('mtp-getfile.rc'), run.output).toBe(true);
    expect(run.read('mtp-getfile.rc').trim(), run.read('mtp-getfile.txt')).toBe('0');
    expect(sha256(fs.readFileSync(path.join(run.share, 'getfile.jpg')))).toBe(sha256(fs.readFileSync(path.join(storage, PHOTO))));

    // lifeboat rescue --device usb:...: the contacts, events and photos a rescue of the image's folder gives.
    expect(run.read('rescue.rc').trim(), run.read('rescue.err')).toBe('0');
    const summary = jsonLines(run.read('rescue.jsonl')).at(-1)!;
    // `rescue --image` reads the folder (photos only: an image's contacts come from providers/,
    // which this phone has not); `rescue --sim` is the same simulator on a virtual USB device.
    const reference = hostReference(MTP_IMAGE, path.join(hostDir, 'demo-mtp'));
    const simulated = simReference(MTP_IMAGE, path.join(hostDir, 'demo-mtp-sim'));
    expect(reference.summary.photos).toBeGreaterThan(0);
    expect(simulated.contacts).toBeGreaterThan(0);
    expect(simulated.events).toBeGreaterThan(0);
    expect(summary).toMatchObject({
      type: 'summary',
      status: 'done',
      serial: device.serial,
      contacts: simulated.contacts,
      events: simulated.events,
      photos: reference.summary.photos,
    });
    const blobs = new Set(run.read('vault-blobs.txt').split('\n').filter(Boolean));
    for (const [name, bytes] of reference.photos) expect(blobs.has(sha256(bytes)), `${name} byte for byte in the vault`).toBe(true);
    expect(run.read('verify.rc').trim(), run.read('verify.txt')).toBe('0');
  }, 600_000);

  it('every hostile phone over the real bus, in one boot: each rescue ends by itself with its clear error and exit code, bounded in time and memory, writes nothing outside its vault, and keeps the honest files', async () => {
    // What native/adapters/mtp/mtp-hostile.test.ts expects of each mode in-process; over the CLI
    // the stall limit is the session's default (60 s), not the 1 s that test sets.
    const expected: Record<HostileMode, { rc: string; status: string; message?: RegExp; seconds: number }> = {
      'size-lies-small': { rc: '0', status: 'done', message: /size-small\.jpg.*listed object \d+ as 1000 bytes but sends \d+/, seconds: 90 },
      'size-lies-big': { rc: '0', status: 'done', message: /size-big\.jpg.*listed object \d+ as 5000000000 bytes but sends \d+/, seconds: 90 },
      'folder-cycle': { rc: '0', status: 'done', message: /folder cycle/, seconds: 90 },
      'huge-folder': { rc: '0', status: 'done', seconds: 120 },
      'bad-names': { rc: '0', status: 'done', message: /length-lies|object-\d+.*could not be read/, seconds: 90 },
      'malformed-container': { rc: '0', status: 'done', message: /object-\d+.*(shorter than its header|needs 12 bytes)/, seconds: 90 },
      'truncated-container': { rc: '0', status: 'done', message: /truncated\.jpg.*truncated/, seconds: 90 },
      'wrong-transaction-id': { rc: '0', status: 'done', message: /answered transaction \d+ with the id \d+/, seconds: 90 },
      'stall-mid-object': { rc: '3', status: 'lost', message: /stopped answering.*nothing for 60 s/, seconds: 150 },
      'vanish-mid-object': { rc: '3', status: 'lost', message: /disconnected/, seconds: 90 },
    };
    /** Honest photos a mode adds: the photo inside the loop, three photos with hostile names (kept under safe names). */
    const honestExtra: Partial<Record<HostileMode, number>> = { 'folder-cycle': 1, 'bad-names': 3 };
    const modes = HOSTILE_MODES.map((mode) => (mode === 'huge-folder' ? `huge-folder=${HUGE_FOLDER_ENTRIES}` : mode));
    // images/demo-mtp under USB ids no kernel driver wants: with udevd running, the guest's
    // kernel would bind usb_serial_simple to the real Nokia 130's 0421:069a (as a desktop's does)
    // and every claim of the MTP interface would fail as busy.
    const files: Record<string, Buffer> = {};
    const device = JSON.parse(fs.readFileSync(path.join(MTP_IMAGE, 'device.json'), 'utf8')) as Record<string, unknown>;
    files['hostile-image/device.json'] = Buffer.from(JSON.stringify({ ...device, vendorId: 0x1209, productId: 0x0001 }));
    for (const [name, bytes] of filesUnder(path.join(MTP_IMAGE, 'storage'))) files[`hostile-image/storage/${name}`] = bytes;
    const run = await lab.run({
      timeoutSeconds: 900,
      files,
      script: `IMAGE=$LAB/hostile-image USB_ID=1209:0001 MODES="${modes.join(' ')}"\n${guestScript('mtp-hostile.sh')}`,
    });
    noteRun('MTP gadget, every hostile mode', run);
    expect(run.exitCode, explain(run)).toBe(0);
    // udevd (Debian's systemd-udevd from the host's root) ran in the guest while the phones came and went.
    expect(run.read('udevd.txt'), 'systemd-udevd in the guest').toMatch(/^running\n\d+/);
    const reference = simReference(MTP_IMAGE, path.join(hostDir, 'demo-mtp-hostile'));
    const honestPhotos = hostReference(MTP_IMAGE, path.join(hostDir, 'demo-mtp-hostile-image')).photos;
    for (const mode of HOSTILE_MODES) {
      const want = expected[mode];
      const err = run.read(`${mode}.err`);
      const lines = run.read(`${mode}.jsonl`);
      const rc = run.read(`${mode}.rc`).trim();
      const ms = Number(run.read(`${mode}.ms`).trim());
      const maxRssKiB = Number(run.read(`${mode}.maxrss`).trim().split('\n').at(-1));
      noteTime(`hostile ${mode} over the bus: exit ${rc} after ${ms} ms, peak ${Math.round(maxRssKiB / 1024)} MB`);
      const context = `${mode}\n${err}\n${lines.slice(-3000)}`;
      expect(rc, context).toBe(want.rc);
      const summary = jsonLines(lines).at(-1)!;
      expect(summary, context).toMatchObject({ type: 'summary', status: want.status });
      // The clear error: the reason a skipped object gives, or the lost run's message.
      if (want.message) expect(`${lines}\n${err}`, context).toMatch(want.message);
      if (want.rc === '3') expect(err, context).toMatch(/reconnect and run the same command to resume/);
      expect(err, context).not.toMatch(/\n\s+at /); // no stack trace: never a crash
      // The honest part of the phone, ahead of the hostile folders, is safe byte for byte.
      expect(summary.contacts, context).toBe(reference.contacts);
      expect(summary.events, context).toBe(reference.events);
      expect(summary.photos, context).toBe((reference.photos as number) + (honestExtra[mode] ?? 0));
      const blobs = new Set(run.read(`${mode}.blobs`).split('\n').filter(Boolean));
      for (const [name, bytes] of honestPhotos) expect(blobs.has(sha256(bytes)), `${mode}: ${name} in the vault`).toBe(true);
      // Bounded: time (the stall limit plus the rest of the run) and memory.
      expect(ms, context).toBeLessThan(want.seconds * 1000);
      expect(maxRssKiB, `${mode}: peak memory of the rescue`).toBeGreaterThan(0);
      expect(maxRssKiB, `${mode}: peak memory of the rescue`).toBeLessThan(300 * 1024);
      // Nothing outside the vault.
      expect(run.read(`${mode}.workdir`).trim(), mode).toBe('vault');
      expect(run.read(`${mode}.outside`).trim(), `${mode}: files written outside the vault`).toBe('');
      // The phone that vanishes really left the bus; every other one was still there.
      expect(run.read(`${mode}.onbus`).trim(), mode).toBe(mode === 'vanish-mid-object' ? 'no' : 'yes');
      // And the simulator stopped when told (a gadget that had to be killed would leave configfs behind).
      expect(run.read(`${mode}.stop`).trim(), `${mode}: the gadget stopped on SIGTERM`).toBe('0');
    }
  }, 1_000_000);
});
