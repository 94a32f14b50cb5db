import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatUsbmuxAddress } from '../protocols/usbmux/usbmux-address.ts';
import { startIphoneSimulator, type IphoneHostility, type IphoneSimulator } from '../sim/iphone/iphone-simulator.ts';
import { makeIphoneImage } from '../sim/iphone/make-iphone-image.ts';
import { writeIphoneBackup } from '../sim/iphone-backup/backup-writer.ts';
import { DEMO_IPHONE, iphoneDemoSpec } from '../sim/iphone-backup/iphone-demo-data.ts';
import type { ApiEvent, DeviceInfo, RescueState } from './api.ts';
import { Engine } from './engine.ts';

/**
 * Sources that come after the engine started: an iPhone plugged in (usbmuxd's Listen, with the
 * simulated usbmuxd on a socket that does not exist yet at the start), unplugged, and its usbmuxd
 * gone and back; an iPhone backup made in Finder while the window is open.
 */
let tmp: string;
let imageDir: string;
let count = 0;
const engines: Engine[] = [];
const sims: IphoneSimulator[] = [];
const savedEnv = { USBMUXD_SOCKET_ADDRESS: process.env.USBMUXD_SOCKET_ADDRESS, XDG_DATA_HOME: process.env.XDG_DATA_HOME };

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-engine-hotplug-'));
  imageDir = makeIphoneImage(path.join(tmp, 'image'));
  // Lifeboat's pair records (written when the rescue pairs) go into this run's folder, not the home folder.
  process.env.XDG_DATA_HOME = path.join(tmp, 'data');
});
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const s of sims.splice(0)) await s.close();
});
afterAll(() => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

function newEngine(extra: Partial<ConstructorParameters<typeof Engine>[0]> = {}): Engine {
  const engine = new Engine({ vaultDir: fs.mkdtempSync(path.join(tmp, 'vault-')), host: 'browser', realUsb: false, simulation: true, ...extra });
  engines.push(engine);
  return engine;
}

/** A usbmuxd socket path that nothing listens on yet, named for USBMUXD_SOCKET_ADDRESS as a person would. */
function freshSocket(): string {
  const dir = path.join(tmp, `mux-${++count}`);
  fs.mkdirSync(dir);
  const socket = path.join(dir, 'usbmuxd.sock');
  process.env.USBMUXD_SOCKET_ADDRESS = `UNIX:${socket}`;
  return socket;
}

async function plugIn(socket: string, hostility?: IphoneHostility): Promise<IphoneSimulator> {
  const sim = await startIphoneSimulator({ imageDir, listen: { kind: 'unix', path: socket }, ...(hostility ? { hostility, vanishAfterBytes: 512 * 1024 } : {}) });
  sims.push(sim);
  expect(formatUsbmuxAddress(sim.address)).toBe(process.env.USBMUXD_SOCKET_ADDRESS);
  return sim;
}

/** The next event of a kind about one source, as the window would get it. */
function next<T extends ApiEvent['type']>(engine: Engine, type: T, id: string, timeoutMs = 15_000): Promise<Extract<ApiEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ${type} event for ${id} within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = engine.onEvent((e) => {
      const about = 'device' in e ? e.device.id : 'deviceId' in e ? e.deviceId : 'rescue' in e ? e.rescue.rescueId : undefined;
      if (e.type !== type || about !== id) return;
      clearTimeout(timer);
      stop();
      resolve(e as Extract<ApiEvent, { type: T }>);
    });
  });
}

const ids = async (engine: Engine) => (await engine.listDevices()).map((d: DeviceInfo) => d.id);

describe('Engine: phones and backups that come after the start', () => {
  it('an iPhone plugged in after the start appears, unplugged disappears, and usbmuxd gone and back is followed', async () => {
    const socket = freshSocket();
    const engine = newEngine({ iphones: true, iphoneRetryMs: 200 });
    const started = Date.now();
    await engine.start(); // no usbmuxd yet: the start does not wait for one
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await ids(engine)).toEqual([]);

    const sim = await plugIn(socket);
    const id = `iphone:${sim.profile.udid}`;
    const appeared = await next(engine, 'device-appeared', id);
    expect(appeared.device).toMatchObject({ transport: 'iphone', manufacturer: 'Apple', model: 'iPhone14,5', state: 'needs-trust', rescuable: ['photos'] });
    expect(await ids(engine)).toEqual([id]);

    const gone = next(engine, 'device-gone', id);
    sim.unplug();
    expect((await gone).deviceId).toBe(id);
    expect(await ids(engine)).toEqual([]);

    // The same Listen connection hears it plugged in again.
    const again = next(engine, 'device-appeared', id);
    sim.plugIn();
    await again;

    // usbmuxd itself goes away (its phones with it) and comes back on the same socket.
    const goneWithDaemon = next(engine, 'device-gone', id);
    await sim.close();
    sims.splice(sims.indexOf(sim), 1);
    await goneWithDaemon;
    expect(await ids(engine)).toEqual([]);
    const back = next(engine, 'device-appeared', id);
    await plugIn(socket);
    await back;
    expect(await ids(engine)).toEqual([id]);
  });

  it('an iPhone attached before the start is listed when start() resolves', async () => {
    const socket = freshSocket();
    const sim = await plugIn(socket);
    const engine = newEngine({ iphones: true });
    await engine.start();
    expect(await ids(engine)).toEqual([`iphone:${sim.profile.udid}`]);
  });

  it('an iPhone plugged in after the start is rescued; pulled mid-rescue, it disappears and the rescue ends as lost', async () => {
    const socket = freshSocket();
    const engine = newEngine({ iphones: true, iphoneRetryMs: 200 });
    await engine.start();
    // The phone's cable is pulled once 512 KiB of photos have gone over it.
    const sim = await plugIn(socket, 'vanish');
    const id = `iphone:${sim.profile.udid}`;
    await next(engine, 'device-appeared', id);
    const gone = next(engine, 'device-gone', id);
    const rescue: RescueState = await engine.startRescue({ deviceId: id, categories: ['photos'] });
    const finished = await next(engine, 'rescue-finished', rescue.rescueId, 40_000);
    await gone;
    expect(finished.rescue.status).toBe('lost');
    expect(finished.rescue.exitCode).toBe(3);
    expect(await ids(engine)).toEqual([]);
    expect(sim.writeAttempts).toEqual([]);
  });

  it('without iphones the engine never asks usbmuxd, even when one is there', async () => {
    const socket = freshSocket();
    await plugIn(socket);
    const engine = newEngine({ iphoneRetryMs: 100 });
    await engine.start();
    await new Promise((r) => setTimeout(r, 400));
    expect(await ids(engine)).toEqual([]);
  });

  it('a backup made after the start appears when the window asks again; finished later it turns ready; deleted it goes', async () => {
    const roots = path.join(tmp, `roots-${++count}`);
    fs.mkdirSync(roots);
    const engine = newEngine({ backupRoots: [roots] });
    await engine.start();
    expect(await ids(engine)).toEqual([]);

    // Finder is still writing it: Manifest.plist is there, Manifest.db not yet.
    const staged = path.join(tmp, `staged-${count}`);
    writeIphoneBackup(staged, iphoneDemoSpec());
    const dir = path.join(roots, DEMO_IPHONE.udid);
    fs.mkdirSync(dir);
    for (const name of fs.readdirSync(staged)) if (name !== 'Manifest.db') fs.cpSync(path.join(staged, name), path.join(dir, name), { recursive: true });
    const id = `backup:${dir}`;
    const appeared = next(engine, 'device-appeared', id);
    const first = await engine.listDevices();
    expect(first.map((d) => [d.id, d.state])).toEqual([[id, 'unsupported']]);
    expect((await appeared).device.backup?.deviceName).toBe('Lena’s iPhone');

    fs.cpSync(path.join(staged, 'Manifest.db'), path.join(dir, 'Manifest.db'));
    const changed = next(engine, 'device-changed', id);
    expect((await engine.listDevices()).map((d) => [d.id, d.state, d.problem])).toEqual([[id, 'ready', undefined]]);
    expect((await changed).device.state).toBe('ready');
    // Asked again with nothing new: nothing told.
    const told: ApiEvent[] = [];
    engine.onEvent((e) => told.push(e));
    await engine.listDevices();
    expect(told).toEqual([]);

    const gone = next(engine, 'device-gone', id);
    fs.rmSync(dir, { recursive: true });
    expect(await ids(engine)).toEqual([]);
    await gone;
  });
});
