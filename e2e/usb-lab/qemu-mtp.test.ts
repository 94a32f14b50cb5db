/**
 * QEMU's own MTP responder (`usb-mtp`, rootdir = a copy of a device image's storage/) on the
 * guest's xHCI bus: libmtp's tools see it, Lifeboat rescues its photos byte for byte through
 * npm `usb`, and a device pulled off the bus mid-rescue (QMP device_del) ends the run with exit
 * 3; plugged back (device_add), the same command finishes without reading anything twice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_IMAGE, expectResumedWithNothingTwice, explain, guestScript, hostReference, jsonLines, noteRun, photoPhoneImage, sha256 } from './lab-fixtures.ts';
import { prepareLab, REPO_ROOT, type Lab } from './qemu-guest.ts';

/** The MTP client Lifeboat rescues with (another piece of work; the lab says so when it is missing). */
const MTP_CLIENT = path.join(REPO_ROOT, 'native', 'adapters', 'mtp', 'mtp-source.ts');
const mtpClientMissing = fs.existsSync(MTP_CLIENT) ? undefined : `MTP client not present yet (${path.relative(REPO_ROOT, MTP_CLIENT)})`;

let lab: Lab;
let hostDir: string;

beforeAll(async () => {
  lab = await prepareLab();
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-usb-lab-mtp-'));
}, 900_000);

afterAll(() => {
  lab?.cleanup();
  if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
});

/** QEMU's xHCI controller and its MTP responder serving `rootdir` read-only, on port 1. */
function usbMtp(rootdir: string): { args: string[]; device: Record<string, unknown> } {
  const device = { driver: 'usb-mtp', id: 'mtp0', bus: 'xhci.0', port: '1', rootdir, desc: 'Lifeboat lab', readonly: true };
  return { args: ['-device', 'qemu-xhci,id=xhci', '-device', `usb-mtp,id=mtp0,bus=xhci.0,port=1,rootdir=${rootdir},desc=Lifeboat lab,readonly=on`], device };
}

describe("QEMU's MTP responder (usb-mtp) on the guest's USB bus", () => {
  it('is seen by lsusb and libmtp, and Lifeboat rescues its photos byte for byte', async (context) => {
    const rootdir = path.join(hostDir, 'demo-storage');
    fs.cpSync(path.join(DEMO_IMAGE, 'storage'), rootdir, { recursive: true });
    if (mtpClientMissing) process.stderr.write(`usb-lab: Lifeboat's part of this test is skipped: ${mtpClientMissing}\n`);
    const run = await lab.run({
      timeoutSeconds: 360,
      qemuArgs: usbMtp(rootdir).args,
      script: `WITH_LIFEBOAT=${mtpClientMissing ? 0 : 1}\n${guestScript('mtp-qemu.sh')}`,
    });
    noteRun('usb-mtp + libmtp + Lifeboat', run);
    expect(run.exitCode, explain(run)).toBe(0);

    expect(run.read('lsusb.txt')).toMatch(/ID 46f4:0004/);
    expect(run.read('mtp-detect.txt')).toMatch(/46f4:0004|QEMU/);
    const listing = run.read('mtp-files.txt');
    for (const name of ['PXL_20240601_101500000.jpg', 'VID_20240501_120000.mp4', 'Screenshot_20240402-101500.png']) expect(listing).toContain(name);

    if (mtpClientMissing) return context.skip(mtpClientMissing);
    expect(run.read('rescue.rc').trim(), run.read('rescue.err')).toBe('0');
    const summary = jsonLines(run.read('rescue.jsonl')).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', status: 'done' });
    const reference = hostReference(DEMO_IMAGE, path.join(hostDir, 'demo'));
    // QEMU's responder cannot name a file whose name is not ASCII: it converts names with
    // mbstowcs() in the C locale and, when that fails, serves the file as "Oops" (no extension,
    // format "undefined"). Lifeboat lists such an object untyped and keeps it when its first
    // bytes are a photo: the non-ASCII photo is rescued too, under QEMU's name.
    expect(listing).toContain('Filename: Oops');
    const nonAscii = [...reference.photos.keys()].filter((name) => !/^[\x20-\x7e]*$/.test(path.basename(name)));
    expect(nonAscii.length, 'the demo image has a photo whose name is not ASCII').toBe(1);
    const blobs = new Set(run.read('vault-blobs.txt').split('\n').filter(Boolean));
    const missing = [...reference.photos].filter(([, bytes]) => !blobs.has(sha256(bytes))).map(([name]) => name);
    expect(missing, 'photos of the image not rescued byte for byte over MTP').toEqual([]);
    expect(summary.photos).toBe(reference.photos.size);
    expect(run.read('verify.rc').trim(), run.read('verify.txt')).toBe('0');
  }, 600_000);

  it('pulled off the bus mid-rescue (QMP device_del): exit 3; plugged back, the same command finishes without reading anything twice', async (context) => {
    if (mtpClientMissing) {
      process.stderr.write(`usb-lab: skipped: ${mtpClientMissing}\n`);
      return context.skip(mtpClientMissing);
    }
    const count = 24;
    const bytes = 1024 * 1024;
    const { files, photos } = photoPhoneImage('image', count, bytes);
    const rootdir = path.join(hostDir, 'photo-storage');
    for (const [name, content] of Object.entries(files)) {
      if (!name.startsWith('image/storage/')) continue;
      const file = path.join(rootdir, name.slice('image/storage/'.length));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
    const mtp = usbMtp(rootdir);
    const run = await lab.run({
      timeoutSeconds: 480,
      qemuArgs: mtp.args,
      script: `CUT_AFTER_PHOTOS=3\n${guestScript('mtp-unplug.sh')}`,
      async onConsoleLine(line, guest) {
        const qmp = await guest.qmp();
        if (line === 'unplug-mtp') {
          await qmp.deviceDel('mtp0');
          guest.signal('unplugged');
        } else if (line === 'replug-mtp') {
          await qmp.deviceAdd(mtp.device);
          guest.signal('replugged');
        }
      },
    });
    noteRun('usb-mtp unplug + resume', run);
    expect(run.exitCode, explain(run)).toBe(0);

    // MTP resumes the cut photo from its offset (GetPartialObject): each byte crossed the bus once.
    expectResumedWithNothingTwice(run, photos, bytes);
  }, 600_000);
});
