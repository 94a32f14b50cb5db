import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../native/sim/jpeg-fixture.ts';
import { demoImage, files, jsonLines, repoRoot, runCli } from './run-cli.ts';

/**
 * The whole way of a byte without a phone: the demo image served by the ADB simulator behind a
 * virtual USB device, read by the ADB adapter (@yume-chan/adb), rescued and exported. Its export
 * must hold what a rescue of the same image folder holds.
 */
let dir: string;
const env = () => ({ XDG_DATA_HOME: path.join(dir, 'data-home') });
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sim-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Logical lines without the stamps that come from the rescue's own clock. */
function comparable(text: string, drop: RegExp): string[] {
  return text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((line) => !drop.test(line));
}

function exportOf(vault: string, out: string): void {
  const res = runCli(['export', '--vault', vault, '--out', out], { env: env() });
  expect(res.stderr).not.toMatch(/\n\s+at /);
  expect(res.code).toBe(0);
}

/** The export of one rescue --sim of `image` that nothing interrupted (made once per image). */
const uninterrupted = new Map<string, string>();
function uninterruptedExport(image: string): string {
  let out = uninterrupted.get(image);
  if (out) return out;
  const vault = path.join(dir, `whole-vault-${uninterrupted.size}`);
  out = path.join(dir, `whole-export-${uninterrupted.size}`);
  expect(runCli(['rescue', '--sim', image, '--vault', vault], { env: env() }).code).toBe(0);
  exportOf(vault, out);
  uninterrupted.set(image, out);
  return out;
}

/** The same files, photos byte for byte, contacts and calendar but for the rescue's own time stamps. */
function expectSameExport(a: string, b: string): void {
  const payload = files(path.join(a, 'data')).filter((f) => f !== 'report.html');
  expect(payload).toEqual(files(path.join(b, 'data')).filter((f) => f !== 'report.html'));
  for (const f of payload) {
    const [x, y] = [a, b].map((root) => fs.readFileSync(path.join(root, 'data', f)));
    if (f.startsWith('photos/')) expect(x!.equals(y!), f).toBe(true);
    else expect(comparable(x!.toString('utf8'), /^(DTSTAMP|REV)[;:]/), f).toEqual(comparable(y!.toString('utf8'), /^(DTSTAMP|REV)[;:]/));
  }
}

describe('rescue --sim', () => {
  it('gives the same contacts, events and photos as a rescue of the image folder', () => {
    const simVault = path.join(dir, 'sim-vault');
    const sim = runCli(['rescue', '--sim', demoImage, '--vault', simVault, '--json'], { env: env() });
    expect(sim.stderr).not.toMatch(/\n\s+at /);
    expect(sim.code).toBe(0);
    const simSummary = jsonLines(sim.stdout).at(-1)!;
    expect(simSummary).toMatchObject({ type: 'summary', contacts: 12, events: 10, photos: 8, status: 'done' });

    const imageVault = path.join(dir, 'image-vault');
    expect(runCli(['rescue', '--image', demoImage, '--vault', imageVault]).code).toBe(0);
    const a = path.join(dir, 'sim-export');
    const b = path.join(dir, 'image-export');
    exportOf(simVault, a);
    exportOf(imageVault, b);

    const payload = files(path.join(a, 'data')).filter((f) => f !== 'report.html');
    expect(payload).toEqual(files(path.join(b, 'data')).filter((f) => f !== 'report.html'));
    for (const f of payload.filter((f) => f.startsWith('photos/'))) {
      expect(fs.readFileSync(path.join(a, 'data', f)).equals(fs.readFileSync(path.join(b, 'data', f))), f).toBe(true);
    }
    for (const f of payload.filter((f) => f.startsWith('calendar/'))) {
      const [x, y] = [a, b].map((root) => comparable(fs.readFileSync(path.join(root, 'data', f), 'utf8'), /^DTSTAMP:/));
      expect(x, f).toEqual(y);
    }
    // `content query` prints BLOB columns as the word BLOB, so contact photos do not come over
    // ADB; the receipt names each contact whose photo stayed on the phone.
    const [x, y] = [a, b].map((root) => comparable(fs.readFileSync(path.join(root, 'data/contacts/contacts.vcf'), 'utf8'), /^(REV|PHOTO)[;:]/));
    expect(x).toEqual(y);
    const withPhoto = fs.readFileSync(path.join(b, 'data/contacts/contacts.vcf'), 'utf8').split('BEGIN:VCARD').filter((card) => /\r\nPHOTO[;:]/.test(card));
    expect(withPhoto.length).toBeGreaterThan(0);
    const receipt = fs.readFileSync(path.join(a, 'data/report.html'), 'utf8');
    expect(receipt.match(/the photo of contact &#34;[^&]+&#34; stays on the phone/g)?.length).toBe(withPhoto.length);
  });

  // Cut in the contacts, in the calendar and among the photos: each time the resumed rescue's
  // export must be the uninterrupted one's.
  // (Byte counts measured on the demo image: its contacts take about 27 KB of `content` output.)
  for (const [cutAfter, during] of [
    [6000, 'contacts'],
    [20_000, 'contacts'],
    [30_000, 'calendar'],
    [40_000, 'photos'],
  ] as const) {
    it(`ends with exit 3 when the cable is pulled after ${cutAfter} bytes (${during}); the next run finishes without fetching again, and exports the same`, () => {
      const vault = path.join(dir, `unplug-vault-${cutAfter}`);
      const cut = runCli(['rescue', '--sim', demoImage, '--vault', vault, '--json', '--unplug-after', String(cutAfter)], { env: env() });
      expect(cut.code).toBe(3);
      expect(cut.stderr).toMatch(/run the same command to resume/);
      const lost = jsonLines(cut.stdout).at(-1)!;
      expect(lost).toMatchObject({ type: 'summary', status: 'lost' });
      // The cable was pulled where this case means it to be.
      if (during === 'contacts') expect(lost.contacts).toBe(0);
      if (during === 'calendar') expect(lost).toMatchObject({ contacts: 12, events: 0 });
      if (during === 'photos') expect(lost).toMatchObject({ contacts: 12, events: 10 });
      if (during === 'photos') expect(lost.photos).toBeLessThan(8);
      expect(runCli(['verify', vault]).code).toBe(0);

      const again = runCli(['rescue', '--sim', demoImage, '--vault', vault, '--json'], { env: env() });
      expect(again.code).toBe(0);
      const done = jsonLines(again.stdout).at(-1)!;
      expect(done).toMatchObject({ contacts: 12, events: 10, photos: 8, status: 'done' });
      expect(done.skipped as number).toBeGreaterThanOrEqual((lost.contacts as number) + (lost.events as number) + (lost.photos as number));

      const resumed = path.join(dir, `unplug-export-${cutAfter}`);
      exportOf(vault, resumed);
      expectSameExport(resumed, uninterruptedExport(demoImage));
    });
  }

  it('lists a simulated phone in `devices --json` with its identity, battery and what can be rescued', () => {
    const res = runCli(['devices', '--json', '--sim', demoImage], { env: env() });
    expect(res.code).toBe(0);
    const phones = JSON.parse(res.stdout.trim()) as Record<string, unknown>[];
    expect(phones).toEqual([
      {
        id: 'sim:LBDEMO0001',
        transport: 'adb',
        manufacturer: 'Google',
        model: 'Pixel 7',
        serial: 'LBDEMO0001',
        battery: 23,
        state: 'ready',
        rescuable: ['contacts', 'calendar', 'photos'],
      },
    ]);
    // Without a USB bus (these machines, CI) that is said on stderr, not a crash.
    const none = runCli(['devices', '--json'], { env: env() });
    expect(none.code).toBe(0);
    expect(Array.isArray(JSON.parse(none.stdout.trim()))).toBe(true);
    if (/no USB bus/.test(none.stderr)) expect(JSON.parse(none.stdout.trim())).toEqual([]);
  });

  it('leaves the vault consistent when killed (SIGKILL) mid-transfer, and the next run finishes the job', async () => {
    const image = path.join(dir, 'kill-image');
    fs.cpSync(demoImage, image, { recursive: true });
    const camera = path.join(image, 'storage', 'DCIM', 'Burst');
    fs.mkdirSync(camera, { recursive: true });
    for (let i = 0; i < 24; i++) {
      const head = makeJpeg({ dateTimeOriginal: '2023:03:03 03:03:03' });
      fs.writeFileSync(path.join(camera, `B${i}.jpg`), Buffer.concat([head, randomBytes(1_000_000 - head.length)]));
    }
    const vault = path.join(dir, 'kill-vault');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'native/cli/main.ts'), 'rescue', '--sim', image, '--vault', vault, '--json', '--link-rate', '8'],
      { cwd: repoRoot, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        const lines = jsonLines(seen.slice(0, seen.lastIndexOf('\n') + 1));
        if (lines.some((l) => l.type === 'progress' && l.category === 'photos' && (l.items as number) >= 4)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    expect(runCli(['verify', vault]).code).toBe(0);
    const again = runCli(['rescue', '--sim', image, '--vault', vault, '--json'], { env: env() });
    expect(again.code).toBe(0);
    const done = jsonLines(again.stdout).at(-1)!;
    expect(done).toMatchObject({ contacts: 12, events: 10, photos: 32, status: 'done' });
    expect(done.skipped as number).toBeGreaterThanOrEqual(12 + 10 + 4);
    expect(runCli(['verify', vault]).code).toBe(0);
    const resumed = path.join(dir, 'kill-export');
    exportOf(vault, resumed);
    expectSameExport(resumed, uninterruptedExport(image));
  });

  it('says what to fix for sources it cannot use', () => {
    const cases: string[][] = [
      ['rescue', '--sim', demoImage, '--image', demoImage, '--vault', path.join(dir, 'v')],
      ['rescue', '--image', demoImage, '--link-rate', '40', '--vault', path.join(dir, 'v')],
      ['rescue', '--sim', demoImage, '--link-rate', 'fast', '--vault', path.join(dir, 'v')],
      ['rescue', '--device', 'usb:9-9', '--vault', path.join(dir, 'v')],
      ['rescue', '--sim', path.join(dir, 'nope'), '--vault', path.join(dir, 'v')],
    ];
    for (const args of cases) {
      const res = runCli(args, { env: env() });
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });
});
