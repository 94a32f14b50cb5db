import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoMtpImage } from '../native/sim/images/build-demo-mtp-image.ts';
import { files, jsonLines, repoRoot, runCli } from './run-cli.ts';

/**
 * The MTP way of a byte without a phone: images/demo-mtp served by the MTP simulator behind a
 * virtual USB device, read by the MTP adapter, rescued and exported.
 */
const demoMtp = path.join(repoRoot, 'images', 'demo-mtp');
let dir: string;
const env = () => ({ XDG_DATA_HOME: path.join(dir, 'data-home') });
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sim-mtp-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rescue --sim of an MTP image', () => {
  it('rescues contacts and calendar from vCard/vCalendar objects and photos whose export equals that of --image byte for byte', () => {
    const simVault = path.join(dir, 'sim-vault');
    const sim = runCli(['rescue', '--sim', demoMtp, '--vault', simVault, '--json'], { env: env() });
    expect(sim.stderr).not.toMatch(/\n\s+at /);
    expect(sim.code).toBe(0);
    const lines = jsonLines(sim.stdout);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', contacts: 4, events: 4, photos: 4, status: 'done', serial: 'LBMTP00001' });
    expect(lines.find((l) => l.type === 'device')).toMatchObject({ identity: { transport: 'mtp', manufacturer: 'Nokia', model: '6300 4G', battery: 64 } });
    // The text file the phone calls a JPEG is refused by its content, and said so.
    expect(lines.filter((l) => l.type === 'item-skipped').map((l) => l.sourceKey)).toEqual(['Download/notes.jpg']);

    const imageVault = path.join(dir, 'image-vault');
    expect(runCli(['rescue', '--image', demoMtp, '--vault', imageVault], { env: env() }).code).toBe(0);
    const a = path.join(dir, 'sim-export');
    const b = path.join(dir, 'image-export');
    expect(runCli(['export', '--vault', simVault, '--out', a], { env: env() }).code).toBe(0);
    expect(runCli(['export', '--vault', imageVault, '--out', b], { env: env() }).code).toBe(0);
    const photos = (root: string) => files(path.join(root, 'data')).filter((f) => f.startsWith('photos/'));
    expect(photos(a)).toHaveLength(4);
    expect(photos(a)).toEqual(photos(b));
    for (const f of photos(a)) expect(fs.readFileSync(path.join(a, 'data', f)).equals(fs.readFileSync(path.join(b, 'data', f))), f).toBe(true);
    const vcf = fs.readFileSync(path.join(a, 'data/contacts/contacts.vcf'), 'utf8');
    for (const needle of ['FN:Eero Järvinen', '+358401234567', '+35891234567', 'eero.jarvinen@example.fi', 'FN:Dr. Ngozi Okafor', 'n.okafor@example.ng', 'FN:王芳', '+8613800138000', '*123#']) {
      expect(vcf).toContain(needle);
    }
    expect(files(path.join(a, 'data')).filter((f) => f.startsWith('calendar/'))).toEqual(['calendar/Holidays.ics', 'calendar/calendar.ics']);
  });

  it('ends with exit 3 when the cable is pulled, and the next run finishes without fetching again', () => {
    const vault = path.join(dir, 'unplug-vault');
    const cut = runCli(['rescue', '--sim', demoMtp, '--vault', vault, '--json', '--unplug-after', '6000'], { env: env() });
    expect(cut.code).toBe(3);
    expect(cut.stderr).toMatch(/disconnected/);
    const lost = jsonLines(cut.stdout).at(-1)!;
    expect(lost).toMatchObject({ type: 'summary', status: 'lost' });
    expect((lost.contacts as number) + (lost.events as number)).toBeGreaterThan(0);
    expect(runCli(['verify', vault]).code).toBe(0);

    const again = runCli(['rescue', '--sim', demoMtp, '--vault', vault, '--json', '--link-rate', '5'], { env: env() });
    expect(again.code).toBe(0);
    const done = jsonLines(again.stdout).at(-1)!;
    expect(done).toMatchObject({ contacts: 4, events: 4, photos: 4, status: 'done' });
    expect(done.skipped as number).toBeGreaterThanOrEqual((lost.contacts as number) + (lost.events as number) + (lost.photos as number));
  });

  it('lists MTP phones in `devices` with what can be rescued: all three from a feature phone, photos only from Android in MTP mode', () => {
    const android = path.join(dir, 'android-mtp');
    fs.cpSync(path.join(repoRoot, 'images', 'demo-android'), android, { recursive: true });
    const json = JSON.parse(fs.readFileSync(path.join(android, 'device.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(android, 'device.json'), JSON.stringify({ ...json, transport: 'mtp', serial: 'ANDROIDMTP' }));
    const res = runCli(['devices', '--json', '--sim', demoMtp, '--sim', android], { env: env() });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout.trim())).toEqual([
      { id: 'sim:LBMTP00001', transport: 'mtp', manufacturer: 'Nokia', model: '6300 4G', serial: 'LBMTP00001', battery: 64, state: 'ready', rescuable: ['contacts', 'calendar', 'photos'] },
      {
        id: 'sim:ANDROIDMTP', transport: 'mtp', manufacturer: 'Google', model: 'Pixel 7', serial: 'ANDROIDMTP', battery: 23, state: 'ready',
        rescuable: ['photos'], hint: 'photos only: turn on USB debugging for contacts and calendar',
      },
    ]);
    const human = runCli(['devices', '--sim', android], { env: env() });
    expect(human.stdout).toMatch(/mtp, battery 23%: can rescue photos \(photos only: turn on USB debugging for contacts and calendar\)/);
  });

  it('ships a demo image that its build script makes again', () => {
    const rebuilt = path.join(dir, 'rebuilt');
    buildDemoMtpImage(rebuilt);
    expect(files(rebuilt)).toEqual(files(demoMtp).filter((f) => f !== 'README.md'));
    for (const f of files(rebuilt)) expect(fs.readFileSync(path.join(rebuilt, f)).equals(fs.readFileSync(path.join(demoMtp, f))), f).toBe(true);
  });
});
