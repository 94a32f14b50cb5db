/**
 * The MTP simulator as a real USB device in the lab's guest (dummy_hcd + FunctionFS, through
 * `simulate --image images/demo-mtp --gadget`), accepted by real clients over a real USB bus:
 * libmtp's mtp-detect, mtp-files and mtp-getfile (byte for byte), and Lifeboat itself through npm
 * `usb` (rescue --device usb:...), which gives what a rescue of the image's folder gives. Then
 * hostile phones over the same bus: a rescue ends by itself, with the error and exit code the
 * in-process tests expect (native/adapters/mtp/mtp-hostile.test.ts), in bounded time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, hostReference, guestScript, jsonLines, noteRun, noteTime, sha256, usbIdOf } from './lab-fixtures.ts';
import { prepareLab, REPO_ROOT, type Lab } from './qemu-guest.ts';

const MTP_IMAGE = path.join(REPO_ROOT, 'images', 'demo-mtp');
const PHOTO = 'DCIM/Camera/IMG_20240612_101500.jpg';

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

  it('hostile phones over the real bus: a stall mid-object and a truncated container end the rescue by themselves, as in-process', async () => {
    // What native/adapters/mtp/mtp-hostile.test.ts expects of each mode; over the CLI the stall
    // limit is the session's default (60 s), not the 1 s that test sets.
    const expected = {
      'truncated-container': { rc: '0', status: 'done', message: /truncated\.jpg.*truncated/ },
      'stall-mid-object': { rc: '3', status: 'lost', message: /stopped answering.*nothing for 60 s/ },
    } as const;
    const modes = Object.keys(expected) as (keyof typeof expected)[];
    const run = await lab.run({
      timeoutSeconds: 540,
      script: `IMAGE=${JSON.stringify(MTP_IMAGE)} USB_ID=${usbIdOf(MTP_IMAGE)} MODES="${modes.join(' ')}"\n${guestScript('mtp-hostile.sh')}`,
    });
    noteRun('MTP gadget, hostile modes', run);
    expect(run.exitCode, explain(run)).toBe(0);
    const reference = simReference(MTP_IMAGE, path.join(hostDir, 'demo-mtp-hostile'));
    for (const mode of modes) {
      const want = expected[mode];
      const err = run.read(`${mode}.err`);
      const lines = run.read(`${mode}.jsonl`);
      const ms = Number(run.read(`${mode}.ms`).trim());
      noteTime(`hostile ${mode} over the bus: rescue ended after ${ms} ms with exit ${run.read(`${mode}.rc`).trim()}`);
      expect(run.read(`${mode}.rc`).trim(), `${mode}\n${err}\n${lines.slice(-3000)}`).toBe(want.rc);
      const summary = jsonLines(lines).at(-1)!;
      expect(summary, mode).toMatchObject({ type: 'summary', status: want.status });
      expect(`${lines}\n${err}`, mode).toMatch(want.message);
      // The honest part of the phone, ahead of the hostile folders, is safe either way.
      expect(summary.contacts, mode).toBe(reference.contacts);
      expect(summary.events, mode).toBe(reference.events);
      expect(summary.photos, mode).toBe(reference.photos);
      // Bounded: the stall limit plus the rest of the run, well under the script's 200 s kill.
      expect(ms, mode).toBeLessThan(150_000);
    }
  }, 600_000);
});
