import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIphonePtpImage } from '../native/sim/mtp/build-iphone-ptp-image.ts';
import { files, jsonLines, repoRoot, runCli } from './run-cli.ts';

/**
 * An iPhone's photos over PTP without an iPhone: `rescue --sim IMAGE` and `devices --sim IMAGE`
 * of an image whose device.json says "mtpStyle": "iphone" (native/sim/mtp/README.md).
 */
const demo = path.join(repoRoot, 'images', 'demo-iphone-ptp');
let dir: string;
const env = () => ({ XDG_DATA_HOME: path.join(dir, 'data-home') });
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sim-iphone-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('rescue --sim of an iPhone (PTP) image', () => {
  it('images/demo-iphone-ptp is what its builder makes', () => {
    const fresh = path.join(dir, 'fresh');
    buildIphonePtpImage(fresh);
    expect(files(demo)).toEqual(files(fresh));
    for (const f of files(fresh)) expect(fs.readFileSync(path.join(demo, f)).equals(fs.readFileSync(path.join(fresh, f))), f).toBe(true);
  });

  it('a trusted iPhone: both IMG_0001.JPG of one folder, the HEIC and the MOV are rescued and exported; the AAE sidecar is not', () => {
    const vault = path.join(dir, 'vault');
    const run = runCli(['rescue', '--sim', demo, '--vault', vault, '--json'], { env: env() });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code, run.stderr).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.find((l) => l.type === 'device')).toMatchObject({ identity: { transport: 'mtp', manufacturer: 'Apple Inc.', model: 'iPhone', vendorId: 0x05ac } });
    expect(lines.at(-1)).toMatchObject({ type: 'summary', status: 'done', photos: 5, contacts: 0, events: 0 });
    expect(lines.filter((l) => l.type === 'item-skipped')).toEqual([]);
    const out = path.join(dir, 'export');
    expect(runCli(['export', '--vault', vault, '--out', out], { env: env() }).code).toBe(0);
    const photos = files(path.join(out, 'data')).filter((f) => f.startsWith('photos/'));
    expect(photos).toHaveLength(5);
    expect(photos.filter((f) => /IMG_0001/.test(f))).toHaveLength(2);
    expect(photos.some((f) => /\.AAE$/i.test(f))).toBe(false);
    // Run again: nothing is fetched twice, the duplicate name keeps its own item.
    const again = jsonLines(runCli(['rescue', '--sim', demo, '--vault', vault, '--json'], { env: env() }).stdout).at(-1);
    expect(again).toMatchObject({ status: 'done', photos: 5 });
  });

  it('an iPhone that does not trust the computer: exit 2 and what to do, not an empty rescue; `devices` says needs-trust', () => {
    const image = path.join(dir, 'untrusted');
    buildIphonePtpImage(image, 'untrusted');
    const vault = path.join(dir, 'vault-untrusted');
    const run = runCli(['rescue', '--sim', image, '--vault', vault, '--json'], { env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^Waiting up to 10 s for the phone: unlock the iPhone and tap Trust/m);
    expect(run.stderr).toMatch(/lifeboat: the iPhone does not trust this computer yet.*Unlock the iPhone and tap Trust, then run the same command again\./);
    expect(jsonLines(run.stdout)).toEqual([{ type: 'waiting-for-owner', message: expect.stringMatching(/tap Trust/) }]);
    expect(fs.existsSync(vault)).toBe(false);

    const devices = runCli(['devices', '--sim', image, '--json'], { env: env() });
    expect(devices.code).toBe(0);
    expect(JSON.parse(devices.stdout)).toEqual([
      expect.objectContaining({ transport: 'mtp', manufacturer: 'Apple Inc.', state: 'needs-trust', rescuable: [], hint: expect.stringMatching(/unlock the iPhone and tap Trust, then run the same command again/i) }),
    ]);
  }, 60_000);
});
