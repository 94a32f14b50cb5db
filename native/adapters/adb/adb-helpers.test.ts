import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.ts';
import { parseAdbTcpAddress } from './adb-connect.ts';
import { parseDumpsysBattery } from './adb-identity.ts';
import { devicePathOf } from './adb-media.ts';
import { quoteShellArg } from './adb-shell.ts';
import { credentialStore, defaultDataDir } from './credential-store.ts';
import { withStallLimit } from './stall-watchdog.ts';

describe('ADB helpers', () => {
  it('reads the battery level from dumpsys battery', () => {
    const text = 'Current Battery Service state:\n  AC powered: false\n  level: 23\n  scale: 100\n  voltage: 3800\n';
    expect(parseDumpsysBattery(text)).toBe(23);
    expect(parseDumpsysBattery('  level: 50\n  scale: 200\n')).toBe(25);
    expect(parseDumpsysBattery("Can't find service: battery\n")).toBeNull();
    expect(parseDumpsysBattery('  level: 250\n')).toBeNull();
  });

  it('reads HOST:PORT', () => {
    expect(parseAdbTcpAddress('192.168.1.20:5555')).toEqual({ host: '192.168.1.20', port: 5555 });
    expect(parseAdbTcpAddress('phone.local')).toEqual({ host: 'phone.local', port: 5555 });
    expect(parseAdbTcpAddress('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
    expect(() => parseAdbTcpAddress('host:99999')).toThrow(BadInputError);
    expect(() => parseAdbTcpAddress(':5555')).toThrow(BadInputError);
  });

  it('quotes arguments for the phone shell', () => {
    expect(quoteShellArg("it's")).toBe(`'it'\\''s'`);
    expect(quoteShellArg('a b;$(rm -rf /)')).toBe(`'a b;$(rm -rf /)'`);
  });

  it('maps entry paths to the phone and refuses others', () => {
    expect(devicePathOf('DCIM/Camera/a.jpg')).toBe('/sdcard/DCIM/Camera/a.jpg');
    expect(devicePathOf('storage/1A2B-3C4D/DCIM/a.jpg')).toBe('/storage/1A2B-3C4D/DCIM/a.jpg');
    for (const bad of ['../x', 'DCIM/../../data/x', 'Download/a.jpg', '/DCIM/a.jpg', 'DCIM//a', 'storage/emulated/0/DCIM/a.jpg', 'DCIM/a\0b']) {
      expect(() => devicePathOf(bad), bad).toThrow(BadInputError);
    }
  });

  it('keeps one RSA key, owner-only, in the data folder', () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-key-')), 'nested');
    try {
      const store = credentialStore(dir);
      expect([...(store.iterateKeys() as Iterable<unknown>)]).toEqual([]);
      const made = store.generateKey() as { buffer: Uint8Array };
      const key = crypto.createPrivateKey({ key: Buffer.from(made.buffer), format: 'der', type: 'pkcs8' });
      expect(key.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
      const stored = [...(store.iterateKeys() as Iterable<{ buffer: Uint8Array }>)];
      expect(stored).toHaveLength(1);
      expect(Buffer.from(stored[0]!.buffer).equals(Buffer.from(made.buffer))).toBe(true);
      if (process.platform !== 'win32') {
        expect(fs.statSync(path.join(dir, 'adbkey')).mode & 0o777).toBe(0o600);
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      }
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('puts the data folder where each platform keeps app data', () => {
    expect(defaultDataDir('linux', {}, '/home/a')).toBe('/home/a/.local/share/lifeboat');
    expect(defaultDataDir('darwin', {}, '/Users/a')).toBe('/Users/a/Library/Application Support/Lifeboat');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'C:\\Users\\a')).toBe('C:\\Users\\a\\AppData\\Roaming\\Lifeboat');
  });

  it('gives up on a step that takes too long', async () => {
    async function* slow(): AsyncGenerator<number> {
      yield 1;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      yield 2;
    }
    const seen: number[] = [];
    const run = (async () => {
      for await (const n of withStallLimit(slow(), 50, async () => new Error('stalled'))) seen.push(n);
    })();
    await expect(run).rejects.toThrow('stalled');
    expect(seen).toEqual([1]);
  });
});
