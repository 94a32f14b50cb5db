import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdbSimulator, type AdbSimulator } from './adb-simulator.ts';
import { FakeAdbHost } from './fake-adb-host.ts';
import { memoryDuplexPair } from './memory-duplex-pair.ts';
import { ID_DATA, ID_DONE, ID_FAIL, ID_QUIT } from './sync-protocol.ts';

const DEMO = new URL('../../../images/demo-android', import.meta.url).pathname;
let image: string;
let simulator: AdbSimulator;

/** A copy of the demo image with a big file, a symlink leading out, and a file beside storage/. */
beforeAll(() => {
  image = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sync-test-'));
  fs.cpSync(DEMO, image, { recursive: true });
  fs.writeFileSync(path.join(image, 'storage', 'DCIM', 'big.bin'), crypto.randomBytes(300_000));
  fs.writeFileSync(path.join(image, 'secret.txt'), 'outside storage');
  fs.symlinkSync(path.join(image, 'secret.txt'), path.join(image, 'storage', 'Download', 'link-out.txt'));
  fs.symlinkSync(image, path.join(image, 'storage', 'escape'));
  simulator = startAdbSimulator({ imageDir: image, auth: 'none', log: () => {} });
});
afterAll(async () => {
  await simulator.close();
  fs.rmSync(image, { recursive: true, force: true });
});

function request(id: string, devicePath: string): Buffer {
  const name = Buffer.from(devicePath, 'utf8');
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(name.length, 4);
  return Buffer.concat([head, name]);
}

async function syncSession(requests: Buffer[], split = 0): Promise<Buffer> {
  const [hostSide, phoneSide] = memoryDuplexPair();
  simulator.attach(phoneSide);
  const host = new FakeAdbHost(hostSide);
  await host.connect();
  const stream = (await host.open('sync:'))!;
  const all = Buffer.concat(requests);
  // Requests may span WRTE packets: optionally cut them into small pieces.
  const step = split || all.length;
  for (let i = 0; i < all.length; i += step) stream.write(all.subarray(i, i + step));
  const { data } = await stream.readAll();
  hostSide.destroy();
  return data;
}

const quit = Buffer.from('QUIT\0\0\0\0', 'latin1');

function parseList(data: Buffer, v2: boolean): { names: string[]; rest: Buffer } {
  const names: string[] = [];
  const size = v2 ? 76 : 20;
  let offset = 0;
  for (;;) {
    const id = data.toString('latin1', offset, offset + 4);
    if (id === 'DONE') return { names, rest: data.subarray(offset + size) };
    expect(id).toBe(v2 ? 'DNT2' : 'DENT');
    const length = data.readUInt32LE(offset + size - 4);
    names.push(data.toString('utf8', offset + size, offset + size + length));
    offset += size + length;
  }
}

function parseRecv(data: Buffer): { bytes: Buffer; rest: Buffer; chunkSizes: number[] } {
  const parts: Buffer[] = [];
  const chunkSizes: number[] = [];
  let offset = 0;
  for (;;) {
    const id = data.readUInt32LE(offset);
    const length = data.readUInt32LE(offset + 4);
    if (id === ID_DONE) return { bytes: Buffer.concat(parts), rest: data.subarray(offset + 8), chunkSizes };
    if (id === ID_FAIL) throw new Error(data.toString('utf8', offset + 8, offset + 8 + length));
    expect(id).toBe(ID_DATA);
    chunkSizes.push(length);
    parts.push(data.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
}

describe('sync service', () => {
  it('STAT (v1) and STA2 of a file, a folder and a missing path', async () => {
    const file = path.join(image, 'storage', 'DCIM', 'Camera', 'PXL_20240314_083012345.jpg');
    const stat = fs.statSync(file);
    const data = await syncSession([
      request('STAT', '/sdcard/DCIM/Camera/PXL_20240314_083012345.jpg'),
      request('STA2', '/storage/emulated/0/DCIM/Camera/PXL_20240314_083012345.jpg'),
      request('STAT', '/sdcard/DCIM'),
      request('LST2', '/sdcard/nope'),
      quit,
    ]);
    expect(data.toString('latin1', 0, 4)).toBe('STAT');
    expect(data.readUInt32LE(4) & 0o170000).toBe(0o100000);
    expect(data.readUInt32LE(8)).toBe(stat.size);
    expect(data.readUInt32LE(12)).toBe(Math.floor(stat.mtimeMs / 1000));
    const v2 = data.subarray(16, 88);
    expect(v2.toString('latin1', 0, 4)).toBe('STA2');
    expect(v2.readUInt32LE(4)).toBe(0);
    expect(v2.readBigUInt64LE(40)).toBe(BigInt(stat.size));
    expect(v2.readBigInt64LE(56)).toBe(BigInt(Math.floor(stat.mtimeMs / 1000)));
    expect(data.readUInt32LE(88 + 4) & 0o170000).toBe(0o040000);
    const missing = data.subarray(104, 176);
    expect(missing.toString('latin1', 0, 4)).toBe('LST2');
    expect(missing.readUInt32LE(4)).toBe(2); // ENOENT
    expect(data.length).toBe(176);
  });

  it('LIST and LIS2 list a folder with "." and "..", and never a symlink', async () => {
    const data = await syncSession([request('LIST', '/sdcard/DCIM/Camera'), request('LIS2', '/sdcard/Download'), quit]);
    const v1 = parseList(data, false);
    expect(v1.names.sort()).toEqual(['.', '..', ...fs.readdirSync(path.join(image, 'storage', 'DCIM', 'Camera'))].sort());
    const v2 = parseList(v1.rest, true);
    expect(v2.names.sort()).toEqual(['.', '..', 'boarding-pass.pdf', 'notes.jpg']);
    expect(v2.rest.length).toBe(0);
  });

  it('the way to storage: "/" and /storage exist as folders leading there', async () => {
    const data = await syncSession([request('LIST', '/'), request('LIS2', '/storage/emulated'), quit]);
    const root = parseList(data, false);
    expect(root.names).toEqual(['.', '..', 'sdcard', 'storage']);
    expect(parseList(root.rest, true).names).toEqual(['.', '..', '0']);
  });

  it('RECV and RCV2 send a file byte for byte in chunks of at most 64 KiB, requests split across WRTEs', async () => {
    const expected = fs.readFileSync(path.join(image, 'storage', 'DCIM', 'big.bin'));
    const rcv2 = Buffer.concat([request('RCV2', '/sdcard/DCIM/big.bin'), Buffer.from('RCV2\0\0\0\0', 'latin1')]);
    const data = await syncSession([request('RECV', '/sdcard/DCIM/big.bin'), rcv2, quit], 3);
    const first = parseRecv(data);
    expect(first.bytes.equals(expected)).toBe(true);
    expect(Math.max(...first.chunkSizes)).toBe(64 * 1024);
    const second = parseRecv(first.rest);
    expect(second.bytes.equals(expected)).toBe(true);
    expect(second.rest.length).toBe(0);
  });

  it('refuses compression it does not advertise, and writes of any kind', async () => {
    const brotli = await syncSession([request('RCV2', '/sdcard/DCIM/big.bin'), Buffer.from('RCV2\x01\0\0\0', 'latin1')]);
    expect(brotli.readUInt32LE(0)).toBe(ID_FAIL);
    expect(brotli.toString('utf8', 8)).toMatch(/compression not supported.*brotli/);
    const send = await syncSession([request('SEND', '/sdcard/evil.txt,33188')]);
    expect(send.readUInt32LE(0)).toBe(ID_FAIL);
    expect(send.toString('utf8', 8)).toContain('read-only simulator');
    expect(fs.existsSync(path.join(image, 'storage', 'evil.txt'))).toBe(false);
  });

  it('serves nothing outside storage/: "..", symlinks and other paths fail', async () => {
    for (const devicePath of ['/sdcard/../secret.txt', '/sdcard/Download/link-out.txt', '/sdcard/escape/secret.txt', '/data/data/x', '/etc/passwd']) {
      const data = await syncSession([request('RECV', devicePath)]);
      expect(data.readUInt32LE(0)).toBe(ID_FAIL);
      expect(data.toString('utf8', 8)).toMatch(/^open failed: (No such file or directory|Permission denied)$/);
    }
    const stat = await syncSession([request('STA2', '/sdcard/../secret.txt'), quit]);
    expect(stat.readUInt32LE(4)).toBe(13); // EACCES
  });

  it('an unknown request ends the session with FAIL', async () => {
    const data = await syncSession([request('XXXX', '/sdcard')]);
    expect(data.readUInt32LE(0)).toBe(ID_FAIL);
    expect(ID_QUIT).toBe(Buffer.from('QUIT').readUInt32LE(0));
  });
});
