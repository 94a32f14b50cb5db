import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from './api.ts';
import { Engine } from './engine.ts';
import { rescueFinished } from './rescue-finished.ts';
import { makeTestPhoneImage } from './test-phone-image.ts';

const DEMO = 'images/demo-android';
let tmp: string;
let bigPhone: string;
const engines: Engine[] = [];

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-engine-'));
  bigPhone = await makeTestPhoneImage(path.join(tmp, 'big-phone'), { serial: 'LBBIG0001', battery: 9, photos: 12 });
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

function newEngine(extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}): Engine {
  const engine = new Engine({ vaultDir: fs.mkdtempSync(path.join(tmp, 'vault-')), host: 'browser', realUsb: false, simulation: true, ...extra });
  engines.push(engine);
  return engine;
}

describe('Engine (the API behind the window)', () => {
  it('rescues a simulated phone, reviews it, exports it and verifies the export', async () => {
    const engine = newEngine();
    const events: ApiEvent[] = [];
    engine.onEvent((e) => events.push(e));
    await engine.start();
    const device = await engine.plugInSimulatedPhone({ image: DEMO });
    expect(device).toMatchObject({ state: 'ready', serial: 'LBDEMO0001', battery: 23, batteryLow: false, rescuable: ['contacts', 'calendar', 'photos'] });
    expect(events.map((e) => e.type)).toContain('device-appeared');

    const started = await engine.startRescue({ deviceId: device.id, categories: ['contacts', 'calendar', 'photos'] });
    const done = await rescueFinished(engine, started.rescueId);
    expect(done).toMatchObject({ status: 'done', exitCode: 0, totals: { contacts: 12, events: 10, photos: 8 } });
    expect(done.categories.every((c) => c.state === 'done')).toBe(true);

    const contacts = await engine.contacts({ serial: device.serial, query: 'picard', offset: 0, limit: 10 });
    expect(contacts.rows.map((r) => r.name)).toEqual(['Jean-Luc Picard']);
    const card = await engine.contact({ serial: device.serial, id: contacts.rows[0]!.id });
    expect(card.phones[0]?.value).toBe('+33 1 40 20 50 50');
    const calendar = await engine.events({ serial: device.serial });
    expect(calendar.some((e) => e.title === 'Dentist')).toBe(true);
    const photos = await engine.photos({ serial: device.serial, offset: 0, limit: 100 });
    expect(photos.total).toBe(8);
    const jpeg = photos.rows.find((r) => r.mediaType === 'image/jpeg')!;
    const thumb = await engine.thumbnail({ serial: device.serial, id: jpeg.id });
    expect(thumb.dataUrl).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    const video = photos.rows.find((r) => r.kind === 'video')!;
    expect((await engine.thumbnail({ serial: device.serial, id: video.id })).dataUrl).toBeNull();

    const folder = path.join(tmp, 'export-1');
    const exportDone = new Promise<ApiEvent>((resolve) => engine.onEvent((e) => e.type === 'export-finished' && resolve(e)));
    await engine.startExport({ serial: device.serial, folder, vcard: '4.0', photoLayout: 'by-date' });
    const ev = (await exportDone) as Extract<ApiEvent, { type: 'export-finished' }>;
    expect(ev.export).toMatchObject({ status: 'done', verification: { ok: true, problems: [] }, result: { contacts: 12, events: 10 } });
    expect(fs.readFileSync(path.join(folder, 'data', 'contacts', 'contacts.vcf'), 'utf8')).toContain('VERSION:4.0');
    const receipt = await engine.receipt({ exportId: ev.export.exportId });
    expect(receipt.html).toContain('LBDEMO0001');

    // An export never goes into a folder that holds other files: said, with what to do.
    await expect(engine.startExport({ serial: device.serial, folder, vcard: '3.0', photoLayout: 'by-date' })).rejects.toMatchObject({ code: 'folder-not-empty' });
  });

  it('reports a pulled cable as lost (exit 3), then resumes without reading again what is safe', async () => {
    const engine = newEngine();
    await engine.start();
    const device = await engine.plugInSimulatedPhone({ image: bigPhone, unplugAfterBytes: 1_500_000 });
    expect(device.batteryLow).toBe(true);
    const gone = new Promise<void>((resolve) => engine.onEvent((e) => e.type === 'device-gone' && resolve()));
    const r1 = await engine.startRescue({ deviceId: device.id, categories: ['contacts', 'calendar', 'photos'] });
    const lost = await rescueFinished(engine, r1.rescueId);
    await gone;
    expect(lost).toMatchObject({ status: 'lost', exitCode: 3, error: { code: 'phone-lost' } });
    expect(lost.error?.whatToDo).toMatch(/Plug the phone in again/);
    expect(await engine.listDevices()).toEqual([]);

    const again = await engine.plugInSimulatedPhone({ image: bigPhone });
    expect(again.safe?.contacts).toBe(12);
    const r2 = await engine.startRescue({ deviceId: again.id, categories: ['contacts', 'calendar', 'photos'] });
    const done = await rescueFinished(engine, r2.rescueId);
    expect(done.status).toBe('done');
    expect(done.totals!.photos).toBe(20);
    // What the first run saved was not read again.
    expect(done.totals!.skipped).toBeGreaterThan(22);
    expect(done.totals!.transferredBytes).toBeLessThan(fs.readdirSync(path.join(bigPhone, 'storage/DCIM/Camera')).reduce((s, f) => s + fs.statSync(path.join(bigPhone, 'storage/DCIM/Camera', f)).size, 0));
  });

  it('warns of a stall and still cancels at once when the phone stops answering', async () => {
    const engine = newEngine({ stallWarningSeconds: 1, cancelGraceMs: 500 });
    await engine.start();
    const device = await engine.plugInSimulatedPhone({ image: bigPhone, stallAfterBytes: 600_000 });
    const stalled = new Promise<void>((resolve) => engine.onEvent((e) => e.type === 'rescue-stall' && e.stalled && resolve()));
    const r = await engine.startRescue({ deviceId: device.id, categories: ['photos'] });
    await stalled;
    const t0 = Date.now();
    const state = await engine.cancelRescue({ rescueId: r.rescueId });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(state.status).toBe('cancelled');
    expect(state.exitCode).toBe(130);
  });

  it('rescues two phones at once, each into its own vault', async () => {
    const engine = newEngine();
    await engine.start();
    const second = await makeTestPhoneImage(path.join(tmp, 'second'), { serial: 'LBSECOND1', model: 'Pixel 6a' });
    const a = await engine.plugInSimulatedPhone({ image: DEMO });
    const b = await engine.plugInSimulatedPhone({ image: second });
    const [ra, rb] = await Promise.all([
      engine.startRescue({ deviceId: a.id, categories: ['contacts', 'calendar', 'photos'] }),
      engine.startRescue({ deviceId: b.id, categories: ['contacts', 'calendar', 'photos'] }),
    ]);
    const [da, db] = await Promise.all([rescueFinished(engine, ra.rescueId), rescueFinished(engine, rb.rescueId)]);
    expect([da.status, db.status]).toEqual(['done', 'done']);
    const phones = await engine.vaultPhones();
    expect(phones.map((p) => p.serial).sort()).toEqual(['LBDEMO0001', 'LBSECOND1']);
    expect(phones.every((p) => p.safe.contacts === 12)).toBe(true);
  });

  it('rescues an MTP phone (File transfer) through the same API', async () => {
    const engine = newEngine();
    await engine.start();
    const device = await engine.plugInSimulatedPhone({ image: 'images/demo-mtp' });
    expect(device).toMatchObject({ transport: 'mtp', state: 'ready', connection: 'Simulated USB cable, File transfer (MTP)' });
    const r = await engine.startRescue({ deviceId: device.id, categories: ['contacts', 'calendar', 'photos'] });
    const done = await rescueFinished(engine, r.rescueId);
    expect(done).toMatchObject({ status: 'done', exitCode: 0 });
    expect(done.totals!.photos).toBeGreaterThan(0);
  });

  it('refuses unknown methods and malformed arguments with a message, not a crash', async () => {
    const engine = newEngine({ simulation: false });
    await expect(engine.dispatch('constructor', {})).rejects.toMatchObject({ code: 'bad-call' });
    await expect(engine.dispatch('contacts', { serial: 5 })).rejects.toMatchObject({ code: 'bad-call' });
    await expect(engine.dispatch('startRescue', { deviceId: 'sim:x', categories: ['sms'] })).rejects.toMatchObject({ code: 'bad-call' });
    await expect(engine.dispatch('plugInSimulatedPhone', { image: DEMO })).rejects.toMatchObject({ code: 'no-simulation' });
    await expect(engine.dispatch('startExport', { serial: 'x', folder: 'relative/path', vcard: '3.0', photoLayout: 'by-date' })).rejects.toMatchObject({ code: 'bad-folder' });
  });
});
