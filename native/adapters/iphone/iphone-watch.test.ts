import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UsbmuxAddress } from '../../protocols/usbmux/usbmux-address.ts';
import { startIphoneSimulator } from '../../sim/iphone/iphone-simulator.ts';
import { makeIphoneImage } from '../../sim/iphone/make-iphone-image.ts';
import { UsbmuxdServer, type MuxDevice } from '../../sim/iphone/usbmuxd-server.ts';
import { watchIphones, type IphoneWatch } from './iphone-watch.ts';

let root: string;
let imageDir: string;
let count = 0;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-iphone-watch-'));
  imageDir = makeIphoneImage(path.join(root, 'image'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function socketPath(): UsbmuxAddress {
  const dir = path.join(root, `run-${++count}`);
  fs.mkdirSync(dir);
  return { kind: 'unix', path: path.join(dir, 'usbmuxd.sock') };
}

/** What a watch told, in order. */
function recorder(address: UsbmuxAddress, retryMs: number, dataDir = path.join(root, 'data')) {
  const told: string[] = [];
  const problems: string[] = [];
  const watch: IphoneWatch = watchIphones({
    address,
    dataDir,
    retryMs,
    onAppeared: (l) => told.push(`+${l.id} ${l.state}`),
    onGone: (id) => told.push(`-${id}`),
    onProblem: (m) => problems.push(m),
  });
  return { told, problems, watch };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A phone usbmuxd sees whose ports all refuse (it is described as not answering, never asked to trust). */
function mutePhone(deviceId: number, udid: string): MuxDevice {
  return { deviceId, udid, productId: 0x12a8, locationId: 0, listens: () => false, accept: (_port, socket) => socket.destroy() };
}

describe('following usbmuxd while the app runs', { timeout: 30_000 }, () => {
  it('no usbmuxd: ready at once, one problem told however many times it is asked again, then the phone when usbmuxd comes', async () => {
    const address = socketPath();
    const { told, problems, watch } = recorder(address, 50);
    try {
      await watch.ready;
      await sleep(400); // some eight retries
      expect(problems).toHaveLength(1);
      expect(told).toEqual([]);
      const sim = await startIphoneSimulator({ imageDir, listen: address });
      try {
        await expect.poll(() => told, { timeout: 5_000 }).toEqual([`+iphone:${sim.profile.udid} needs-trust`]);
      } finally {
        await sim.close();
      }
      await expect.poll(() => told.at(-1), { timeout: 5_000 }).toBe(`-iphone:${sim.profile.udid}`);
    } finally {
      watch.close();
    }
  });

  it('one phone on USB and Wi-Fi at once (two handles) is one phone, gone only when both are', async () => {
    const address = socketPath();
    const server = new UsbmuxdServer();
    await server.listen(address);
    const { told, watch } = recorder(address, 50);
    try {
      await watch.ready;
      server.attach(mutePhone(7, '00008110-000A11112222801E'));
      server.attach(mutePhone(8, '00008110-000A11112222801E'));
      await expect.poll(() => told, { timeout: 5_000 }).toEqual(['+iphone:00008110-000A11112222801E unsupported']);
      server.detach(7);
      await sleep(200);
      expect(told).toHaveLength(1);
      server.detach(8);
      await expect.poll(() => told.at(-1), { timeout: 5_000 }).toBe('-iphone:00008110-000A11112222801E');
    } finally {
      watch.close();
      await server.close();
    }
  });

  it('a usbmuxd that lies (every answer claims nearly 4 GiB) or hangs up at once: no crash, asked again quietly', async () => {
    const lying = socketPath();
    const liar = new UsbmuxdServer({ lyingLength: true });
    await liar.listen(lying);
    liar.attach(mutePhone(1, '00008110-000A11112222801F'));
    const rude = socketPath();
    const hangUp = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => hangUp.listen((rude as { path: string }).path, resolve));
    const watches = [recorder(lying, 50), recorder(rude, 50)];
    try {
      for (const { watch } of watches) await watch.ready;
      await sleep(400);
      for (const { told, problems } of watches) {
        expect(told).toEqual([]);
        expect(problems).toHaveLength(1);
      }
    } finally {
      for (const { watch } of watches) watch.close();
      await liar.close();
      await new Promise<void>((resolve) => hangUp.close(() => resolve()));
    }
  });

  it('closed, it tells nothing more and asks usbmuxd no more', async () => {
    const address = socketPath();
    const server = new UsbmuxdServer();
    await server.listen(address);
    const { told, watch } = recorder(address, 50);
    await watch.ready;
    watch.close();
    server.attach(mutePhone(3, '00008110-000A111122228020'));
    await sleep(200);
    expect(told).toEqual([]);
    await server.close();
  });
});
