import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceSource } from '../adapters/device-source.ts';
import type { FoundMedia } from '../model/media.ts';
import { makeJpeg, makeMp4 } from '../sim/jpeg-fixture.ts';
import { Vault } from '../vault/vault.ts';
import type { RescueEvent } from './rescue-events.ts';
import { runRescue } from './rescue-run.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-rescue-run-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A phone that lists files without their type, as ADB does, and counts what it was asked to send. */
function phoneListingUntyped(files: Record<string, Uint8Array>, chunkBytes: number) {
  const sent: Record<string, number> = {};
  const found: FoundMedia[] = Object.entries(files).map(([p, bytes]) => ({ path: p, size: bytes.length, mtimeMs: 1_700_000_000_000 }));
  const source: DeviceSource = {
    description: 'untyped listing',
    identity: async () => ({ transport: 'adb', vendorId: 1, productId: 2, manufacturer: 'Test', model: 'Untyped', serial: 'UNTYPED1', battery: null }),
    contacts: async function* () {},
    calendarEvents: async function* () {},
    media: async function* () {
      yield* found;
    },
    async openMedia(entry) {
      const bytes = files[entry.path]!;
      return Readable.from(
        (async function* () {
          for (let at = 0; at < bytes.length; at += chunkBytes) {
            sent[entry.path] = (sent[entry.path] ?? 0) + Math.min(chunkBytes, bytes.length - at);
            yield Buffer.from(bytes.subarray(at, at + chunkBytes));
          }
        })(),
      );
    },
    close: async () => undefined,
  };
  return { source, sent };
}

describe('media whose type the source does not know', () => {
  const jpeg = makeJpeg({ dateTimeOriginal: '2023:03:03 03:03:03' });
  const mp4 = makeMp4({});
  const text = new TextEncoder().encode('these are notes, not a photo\n'.repeat(2000));

  for (const chunkBytes of [7, 4096]) {
    it(`keeps photos and videos, drops the rest after its first bytes (chunks of ${chunkBytes} bytes)`, async () => {
      const vault = await Vault.open(path.join(dir, `vault-${chunkBytes}`), { create: true });
      const { source, sent } = phoneListingUntyped(
        { 'DCIM/a.jpg': jpeg, 'DCIM/notes.jpg': text, 'DCIM/empty.jpg': new Uint8Array(0), 'DCIM/clip': mp4 },
        chunkBytes,
      );
      const events: RescueEvent[] = [];
      const summary = await runRescue({ source, vault, categories: ['photos'], onEvent: (e) => events.push(e) });
      expect(summary.photos).toBe(2);
      const device = vault.device('UNTYPED1')!;
      const kept = [...vault.latestItems<{ entry: FoundMedia }>(device.id, 'media')].map((i) => i.record.entry);
      expect(kept.map((e) => [e.path, e.mediaType, e.kind]).sort()).toEqual([
        ['DCIM/a.jpg', 'image/jpeg', 'photo'],
        ['DCIM/clip', 'video/mp4', 'video'],
      ]);
      // The text file was not read to its end: the transfer stopped once its first bytes were in.
      expect(sent['DCIM/notes.jpg']).toBeLessThan(text.length);
      const done = events.filter((e) => e.type === 'progress').at(-1) as { items: number; totalItems: number };
      expect(done).toMatchObject({ items: 2, totalItems: 2 });
      vault.close();
    });
  }
});
