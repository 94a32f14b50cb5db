import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeJpeg } from '../native/sim/jpeg-fixture.ts';
import { jsonLines, runCli } from './run-cli.ts';

/**
 * A full disk for real: the vault lives on a small tmpfs. Mounting needs root (CI and these
 * machines run as root); elsewhere the test is skipped and says why.
 */
let dir: string;
let mountPoint: string;
let mounted = false;
let whyNot = '';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-fulldisk-'));
  mountPoint = path.join(dir, 'small-disk');
  fs.mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=12m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    whyNot = `cannot mount a tmpfs here (${String((err as Error).message).split('\n')[0]}): needs root`;
    console.warn(`full-disk test skipped: ${whyNot}`);
  }
  const camera = path.join(dir, 'image', 'storage', 'DCIM');
  fs.mkdirSync(camera, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'image', 'device.json'),
    JSON.stringify({ transport: 'adb', vendorId: 1, productId: 2, manufacturer: 'Test', model: 'Full', serial: 'FULL1', battery: 50 }),
  );
  for (let i = 0; i < 16; i++) {
    const head = makeJpeg({ dateTimeOriginal: '2020:01:01 00:00:00' });
    fs.writeFileSync(path.join(camera, `P${i}.jpg`), Buffer.concat([head, randomBytes(1024 * 1024 - head.length)]));
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', [mountPoint]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a full disk', () => {
  it('stops with a clear message, keeps what was saved, and the run resumes once there is room', (ctx) => {
    if (!mounted) ctx.skip(whyNot);
    const vault = path.join(mountPoint, 'vault');
    const full = runCli(['rescue', '--image', path.join(dir, 'image'), '--vault', vault, '--json']);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/disk is full/);
    const partial = jsonLines(full.stdout).at(-1)!;
    expect(partial).toMatchObject({ type: 'summary', status: 'failed' });
    expect(partial.photos as number).toBeLessThan(16);
    expect(runCli(['verify', vault]).code).toBe(0);

    execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
    const resumed = runCli(['rescue', '--image', path.join(dir, 'image'), '--vault', vault, '--json']);
    expect(resumed.code).toBe(0);
    const summary = jsonLines(resumed.stdout).at(-1)!;
    expect(summary).toMatchObject({ photos: 16, status: 'done' });
    expect(summary.skipped as number).toBeGreaterThan(5);
    expect(runCli(['verify', vault]).code).toBe(0);
  });
});
