import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RescueEvent } from '../../rescue/rescue-events.ts';
import { runRescue } from '../../rescue/rescue-run.ts';
import { plugInMtpPhone } from '../../sim/mtp/mtp-simulator.ts';
import { HOSTILE_MODES, type HostileMode } from '../../sim/mtp/mtp-hostile.ts';
import { Vault } from '../../vault/vault.ts';
import { SourceLostError } from '../errors.ts';
import { openMtpSource } from './mtp-source.ts';

const demo = path.resolve(import.meta.dirname, '../../../images/demo-mtp');
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mtp-hostile-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What each mode must end with: the reason the rescue gives, or the run lost (exit 3). */
const EXPECTED: Record<HostileMode, { skipped?: RegExp; lost?: RegExp }> = {
  'size-lies-small': { skipped: /size-small\.jpg.*listed object \d+ as 1000 bytes but sends \d+.*size lies/ },
  'size-lies-big': { skipped: /size-big\.jpg.*listed object \d+ as 5000000000 bytes but sends \d+.*size lies/ },
  'folder-cycle': { skipped: /folder cycle/ },
  'huge-folder': {},
  'bad-names': { skipped: /length-lies|object-\d+.*could not be read/ },
  'malformed-container': { skipped: /object-\d+.*shorter than its header|needs 12 bytes/ },
  'truncated-container': { skipped: /truncated\.jpg.*truncated/ },
  'wrong-transaction-id': { skipped: /answered transaction \d+ with the id \d+/ },
  'stall-mid-object': { lost: /stopped answering.*nothing for 1 s/ },
  'vanish-mid-object': { lost: /disconnected/ },
};

/** Honest photos a mode adds: the photo inside the loop, and three photos with hostile names (kept under safe names). */
const HONEST_EXTRA: Partial<Record<HostileMode, number>> = { 'folder-cycle': 1, 'bad-names': 3 };

describe('a hostile or broken MTP phone never wins', () => {
  for (const mode of HOSTILE_MODES) {
    it(`${mode}: ends by itself with a clear error, bounded, and the honest files are rescued`, async () => {
      const work = path.join(dir, mode);
      fs.mkdirSync(work);
      const vaultDir = path.join(work, 'vault');
      const { device } = plugInMtpPhone({ imageDir: demo, hostile: [mode], hugeFolderEntries: mode === 'huge-folder' ? 100_000 : undefined });
      const source = await openMtpSource(device, { stallTimeoutMs: 1000 });
      const vault = await Vault.open(vaultDir, { create: true });
      const events: RescueEvent[] = [];
      const rssBefore = process.memoryUsage().rss;
      const started = Date.now();
      let failure: unknown;
      try {
        await runRescue({ source, vault, categories: ['contacts', 'calendar', 'photos'], onEvent: (e) => events.push(e) });
      } catch (error) {
        failure = error;
      } finally {
        await source.close();
      }
      const seconds = (Date.now() - started) / 1000;
      const skipped = events.filter((e) => e.type === 'item-skipped').map((e) => `${(e as { sourceKey: string }).sourceKey}: ${(e as { reason: string }).reason}`);
      const expected = EXPECTED[mode];
      if (expected.lost) {
        expect(failure).toBeInstanceOf(SourceLostError);
        expect((failure as Error).message).toMatch(expected.lost);
      } else {
        expect(failure, String(failure)).toBeUndefined();
      }
      if (expected.skipped) expect(skipped.join('\n')).toMatch(expected.skipped);
      // The honest part of the phone: 4 contacts, 4 events, 4 photos and videos.
      const totals = vault.totals(1);
      expect(totals.contact.count).toBe(4);
      expect(totals.event.count).toBe(4);
      expect(totals.media.count).toBe(4 + (HONEST_EXTRA[mode] ?? 0));
      // Bounded: time and memory (the huge folder is 100,000 GetObjectInfo round trips).
      expect(seconds).toBeLessThan(mode === 'huge-folder' ? 120 : 15);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 1024 * 1024);
      vault.close();
      // Nothing outside the vault: the work folder holds the vault only.
      expect(fs.readdirSync(work)).toEqual(['vault']);
    }, 180_000);
  }
});
