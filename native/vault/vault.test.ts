import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadInputError } from '../adapters/errors.ts';
import type { DeviceIdentity } from '../model/device.ts';
import type { MediaEntry } from '../model/media.ts';
import { Vault } from './vault.ts';

const phone: DeviceIdentity = {
  transport: 'adb',
  vendorId: 0x18d1,
  productId: 0x4ee7,
  manufacturer: 'Google',
  model: 'Pixel 7',
  serial: 'SERIAL1',
  battery: 50,
};

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-vault-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

describe('Vault', () => {
  it('keeps records once per content and source key', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    const device = vault.registerDevice(phone);
    const run = vault.startRun(device.id, 'test', ['contacts'], 50);
    const first = vault.putRecords(run, device.id, 'contact', [
      { sourceKey: 'a', record: { name: 'Ann', x: 1 } },
      { sourceKey: 'b', record: { name: 'Bob' } },
    ]);
    expect(first.map((r) => r.isNew)).toEqual([true, true]);
    // Same content, keys in another order: the same canonical bytes, so already safe.
    const again = vault.putRecords(run, device.id, 'contact', [{ sourceKey: 'a', record: { x: 1, name: 'Ann' } }]);
    expect(again[0]!.isNew).toBe(false);
    expect(again[0]!.sha256).toBe(first[0]!.sha256);
    // Changed content: a new version; the export sees the newest.
    vault.putRecords(run, device.id, 'contact', [{ sourceKey: 'a', record: { name: 'Ann B.', x: 1 } }]);
    const latest = [...vault.latestItems<{ name: string }>(device.id, 'contact')].map((i) => i.record.name);
    expect(latest).toEqual(['Ann B.', 'Bob']);
    expect(vault.totals(device.id).contact.count).toBe(2);
    vault.close();
  });

  it('stores media blobs by hash, finds them again by path, size and time, and verifies them', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    const device = vault.registerDevice(phone);
    const run = vault.startRun(device.id, 'test', ['photos'], 50);
    const entry: MediaEntry = { path: 'DCIM/a.jpg', size: 11, mtimeMs: 1000, mediaType: 'image/jpeg', kind: 'photo' };
    const blob = await vault.storeBlob(chunks('hello ', 'world'));
    expect(blob).toEqual({ sha256: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9', size: 11 });
    vault.recordMedia(run, device.id, { entry, capture: { utcMillis: 1000, source: 'device-mtime' } }, blob);
    expect(vault.findSafeMedia(device.id, entry)?.sha256).toBe(blob.sha256);
    expect(vault.findSafeMedia(device.id, { ...entry, mtimeMs: 2000 })).toBeUndefined();
    expect(vault.findSafeMedia(device.id, { ...entry, size: 12 })).toBeUndefined();
    expect(await vault.verify()).toEqual([]);

    // One changed byte in the blob is found.
    const blobPath = path.join(dir, 'v', 'blobs', blob.sha256.slice(0, 2), blob.sha256);
    fs.writeFileSync(blobPath, 'hello World');
    const problems = await vault.verify();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^damaged: media DCIM\/a\.jpg/);
    fs.rmSync(blobPath);
    expect((await vault.verify())[0]).toMatch(/^missing: media DCIM\/a\.jpg/);
    vault.close();
  });

  it('leaves nothing behind when a stream fails midway', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('partial');
      throw new Error('cable pulled');
    }
    await expect(vault.storeBlob(broken())).rejects.toThrow('cable pulled');
    expect(fs.readdirSync(path.join(dir, 'v', 'tmp'))).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'v', 'blobs'))).toBe(false);
    vault.close();
  });

  it('sweeps only the temporary files of processes that are gone', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    const tmp = path.join(dir, 'v', 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    fs.writeFileSync(path.join(tmp, `${gone}-crashed.part`), 'half');
    fs.writeFileSync(path.join(tmp, `${process.pid}-writing.part`), 'in progress');
    fs.writeFileSync(path.join(tmp, 'old-style.part'), 'from an older Lifeboat');
    expect(await vault.sweepTemporary()).toBe(2);
    expect(fs.readdirSync(tmp)).toEqual([`${process.pid}-writing.part`]);
    vault.close();
  });

  it('detects a tampered record', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    const device = vault.registerDevice(phone);
    const run = vault.startRun(device.id, 'test', ['contacts'], 50);
    vault.putRecords(run, device.id, 'contact', [{ sourceKey: 'a', record: { name: 'Ann' } }]);
    vault.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'v', 'catalog.db'));
    db.prepare(`UPDATE items SET record_json = '{"name":"Eve"}'`).run();
    db.close();
    const reopened = await Vault.open(path.join(dir, 'v'), { create: false });
    expect(await reopened.verify()).toEqual([expect.stringMatching(/^damaged: contact a/)]);
    reopened.close();
  });

  it('marks runs of a process that died as interrupted, and refuses folders that are not vaults', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    const device = vault.registerDevice(phone);
    const run = vault.startRun(device.id, 'test', ['contacts'], 50);
    expect(vault.markAbandonedRuns()).toBe(0); // this process is alive
    vault.finishRun(run, 'running', { pid: 2 ** 22 + 12345 });
    expect(vault.markAbandonedRuns()).toBe(1);
    expect(vault.runs(device.id)[0]!.status).toBe('interrupted');
    vault.close();

    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'x.txt'), 'x');
    await expect(Vault.open(path.join(dir, 'other'), { create: true })).rejects.toBeInstanceOf(BadInputError);
    await expect(Vault.open(path.join(dir, 'none'), { create: false })).rejects.toBeInstanceOf(BadInputError);
  });

  it('holds several phones', async () => {
    const vault = await Vault.open(path.join(dir, 'v'), { create: true });
    vault.registerDevice(phone);
    vault.registerDevice({ ...phone, serial: 'SERIAL2', model: 'Pixel 8' });
    vault.registerDevice({ ...phone, battery: 12 });
    expect(vault.devices().map((d) => [d.serial, d.identity.battery])).toEqual([
      ['SERIAL1', 12],
      ['SERIAL2', 50],
    ]);
    vault.close();
  });
});
