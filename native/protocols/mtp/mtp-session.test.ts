import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plugInMtpPhone } from '../../sim/mtp/mtp-simulator.ts';
import { ALLOWED_OPERATIONS } from './mtp-allowlist.ts';
import { ContainerType, Op, ROOT_PARENT } from './mtp-codes.ts';
import { MtpSessionDeadError } from './mtp-errors.ts';
import { MtpSession } from './mtp-session.ts';

let image: string;
const files: Record<string, Buffer> = {};

beforeAll(() => {
  image = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mtp-session-'));
  fs.writeFileSync(path.join(image, 'device.json'), JSON.stringify({ transport: 'mtp', vendorId: 1, productId: 2, manufacturer: 'Acme', model: 'Phone', serial: 'S1', battery: 42 }));
  const put = (rel: string, bytes: Buffer) => {
    files[rel] = bytes;
    fs.mkdirSync(path.dirname(path.join(image, 'storage', rel)), { recursive: true });
    fs.writeFileSync(path.join(image, 'storage', rel), bytes);
  };
  put('DCIM/zlp-500.jpg', randomBytes(500)); // 12 + 500 = one whole packet: the phone adds a ZLP
  put('DCIM/zlp-1012.jpg', randomBytes(1012));
  put('DCIM/big.jpg', randomBytes(3_000_000 + 7));
  put('DCIM/empty.jpg', Buffer.alloc(0));
  put('huge.mp4', randomBytes(8 * 1024 * 1024));
});
afterAll(() => fs.rmSync(image, { recursive: true, force: true }));

async function read(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts);
}

/** The phone's objects by path, walked as the adapter walks (folder by folder). */
async function objects(session: MtpSession): Promise<Map<string, { handle: number; size: number }>> {
  const out = new Map<string, { handle: number; size: number }>();
  const [storage] = await session.storageIds();
  const walk = async (parent: number, prefix: string) => {
    for (const h of await session.objectHandles(storage!, 0, parent)) {
      const info = await session.objectInfo(h);
      if (info.associationType === 1) await walk(h, `${prefix}${info.filename}/`);
      else out.set(`${prefix}${info.filename}`, { handle: h, size: info.compressedSize });
    }
  };
  await walk(ROOT_PARENT, '');
  return out;
}

function spyOut(device: { transferOut: (ep: number, data: Uint8Array) => Promise<unknown> }): Uint8Array[] {
  const sent: Uint8Array[] = [];
  const original = device.transferOut.bind(device);
  device.transferOut = (ep, data) => {
    sent.push(new Uint8Array(data as Uint8Array).slice());
    return original(ep, data);
  };
  return sent;
}

describe('MtpSession against the simulator over the virtual USB device', () => {
  for (const style of ['android', 'feature-phone'] as const) {
    it(`reads every object byte for byte, whole and from offsets (${style}), sending only allowed commands`, async () => {
      const { device } = plugInMtpPhone({ imageDir: image, style });
      const sent = spyOut(device as never);
      const session = await MtpSession.open(device, { transferBytes: 64 * 1024, partialChunkBytes: 100_000 });
      expect(session.deviceInfo).toMatchObject({ manufacturer: 'Acme', model: 'Phone', serialNumber: 'S1' });
      expect(await session.batteryLevel()).toBe(42);
      const all = await objects(session);
      for (const [rel, bytes] of Object.entries(files)) {
        const o = all.get(rel)!;
        expect(o.size, rel).toBe(bytes.length);
        expect((await read(session.readObject(o.handle, o.size))).equals(bytes), rel).toBe(true);
        for (const from of [1, 499, bytes.length - 1, bytes.length]) {
          if (from < 0 || from > bytes.length) continue;
          expect((await read(session.readObject(o.handle, o.size, from))).equals(bytes.subarray(from)), `${rel} from ${from}`).toBe(true);
        }
      }
      await session.close();
      // Every OUT transfer was a command container with an allowed code; partial reads never
      // asked for a data phase of whole packets.
      let partials = 0;
      for (const out of sent) {
        const view = new DataView(out.buffer);
        expect(view.getUint16(4, true)).toBe(ContainerType.command);
        const code = view.getUint16(6, true);
        expect(ALLOWED_OPERATIONS.has(code), `0x${code.toString(16)}`).toBe(true);
        if (code === Op.GetPartialObject64 || code === Op.GetPartialObject) {
          partials++;
          const max = view.getUint32(out.length - 4, true);
          expect((max + 12) % 512).not.toBe(0);
        }
        if (style === 'feature-phone') expect(code).not.toBe(Op.GetPartialObject64);
      }
      expect(partials).toBeGreaterThan(10);
    });
  }

  it('reads no further ahead than its consumer (bounded memory), and goes on after a read stopped half way', async () => {
    const { device } = plugInMtpPhone({ imageDir: image });
    // At most 4 transfers of 256 KiB ahead (the bounds below follow from these two numbers).
    const session = await MtpSession.open(device, { transferBytes: 256 * 1024, transfersInFlight: 4 });
    const o = (await objects(session)).get('huge.mp4')!;
    const stream = session.readObject(o.handle, o.size);
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    const before = device.link.bytesIn;
    await new Promise((r) => setTimeout(r, 200));
    expect(device.link.bytesIn - before).toBeLessThan(2 * 1024 * 1024);
    expect(device.link.bytesIn).toBeLessThan(3 * 1024 * 1024);
    stream.destroy();
    await new Promise((r) => setTimeout(r, 50));
    // The cancelled read is behind us: the next transactions work.
    const again = (await objects(session)).get('DCIM/zlp-1012.jpg')!;
    expect((await read(session.readObject(again.handle, again.size))).equals(files['DCIM/zlp-1012.jpg']!)).toBe(true);
    expect(device.link.bytesIn).toBeLessThan(4 * 1024 * 1024);
    await session.close();
  });

  it('asks ObjectSize (0xDC04) for an object of 4 GiB or more', async () => {
    const { device } = plugInMtpPhone({ imageDir: image, hostile: ['size-lies-big'] });
    const session = await MtpSession.open(device);
    const big = (await objects(session)).get('zz-hostile/size-big.jpg')!;
    const info = await session.objectInfo(big.handle);
    expect(info.compressedSize).toBe(0xffffffff);
    expect(await session.objectSize(big.handle, info)).toBe(5_000_000_000);
    // That phone lies: the data phase says 40 kB. Refused before a byte is passed on.
    await expect(read(session.readObject(big.handle, 5_000_000_000))).rejects.toThrow(/its size lies/);
    const other = (await objects(session)).get('DCIM/zlp-500.jpg')!;
    expect((await read(session.readObject(other.handle, other.size))).equals(files['DCIM/zlp-500.jpg']!)).toBe(true);
    await session.close();
  });

  it('reports a phone that stops answering mid-object as a dead session, within the stall limit', async () => {
    const { device } = plugInMtpPhone({ imageDir: image, hostile: ['stall-mid-object'] });
    const session = await MtpSession.open(device, { stallTimeoutMs: 300 });
    const stall = (await objects(session)).get('zzz-last/stall.jpg')!;
    const started = Date.now();
    await expect(read(session.readObject(stall.handle, stall.size))).rejects.toThrow(MtpSessionDeadError);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(session.storageIds()).rejects.toThrow(/stopped answering/);
    await session.close();
  });
});
