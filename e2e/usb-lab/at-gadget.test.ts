/**
 * The feature-phone simulator as a real USB modem: the kernel's CDC ACM gadget function on
 * dummy_hcd, enumerated by the guest's own cdc_acm driver as /dev/ttyACM0, the way a feature
 * phone's modem port appears. Debian's gammu identifies it and reads its SIM and phone
 * memories through that port, and Lifeboat's export of the same phone holds every entry gammu
 * read, with the same numbers and names.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AT_DEMO_IMAGES, writeAtImage } from '../../native/sim/images/build-demo-at-image.ts';
import { expectEveryGammuEntryIn, parseGammuMemory } from '../../test/gammu-output.ts';
import { explain, filesUnder, guestScript, jsonLines, noteRun } from './lab-fixtures.ts';
import { prepareLab, type Lab } from './qemu-guest.ts';

let lab: Lab;
let hostDir: string;

beforeAll(async () => {
  lab = await prepareLab();
  hostDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-usb-lab-at-'));
}, 900_000);

afterAll(() => {
  lab?.cleanup();
  if (hostDir) fs.rmSync(hostDir, { recursive: true, force: true });
});

describe('the feature-phone simulator behind a real CDC ACM gadget (/dev/ttyACM0)', () => {
  it('gammu identifies it and reads SM and ME; Lifeboat rescues it through the same port and exports every entry gammu read', async () => {
    const spec = AT_DEMO_IMAGES.standard!;
    const image = path.join(hostDir, 'image');
    writeAtImage(image, spec);
    const device = spec.device as { manufacturer: string; model: string; serial: string; vendorId: number; productId: number };
    const files: Record<string, Buffer> = {};
    for (const [name, bytes] of filesUnder(image)) files[`image/${name}`] = bytes;
    const usbId = `${device.vendorId.toString(16).padStart(4, '0')}:${device.productId.toString(16).padStart(4, '0')}`;

    const run = await lab.run({
      timeoutSeconds: 600,
      files,
      script: `IMAGE=$LAB/image USB_ID=${usbId} MANUFACTURER=${JSON.stringify(device.manufacturer)} MODEL=${JSON.stringify(device.model)}\n${guestScript('at-gadget.sh')}`,
    });
    noteRun('AT phone on a CDC ACM gadget + gammu + Lifeboat', run);
    expect(run.exitCode, explain(run)).toBe(0);

    // A modem port as the host sees it: a CDC ACM interface (class 2, subclass 2).
    expect(run.read('lsusb.txt')).toMatch(/bInterfaceClass\s+2 Communications[\s\S]*bInterfaceSubClass\s+2 Abstract \(modem\)/);
    expect(run.read('gammu-identify.rc').trim(), run.read('gammu-identify.txt')).toBe('0');
    const identify = run.read('gammu-identify.txt');
    expect(identify).toMatch(new RegExp(`Manufacturer\\s*:\\s*${device.manufacturer}`, 'i'));
    expect(identify).toMatch(new RegExp(`IMEI\\s*:\\s*${device.serial}`));

    const read = ['SM', 'ME'].flatMap((memory) => {
      expect(run.read(`gammu-${memory}.rc`).trim(), run.read(`gammu-${memory}.txt`)).toBe('0');
      return parseGammuMemory(run.read(`gammu-${memory}.txt`));
    });
    const phone = spec.phone as { memories: Record<string, { entries: { empty?: boolean }[] }> };
    const stored = ['SM', 'ME'].reduce((n, m) => n + phone.memories[m]!.entries.filter((e) => !e.empty).length, 0);
    expect(read).toHaveLength(stored);

    // `devices` finds the modem port through sysfs and names it as the id to rescue with.
    const listed = JSON.parse(run.read('devices.json')) as { id: string; transport: string; serial: string }[];
    expect(listed, run.read('devices.err')).toContainEqual(expect.objectContaining({ id: 'at:/dev/ttyACM0', transport: 'at', serial: device.serial }));

    expect(run.read('rescue.rc').trim(), `${run.read('rescue.err')}\nsimulator:\n${run.read('sim.log')}`).toBe('0');
    expect(jsonLines(run.read('rescue.jsonl')).at(-1)).toMatchObject({ type: 'summary', status: 'done' });
    expect(run.read('export.rc').trim(), run.read('export.txt')).toBe('0');
    expectEveryGammuEntryIn(Buffer.from(run.read('contacts.vcf')), read);
  }, 900_000);
});
