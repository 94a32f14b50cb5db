import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSource } from '../native/adapters/device-source.ts';
import { SourceLostError } from '../native/adapters/errors.ts';
import { openDeviceImage } from '../native/adapters/image/image-source.ts';
import type { MediaEntry } from '../native/model/media.ts';
import { runRescue } from '../native/rescue/rescue-run.ts';
import { makeJpeg } from '../native/sim/jpeg-fixture.ts';
import { Vault } from '../native/vault/vault.ts';
import { jsonLines, repoRoot, runCli } from './run-cli.ts';

const FILES = 120;
const FILE_BYTES = 1024 * 1024;
let dir: string;
let image: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-resume-'));
  image = path.join(dir, 'image');
  const camera = path.join(image, 'storage', 'DCIM', 'Camera');
  fs.mkdirSync(camera, { recursive: true });
  fs.writeFileSync(
    path.join(image, 'device.json'),
    JSON.stringify({ transport: 'adb', vendorId: 1, productId: 2, manufacturer: 'Test', model: 'Resume', serial: 'RESUME1', battery: 3 }),
  );
  for (let i = 0; i < FILES; i++) {
    const head = makeJpeg({ dateTimeOriginal: '2022:02:02 02:02:02' });
    fs.writeFileSync(path.join(camera, `IMG_${String(i).padStart(4, '0')}.jpg`), Buffer.concat([head, randomBytes(FILE_BYTES - head.length)]));
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The image, with its "cable pulled" after a number of payload bytes: every read after that fails. */
function unpluggedAfter(source: DeviceSource, budget: number): DeviceSource {
  let left = budget;
  const cut = () => new SourceLostError('the cable was pulled');
  return {
    ...source,
    description: source.description,
    identity: () => source.identity(),
    contacts: () => source.contacts(),
    calendarEvents: (onSkip) => source.calendarEvents(onSkip),
    media: () => source.media(),
    close: () => source.close(),
    async openMedia(entry: MediaEntry, from?: number) {
      if (left <= 0) throw cut();
      const inner = await source.openMedia(entry, from);
      return Readable.from(
        (async function* () {
          for await (const chunk of inner as AsyncIterable<Buffer>) {
            if (left <= 0) throw cut();
            const part = chunk.subarray(0, left);
            left -= part.byteLength;
            yield part;
            if (part.byteLength < chunk.byteLength) throw cut();
          }
        })(),
      );
    },
  };
}

/** What is left in a folder of the vault (none when the folder does not exist). */
function leftIn(vaultDir: string, folder: string): string[] {
  const dir = path.join(vaultDir, folder);
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('a rescue cut short', () => {
  it('keeps every file finished before the cable was pulled, and the next run resumes', async () => {
    const vaultDir = path.join(dir, 'vault-unplug');
    const vault = await Vault.open(vaultDir, { create: true });
    const source = await openDeviceImage(image);
    const cutAt = Math.floor(FILES / 3) * FILE_BYTES + FILE_BYTES / 2;
    const lost = await runRescue({ source: unpluggedAfter(source, cutAt), vault, categories: ['photos'] }).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(SourceLostError);
    const first = (lost as { summary: { photos: number; status: string; transferredBytes: number } }).summary;
    expect(first.status).toBe('lost');
    expect(first.transferredBytes).toBe(cutAt); // every byte read before the cut is counted
    // Two transfers are in flight; what was whole before the cut is safe, the half file is not.
    expect(first.photos).toBeGreaterThanOrEqual(Math.floor(FILES / 3) - 1);
    expect(first.photos).toBeLessThanOrEqual(Math.floor(FILES / 3));
    expect(leftIn(vaultDir, 'tmp')).toEqual([]);
    // The files cut half-way are kept for the next run (a .part and its flushed length).
    expect(leftIn(vaultDir, 'partial').length).toBeGreaterThan(0);
    expect(await vault.verify()).toEqual([]);
    expect(vault.runs(1).map((r) => r.status)).toEqual(['lost']);

    const second = await runRescue({ source, vault, categories: ['photos'] });
    expect(second).toMatchObject({ status: 'done', photos: FILES, skipped: first.photos });
    // Every byte read before the cut is kept: the half-read files go on where they stopped.
    expect(second.transferredBytes).toBe(FILES * FILE_BYTES - cutAt);
    expect(leftIn(vaultDir, 'partial')).toEqual([]);
    expect(await vault.verify()).toEqual([]);
    vault.close();
  });

  it('survives the process being killed mid-run (kill -9): nothing half there, the next run resumes', async () => {
    const vaultDir = path.join(dir, 'vault-kill');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'native/cli/main.ts'), 'rescue', '--image', image, '--vault', vaultDir, '--json'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        const progress = jsonLines(seen.slice(0, seen.lastIndexOf('\n') + 1)).filter((l) => l.type === 'progress' && l.category === 'photos');
        if (progress.some((p) => (p.items as number) >= 3)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    expect(runCli(['verify', vaultDir]).code).toBe(0);
    const resumed = runCli(['rescue', '--image', image, '--vault', vaultDir, '--json']);
    expect(resumed.code).toBe(0);
    const summary = jsonLines(resumed.stdout).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', photos: FILES, status: 'done' });
    expect(summary.skipped as number).toBeGreaterThanOrEqual(3);
    expect(summary.transferredBytes as number).toBeLessThan(FILES * FILE_BYTES);
    expect(leftIn(vaultDir, 'tmp')).toEqual([]);
    expect(leftIn(vaultDir, 'partial')).toEqual([]);
    expect(runCli(['verify', vaultDir]).code).toBe(0);
    const vault = await Vault.open(vaultDir, { create: false });
    expect(vault.runs(1).map((r) => r.status)).toEqual(['interrupted', 'done']);
    vault.close();
  });
});
