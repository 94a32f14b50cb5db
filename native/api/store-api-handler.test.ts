import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyBag } from '../export/verify-bag.ts';
import { verifyAuditLog } from '../store/audit-log.ts';
import type { HolderProbe } from '../store/holders-check.ts';
import { StaffRegistry } from '../store/staff.ts';
import type { ApiEvent } from './api.ts';
import { Engine } from './engine.ts';
import type { StoreReceipt, StoreSessionInfo, StoreStatus } from './store-api.ts';
import { parseCall, STORE_API_METHODS } from './wire.ts';

/**
 * Store mode through the engine's one door (dispatch), as a window calls it: the mode switched
 * on with a PIN, the plain calls refused while it is on, a customer session of a simulated phone
 * through preview rules and handoff, and the mode switched off only with no session open.
 */
const DEMO = 'images/demo-android';
const quietProbe: HolderProbe = { platform: 'linux', listProcesses: async () => [], listening: async () => false };
let tmp: string;
const engines: Engine[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-store-api-'));
});
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function newEngine(storeDir: string, on = false): Engine {
  const engine = new Engine({
    vaultDir: fs.mkdtempSync(path.join(tmp, 'vault-')),
    host: 'browser',
    realUsb: false,
    simulation: true,
    store: { dir: storeDir, on, probe: quietProbe },
  });
  engines.push(engine);
  return engine;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  throw new Error('the call was expected to be refused');
}

function until<T>(engine: Engine, pick: (e: ApiEvent) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const stop = engine.onEvent((e) => {
      const hit = pick(e);
      if (hit !== undefined) {
        stop();
        resolve(hit);
      }
    });
  });
}

describe('store mode behind the API', () => {
  it('lists every store call in the wire allowlist', () => {
    for (const m of STORE_API_METHODS) expect(parseCall({ kind: 'call', id: 1, method: m })).toHaveProperty('call');
    expect(STORE_API_METHODS).toContain('storeHandoff');
  });

  it('is switched on with a PIN, refuses plain rescues, runs a session through handoff, and switches off only when none is open', async () => {
    const storeDir = path.join(tmp, 'store-1');
    const engine = newEngine(storeDir);
    const call = <T>(method: string, arg?: object) => engine.dispatch(method, arg) as Promise<T>;
    await engine.start();
    const phone = await engine.plugInSimulatedPhone({ image: DEMO });

    expect(await call<StoreStatus>('storeStatus')).toEqual({ on: false, staff: [], signedIn: null, sessions: [] });
    expect(await refusal(call('storeStartSession', { deviceId: phone.id, categories: ['contacts'] }))).toBe('store-mode-off');
    expect(await refusal(call('storeModeOn', { staffId: 'alice', pin: '4711' }))).toBe('no-staff');
    new StaffRegistry(path.join(storeDir, 'staff.json')).add('alice', '4711');
    expect(await refusal(call('storeModeOn', { staffId: 'alice', pin: '0000' }))).toBe('wrong-pin');
    expect((await call<StoreStatus>('storeStatus')).on).toBe(false);

    const on = await call<StoreStatus>('storeModeOn', { staffId: 'alice', pin: '4711' });
    expect(on).toMatchObject({ on: true, staff: ['alice'], signedIn: 'alice' });
    expect(JSON.parse(fs.readFileSync(path.join(storeDir, 'settings.json'), 'utf8'))).toEqual({ storeMode: true });
    // Plain rescues and the plain vault's contents are closed while store mode is on.
    expect(await refusal(call('startRescue', { deviceId: phone.id, categories: ['contacts'] }))).toBe('store-mode');
    expect(await refusal(call('vaultPhones'))).toBe('store-mode');

    const ready = until(engine, (e) => (e.type === 'store-session-changed' && e.session.state === 'ready-for-handoff' ? e.session : undefined));
    const started = await call<{ session: StoreSessionInfo; holders: unknown[] }>('storeStartSession', { deviceId: phone.id, categories: ['contacts', 'calendar', 'photos'] });
    expect(started.holders).toEqual([]);
    expect(await refusal(call('storeStartSession', { deviceId: phone.id, categories: ['photos'] }))).toBe('session-open');
    const info = await ready;
    const id = started.session.sessionId;
    expect(info).toMatchObject({ sessionId: id, staffId: 'alice', deviceId: phone.id, counts: { contacts: 12, events: 10, photos: 8 } });

    // Contents only with the customer present.
    expect(await refusal(call('storePreviewContacts', { sessionId: id, offset: 0, limit: 5 }))).toBe('preview-closed');
    expect(await refusal(call('storeOpenPreview', { sessionId: id, category: 'contacts', customerPresent: false }))).toBe('customer-not-present');
    await call('storeOpenPreview', { sessionId: id, category: 'contacts', customerPresent: true });
    const rows = await call<{ total: number; rows: { name: string }[] }>('storePreviewContacts', { sessionId: id, query: 'picard', offset: 0, limit: 5 });
    expect(rows.rows.map((r) => r.name)).toEqual(['Jean-Luc Picard']);
    expect(await refusal(call('storePreviewPhotos', { sessionId: id, offset: 0, limit: 5 }))).toBe('preview-closed');
    await call('storeClosePreview', { sessionId: id });

    expect(await refusal(call('storeModeOff'))).toBe('sessions-open');
    expect(await refusal(call('storeHandoff', { sessionId: id, folder: 'relative/folder' }))).toBe('bad-folder');
    const ended = until(engine, (e) => (e.type === 'store-session-ended' ? e.receipt : undefined));
    const out = path.join(tmp, 'customer-stick');
    const handing = await call<StoreSessionInfo>('storeHandoff', { sessionId: id, folder: out });
    expect(handing.state).toBe('handing-off');
    const receipt: StoreReceipt = await ended;
    expect(receipt).toMatchObject({ sessionId: id, staffId: 'alice', outcome: 'handed-off', counts: { contacts: 12, events: 10, photos: 8 } });
    expect(await verifyBag(receipt.bagFolder!)).toEqual([]);
    expect(receipt.manifestSha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(receipt.bagFolder!, 'manifest-sha256.txt'))).digest('hex'));
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toEqual([]);
    expect(await call<StoreReceipt>('storeReceipt', { sessionId: id })).toEqual(receipt);

    await call('storeSignOut');
    expect(await refusal(call('storeSessions'))).toBe('not-signed-in');
    await call('storeSignIn', { staffId: 'alice', pin: '4711' });
    const off = await call<StoreStatus>('storeModeOff');
    expect(off).toMatchObject({ on: false, signedIn: null });
    expect(await refusal(call('storeSessions'))).toBe('store-mode-off');
    expect(verifyAuditLog(path.join(storeDir, 'audit.jsonl'))).toMatchObject({ ok: true });
    const events = fs.readFileSync(path.join(storeDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event as string);
    expect(events).toEqual(expect.arrayContaining(['store-mode-on', 'staff-signed-out', 'preview-opened', 'key-destroyed', 'session-ended', 'store-mode-off']));
  }, 60_000);

  it('starts on as the setting was left, and abandons open sessions when the engine closes', async () => {
    const storeDir = path.join(tmp, 'store-2');
    new StaffRegistry(path.join(storeDir, 'staff.json')).add('bob', '0815');
    fs.writeFileSync(path.join(storeDir, 'settings.json'), '{"storeMode":true}\n');
    const engine = newEngine(storeDir);
    await engine.start();
    const phone = await engine.plugInSimulatedPhone({ image: DEMO });
    const status = (await engine.dispatch('storeStatus', {})) as StoreStatus;
    expect(status).toMatchObject({ on: true, signedIn: null });
    expect(await refusal(engine.dispatch('storeStartSession', { deviceId: phone.id, categories: ['photos'] }))).toBe('not-signed-in');
    await engine.dispatch('storeSignIn', { staffId: 'bob', pin: '0815' });
    await engine.dispatch('storeStartSession', { deviceId: phone.id, categories: ['photos'] });
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toHaveLength(1);
    await engine.close();
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toEqual([]);
    const lines = fs.readFileSync(path.join(storeDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ event: 'session-ended', data: { outcome: 'abandoned' } });
  }, 60_000);

  it('refuses store calls in an engine without store mode', async () => {
    const engine = new Engine({ vaultDir: fs.mkdtempSync(path.join(tmp, 'vault-')), host: 'browser', realUsb: false, simulation: true });
    engines.push(engine);
    expect(await engine.dispatch('storeStatus', {})).toMatchObject({ on: false });
    expect(await refusal(engine.dispatch('storeModeOn', { staffId: 'a', pin: '1234' }))).toBe('no-store-mode');
  });
});
