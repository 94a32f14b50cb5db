import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ExportRequest, ExportState } from './api.ts';
import { Engine } from './engine.ts';

let tmp: string;
let engine: Engine;
const SERIAL = 'LBDEMO0001';

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-engine-sel-'));
  engine = new Engine({ vaultDir: path.join(tmp, 'vault'), host: 'browser', realUsb: false, simulation: true });
  await engine.start();
  const device = await engine.plugInSimulatedPhone({ image: 'images/demo-android' });
  const finished = new Promise<void>((resolve) => engine.onEvent((e) => e.type === 'rescue-finished' && resolve()));
  await engine.startRescue({ deviceId: device.id, categories: ['contacts', 'calendar', 'photos'] });
  await finished;
}, 60_000);

afterAll(async () => {
  await engine?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function exportAndWait(req: Omit<ExportRequest, 'serial' | 'vcard' | 'photoLayout'>): Promise<ExportState> {
  const done = new Promise<ExportState>((resolve) =>
    engine.onEvent((e: ApiEvent) => {
      if (e.type === 'export-finished' && e.export.folder === req.folder) resolve(e.export);
    }),
  );
  await engine.startExport({ serial: SERIAL, vcard: '3.0', photoLayout: 'by-date', ...req });
  return done;
}

describe('Engine.startExport with a selection (ids of Review rows)', () => {
  it('exports only the chosen rows, verifies, and says how many of each were chosen', async () => {
    const contacts = await engine.contacts({ serial: SERIAL, offset: 0, limit: 100 });
    const photos = await engine.photos({ serial: SERIAL, offset: 0, limit: 100 });
    const chosenContacts = contacts.rows.slice(0, 2);
    const chosenPhotos = photos.rows.slice(0, 3);
    const folder = path.join(tmp, 'selection');
    const state = await exportAndWait({ folder, only: { contacts: chosenContacts.map((r) => r.id), photos: chosenPhotos.map((r) => r.id), events: [] } });
    expect(state).toMatchObject({ status: 'done', verification: { ok: true, problems: [] } });
    expect(state.result).toMatchObject({ contacts: 2, events: 0, calendars: 0, photos: 3 });
    expect(state.result!.chosen).toEqual({ contacts: { chosen: 2, of: 12 }, events: { chosen: 0, of: 10 }, photos: { chosen: 3, of: 8 } });
    const vcf = fs.readFileSync(path.join(folder, 'data', 'contacts', 'contacts.vcf'), 'utf8');
    expect(vcf.match(/^BEGIN:VCARD\r$/gm)).toHaveLength(2);
    for (const row of chosenContacts) expect(vcf).toContain(`FN:${row.name}`);
    expect(fs.existsSync(path.join(folder, 'data', 'calendar'))).toBe(false);
    const receipt = await engine.receipt({ exportId: state.exportId });
    expect(receipt.html).toContain('2 of 12 contacts chosen');
  });

  it('refuses a selection of the wrong shape at once, and an id it does not hold with what to do', async () => {
    await expect(
      engine.startExport({ serial: SERIAL, folder: path.join(tmp, 'bad-shape'), vcard: '3.0', photoLayout: 'by-date', only: { photos: 'some' } as never }),
    ).rejects.toMatchObject({ code: 'bad-call' });
    const folder = path.join(tmp, 'stale');
    const state = await exportAndWait({ folder, only: { contacts: [987_654] } });
    expect(state.status).toBe('failed');
    expect(state.error).toMatchObject({ code: 'not-in-vault', whatToDo: expect.stringContaining('Review') });
    expect(fs.existsSync(folder)).toBe(false);
  });
});
