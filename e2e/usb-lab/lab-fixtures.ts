/** Device images and checks for the lab's tests. */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { makeJpeg } from '../../native/sim/jpeg-fixture.ts';
import type { GuestRun } from './qemu-guest.ts';
import { REPO_ROOT } from './repo-root.ts';

export const DEMO_IMAGE = path.join(REPO_ROOT, 'images', 'demo-android');

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Every file under `dir`, by path relative to it. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) found.set(child, fs.readFileSync(path.join(dir, child)));
    }
  };
  walk('');
  return found;
}

/**
 * A phone image (as files for the share, relative to `prefix`): the demo phone's identity,
 * contacts and calendar, and `count` camera photos of exactly `bytes` bytes each (an EXIF head,
 * then random bytes), so a run cut short leaves whole photos and the bytes still missing are
 * known exactly.
 */
export function photoPhoneImage(prefix: string, count: number, bytes: number): { files: Record<string, Buffer>; photos: Map<string, Buffer> } {
  const files: Record<string, Buffer> = {};
  const device = JSON.parse(fs.readFileSync(path.join(DEMO_IMAGE, 'device.json'), 'utf8')) as Record<string, unknown>;
  files[`${prefix}/device.json`] = Buffer.from(JSON.stringify({ ...device, serial: 'LBLAB0001' }, null, 2));
  for (const db of fs.readdirSync(path.join(DEMO_IMAGE, 'providers'))) {
    files[`${prefix}/providers/${db}`] = fs.readFileSync(path.join(DEMO_IMAGE, 'providers', db));
  }
  const photos = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const head = makeJpeg({ dateTimeOriginal: `2024:03:${String(1 + (i % 28)).padStart(2, '0')} 10:00:00` });
    const photo = Buffer.concat([head, randomBytes(bytes - head.length)]);
    const name = `storage/DCIM/Camera/IMG_2024_${String(i).padStart(4, '0')}.jpg`;
    photos.set(name, photo);
    files[`${prefix}/${name}`] = photo;
  }
  return { files, photos };
}

/** "timing NAME MS" lines a guest script printed (lab_timing). */
export function timings(output: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const match of output.matchAll(/^timing (\S+) (\d+)$/gm)) found[match[1]!] = Number(match[2]);
  return found;
}

/** The JSON lines of a `--json` run. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The USB id "vvvv:pppp" of a device image. */
export function usbIdOf(imageDir: string): string {
  const device = JSON.parse(fs.readFileSync(path.join(imageDir, 'device.json'), 'utf8')) as { vendorId: number; productId: number };
  return `${device.vendorId.toString(16).padStart(4, '0')}:${device.productId.toString(16).padStart(4, '0')}`;
}

/** Reads one of the guest scripts (guest/NAME), to run after variables the test sets. */
export function guestScript(name: string): string {
  return fs.readFileSync(path.join(REPO_ROOT, 'e2e', 'usb-lab', 'guest', name), 'utf8');
}

/** Times collected over the run, printed at the end (README's figures come from here). */
export const labTimes: string[] = [];
export function noteTime(line: string): void {
  labTimes.push(line);
  process.stderr.write(`usb-lab: ${line}\n`);
}

/** What a failed guest run left, for the assertion message. */
export function explain(run: GuestRun): string {
  const log = (file: string) => (run.exists(file) ? `--- ${file} ---\n${run.read(file).slice(-4000)}\n` : '');
  const logs = ['gadget.log', 'devices.err', 'rescue.err', 'run1.err', 'run2.err'].map(log).join('');
  return `guest exit ${run.exitCode}\n--- output ---\n${run.output.slice(-6000)}\n${logs}--- console ---\n${run.console.slice(-3000)}`;
}

/** Notes a run's QEMU time, boot time and the script's own timings. */
export function noteRun(name: string, run: GuestRun): void {
  const steps = Object.entries(timings(run.output)).map(([k, v]) => `${k} ${v} ms`);
  noteTime(`${name}: QEMU ${Math.round(run.wallMs)} ms wall, guest ready after ${Math.round(run.readyMs ?? NaN)} ms${steps.length ? `; ${steps.join(', ')}` : ''}`);
}

/**
 * `lifeboat rescue --image` of an image on the host: what the same phone gives without USB.
 * `photos`: the image's files that rescue kept as photos and videos (their bytes are in its
 * vault, whose blobs are named by SHA-256), by path under storage/.
 */
export function hostReference(image: string, workDir: string): { summary: Record<string, unknown>; photos: Map<string, Buffer> } {
  const vault = `${workDir}-vault`;
  const rescue = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'native/cli/main.ts'), 'rescue', '--image', image, '--vault', vault, '--json'],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (rescue.status !== 0) throw new Error(`rescue --image ${image} failed: ${rescue.stderr}`);
  const blobs = new Set([...filesUnder(path.join(vault, 'blobs')).keys()].map((file) => path.basename(file)));
  const photos = new Map([...filesUnder(path.join(image, 'storage'))].filter(([, bytes]) => blobs.has(sha256(bytes))));
  return { summary: jsonLines(rescue.stdout).at(-1)!, photos };
}

/**
 * The checks of a cable pulled mid-rescue and plugged back (run1 and run2 of the guest's unplug
 * scripts): the first run ends lost (exit 3) with some photos safe, the same command then
 * finishes (exit 0) with every photo in the vault and `verify` clean, and nothing is kept twice:
 * the photo cut in half resumes from the bytes kept of it, so over both runs every byte of the
 * phone was kept exactly once.
 */
export function expectResumedWithNothingTwice(run: GuestRun, photos: Map<string, Buffer>, bytes: number): void {
  const count = photos.size;
  expect(run.read('run1.rc').trim(), run.read('run1.err')).toBe('3');
  const first = jsonLines(run.read('run1.jsonl')).at(-1)!;
  expect(first).toMatchObject({ type: 'summary', status: 'lost' });
  const safeBefore = first.photos as number;
  expect(safeBefore).toBeGreaterThanOrEqual(3);
  expect(safeBefore).toBeLessThan(count);

  expect(run.read('run2.rc').trim(), run.read('run2.err')).toBe('0');
  const second = jsonLines(run.read('run2.jsonl')).at(-1)!;
  expect(second).toMatchObject({ type: 'summary', status: 'done', photos: count });
  expect(second.transferredBytes as number).toBeLessThanOrEqual((count - safeBefore) * bytes);
  expect((first.transferredBytes as number) + (second.transferredBytes as number)).toBe(count * bytes);

  const blobs = new Set(run.read('vault-blobs.txt').split('\n').filter(Boolean));
  for (const [name, photo] of photos) expect(blobs.has(sha256(photo)), `${name} in the vault`).toBe(true);
  expect(run.read('verify.rc').trim(), run.read('verify.txt')).toBe('0');
}
