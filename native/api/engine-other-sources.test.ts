import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeIphoneBackup } from '../sim/iphone-backup/backup-writer.ts';
import { DEMO_IPHONE, iphoneDemoCameraRoll, iphoneDemoContacts, iphoneDemoEvents, iphoneDemoSpec } from '../sim/iphone-backup/iphone-demo-data.ts';
import type { ApiEvent } from './api.ts';
import { Engine } from './engine.ts';
import { rescueFinished } from './rescue-finished.ts';
import { toUserError } from './user-error.ts';

/**
 * The sources beside USB phones: iPhone backups (plain, and encrypted with the password asked in
 * the window) and a simulated feature phone (AT commands), through the same calls the window makes.
 */
const PASSWORD = 'Söme passw0rd';
let tmp: string;
let roots: string;
let plain: string;
let encrypted: string;
const engines: Engine[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-engine-other-'));
  roots = path.join(tmp, 'roots');
  plain = path.join(roots, DEMO_IPHONE.udid);
  writeIphoneBackup(plain, iphoneDemoSpec());
  encrypted = path.join(tmp, 'elsewhere', '00008030-ENCRYPTED000001');
  writeIphoneBackup(
    encrypted,
    iphoneDemoSpec({
      device: { ...DEMO_IPHONE, deviceName: 'Tom’s iPhone', serialNumber: 'F2LENCRYPTD1', udid: '00008030-ENCRYPTED000001' },
      encryption: { password: PASSWORD, sha256Iterations: 1000, sha1Iterations: 10 },
    }),
  );
});

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function newEngine(extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}): Engine {
  const engine = new Engine({ vaultDir: fs.mkdtempSync(path.join(tmp, 'vault-')), host: 'browser', realUsb: false, simulation: true, ...extra });
  engines.push(engine);
  return engine;
}

const ALL = ['contacts', 'calendar', 'photos'] as const;

describe('Engine: iPhone backups and feature phones beside the USB phones', () => {
  it('offers the backups found under the roots and the ones named, and rescues a plain one', async () => {
    const engine = newEngine({ backupRoots: [roots], backupFolders: [encrypted] });
    await engine.start();
    const devices = await engine.listDevices();
    expect(devices.map((d) => [d.id, d.transport, d.state, d.backup?.deviceName, d.backup?.encrypted])).toEqual([
      [`backup:${plain}`, 'iphone-backup', 'ready', 'Lena’s iPhone', false],
      [`backup:${encrypted}`, 'iphone-backup', 'needs-password', 'Tom’s iPhone', true],
    ]);
    expect(devices[0]!.backup?.madeMs).toBe(Date.parse('2024-10-01T18:00:00Z'));
    const started = await engine.startRescue({ deviceId: `backup:${plain}`, categories: [...ALL] });
    const done = await rescueFinished(engine, started.rescueId);
    expect(done).toMatchObject({
      status: 'done',
      totals: { contacts: iphoneDemoContacts().length, events: iphoneDemoEvents().length, photos: iphoneDemoCameraRoll().length },
    });
    // The counts of what is safe follow once the rescue has let go of the vault.
    await expect.poll(async () => (await engine.listDevices()).find((d) => d.id === `backup:${plain}`)?.safe?.photos).toBe(iphoneDemoCameraRoll().length);
  });

  it('an encrypted backup: no password and a wrong one fail the call (nothing started), the right one rescues', async () => {
    const engine = newEngine({ backupFolders: [encrypted] });
    await engine.start();
    const id = `backup:${encrypted}`;
    const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (err: unknown) => toUserError(err).code);
    expect(await codeOf(engine.startRescue({ deviceId: id, categories: [...ALL] }))).toBe('needs-password');
    expect(await codeOf(engine.startRescue({ deviceId: id, categories: [...ALL], password: 'söme passw0rd' }))).toBe('wrong-password');
    expect(await engine.rescues()).toEqual([]);
    const events: ApiEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const started = await engine.startRescue({ deviceId: id, categories: [...ALL], password: PASSWORD });
    const done = await rescueFinished(engine, started.rescueId);
    expect(done).toMatchObject({ status: 'done', serial: 'F2LENCRYPTD1', totals: { contacts: iphoneDemoContacts().length, photos: iphoneDemoCameraRoll().length } });
    // The password goes nowhere: not into a state or an event the window (or a log) sees.
    expect(JSON.stringify([events, await engine.rescues(), await engine.listDevices()])).not.toContain(PASSWORD);
    const contacts = await engine.contacts({ serial: 'F2LENCRYPTD1', offset: 0, limit: 100 });
    expect(contacts.total).toBe(iphoneDemoContacts().length);
  });

  it('a simulated feature phone (AT image): listed with its battery, rescues its phonebook, and its cable can be pulled', async () => {
    const engine = newEngine();
    await engine.start();
    const at = await engine.plugInSimulatedPhone({ image: 'images/demo-at' });
    // The demo phone offers OBEX (AT+CPROT=0): calendar and pictures come over the same cable.
    expect(at).toMatchObject({ transport: 'at', manufacturer: 'Nokia', model: '2730 classic', battery: 71, state: 'ready', rescuable: ['contacts', 'calendar', 'photos'] });
    expect(at.connection).toContain('AT commands');
    const started = await engine.startRescue({ deviceId: at.id, categories: [...ALL] });
    expect(started.categories.map((c) => c.category)).toEqual(['contacts', 'calendar', 'photos']);
    const done = await rescueFinished(engine, started.rescueId);
    expect(done.status).toBe('done');
    expect(done.totals).toMatchObject({ contacts: 16, events: 3, photos: 3 });
    await engine.pullSimulatedCable({ deviceId: at.id });
    expect(await engine.listDevices()).toEqual([]);
  });

  it('a named folder that is no backup is refused, saying so', async () => {
    const engine = newEngine({ backupFolders: [path.join(tmp, 'elsewhere')] });
    await expect(engine.start()).rejects.toThrow(/not an iPhone backup folder/);
  });
});
