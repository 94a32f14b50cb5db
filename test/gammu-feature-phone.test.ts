/**
 * Proof against a real peer: Debian's gammu identifies the feature-phone simulator and reads its
 * phonebooks through a pseudo-terminal (`lifeboat simulate --image IMAGE --tty`), then Lifeboat's
 * CLI rescues the same phone through the same pty (`rescue --device at:/dev/pts/N`) and exports
 * it; every entry gammu read must be in the export with the same numbers and names.
 * Memories SM and ME; character sets UCS2 (standard, Samsung), GSM and UTF-8; Samsung +SPBR.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AT_DEMO_IMAGES, writeAtImage } from '../native/sim/images/build-demo-at-image.ts';
import { expectEveryGammuEntryIn, parseGammuMemory } from './gammu-output.ts';
import { runCli } from './run-cli.ts';
import { simulateOnTty } from './simulate-on-tty.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-gammu-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

beforeAll(() => {
  const found = spawnSync('gammu', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) throw new Error('gammu is missing; install it: apt-get install -y gammu');
});

function gammu(rc: string, ...args: string[]): string {
  return execFileSync('gammu', ['-c', rc, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

const CASES = [
  { kind: 'standard', charset: 'UCS2', identify: true },
  { kind: 'gsm', charset: 'GSM', identify: false },
  { kind: 'utf8', charset: 'UTF-8', identify: false },
  { kind: 'samsung', charset: 'UCS2', identify: true },
] as const;

describe('gammu and Lifeboat read the same feature phone over a pty', () => {
  for (const { kind, charset, identify } of CASES) {
    it(`${kind} phone (${charset}): every entry gammu reads from SM and ME is in Lifeboat's export`, async () => {
      const image = path.join(root, kind);
      writeAtImage(image, AT_DEMO_IMAGES[kind]!);
      const device = AT_DEMO_IMAGES[kind]!.device as { manufacturer: string; serial: string };
      const sim = await simulateOnTty(image);
      try {
        expect(sim.pty).toMatch(/^\/dev\/pts\/\d+$/);
        const rc = path.join(root, `${kind}.gammurc`);
        fs.writeFileSync(rc, `[gammu]\ndevice = ${sim.pty}\nconnection = at19200\n`);
        if (identify) {
          const id = gammu(rc, 'identify');
          expect(id).toMatch(new RegExp(`Manufacturer\\s*:\\s*${device.manufacturer}`, 'i'));
          expect(id).toMatch(new RegExp(`IMEI\\s*:\\s*${device.serial}`));
        }
        const read = [...parseGammuMemory(gammu(rc, 'getallmemory', 'SM')), ...parseGammuMemory(gammu(rc, 'getallmemory', 'ME'))];
        const phone = AT_DEMO_IMAGES[kind]!.phone as { memories: Record<string, { entries: { empty?: boolean }[] }> };
        const stored = ['SM', 'ME'].reduce((n, m) => n + phone.memories[m]!.entries.filter((e) => !e.empty).length, 0);
        expect(read).toHaveLength(stored); // gammu saw every stored entry: the simulator is readable by a real peer

        const vault = path.join(root, `${kind}-vault`);
        const out = path.join(root, `${kind}-export`);
        const rescue = runCli(['rescue', '--device', `at:${sim.pty}`, '--vault', vault]);
        expect(rescue.code, `${rescue.stderr}\nsimulator:\n${sim.log()}`).toBe(0);
        const exported = runCli(['export', '--vault', vault, '--out', out]);
        expect(exported.code, exported.stderr).toBe(0);

        expectEveryGammuEntryIn(fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf')), read);
      } finally {
        await sim.stop();
      }
    }, 180_000);
  }

  it('a phone that stops answering ends the rescue by itself with a clear error (exit 3)', async () => {
    const image = path.join(root, 'silent');
    writeAtImage(image, AT_DEMO_IMAGES.standard!);
    const sim = await simulateOnTty(image, ['--hostile', 'never-answers']);
    try {
      const started = Date.now();
      const rescue = runCli(['rescue', '--device', `at:${sim.pty}`, '--vault', path.join(root, 'silent-vault')]);
      expect(rescue.code).toBe(3);
      expect(rescue.stderr).toMatch(/did not answer AT\+CPBS=\? within 10 s/);
      expect(Date.now() - started).toBeLessThan(60_000);
    } finally {
      await sim.stop();
    }
  }, 120_000);
});
