import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdbSimulator, type AdbSimulator } from './adb-simulator.ts';
import { freePort } from '../../util/free-port.ts';

/**
 * The simulator is faithful when Debian's real adb client (package `adb`, 1:29.0.6) accepts it:
 * it connects over TCP, authenticates with its own RSA key, lists the phone as `device`, runs
 * shell commands through shell v2 and pulls DCIM through the sync service.
 * The adb server runs on a private port with a private HOME (its key is made there), and is
 * killed afterwards; nothing is left running.
 */
const IMAGE = new URL('../../../images/demo-android', import.meta.url).pathname;
const ADB = ['/usr/bin/adb', ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'adb'))].find((file) =>
  fs.existsSync(file),
);

let simulator: AdbSimulator | undefined;
let deniedSimulator: AdbSimulator | undefined;
let askingSimulator: AdbSimulator | undefined;
let home: string;
let serial: string;
let env: NodeJS.ProcessEnv;

function adb(args: string[], timeoutMs = 20_000): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = execFile(ADB!, args, { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as { killed?: boolean }).killed) return reject(new Error(`adb ${args.join(' ')} timed out; stderr: ${stderr}`));
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 });
    });
    child.stdin?.end();
  });
}

async function waitForState(target: string, wanted: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 50; i++) {
    last = (await adb(['devices'])).stdout;
    if (last.split('\n').some((line) => line.trim() === `${target}\t${wanted}`)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return last;
}

function filesUnder(root: string): Map<string, string> {
  const result = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) result.set(path.relative(root, full), crypto.createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  walk(root);
  return result;
}

describe('the real adb client against the simulator', () => {
  beforeAll(async () => {
    if (!ADB) {
      throw new Error('the real adb client is missing: this test needs it. Install it with: apt-get install adb');
    }
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-adb-home-'));
    env = {
      PATH: process.env.PATH,
      HOME: home,
      TMPDIR: home,
      USER: 'lifeboat',
      ANDROID_ADB_SERVER_PORT: String(await freePort()),
    };
    simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'trust-all', log: () => {} });
    const port = await simulator.serveTcp('127.0.0.1', 0);
    serial = `127.0.0.1:${port}`;
  }, 30_000);

  afterAll(async () => {
    if (ADB && env) await adb(['kill-server'], 10_000).catch(() => {});
    await simulator?.close();
    await deniedSimulator?.close();
    await askingSimulator?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('adb connect, then adb devices lists the phone as "device"', async () => {
    const connect = await adb(['connect', serial]);
    // adb 29 prints "failed to authenticate" while its new key is being offered; the phone allows it.
    expect(connect.stdout + connect.stderr).toMatch(new RegExp(`(connected to|failed to authenticate to) ${serial.replace(/\./g, '\\.')}`));
    const devices = await waitForState(serial, 'device');
    expect(devices).toContain(`${serial}\tdevice`);
    expect(fs.existsSync(path.join(home, '.android', 'adbkey.pub'))).toBe(true);
  }, 30_000);

  it('adb shell getprop and the exit code of a failing command', async () => {
    expect(await adb(['-s', serial, 'shell', 'getprop', 'ro.product.model'])).toMatchObject({ stdout: 'Pixel 7\n', code: 0 });
    const missing = await adb(['-s', serial, 'shell', 'frobnicate']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toBe('/system/bin/sh: frobnicate: inaccessible or not found\n');
  }, 30_000);

  it('adb shell content query prints the rows the simulator computes', async () => {
    for (const command of [
      'content query --uri content://com.android.contacts/data',
      'content query --uri content://com.android.contacts/raw_contacts --projection _id:deleted:display_name',
      "content query --uri content://com.android.calendar/events --projection _id:title:dtstart:description --where 'deleted=0' --sort '_id DESC'",
    ]) {
      const expected = await simulator!.runShell(command);
      expect(expected.stdout).toMatch(/^Row: 0 /);
      const viaAdb = await adb(['-s', serial, 'shell', command]);
      expect(viaAdb.stdout).toBe(expected.stdout);
      expect(viaAdb.code).toBe(0);
    }
    const rows = (await adb(['-s', serial, 'shell', 'content', 'query', '--uri', 'content://com.android.contacts/data'])).stdout;
    expect(rows).toContain('mimetype=vnd.android.cursor.item/name, ');
    expect(rows).toContain('data1=Dr. Anna Maria Schmidt');
  }, 30_000);

  it('adb pull /sdcard/DCIM copies every photo byte for byte', async () => {
    const target = path.join(home, 'pulled');
    fs.mkdirSync(target);
    const pull = await adb(['-s', serial, 'pull', '/sdcard/DCIM', target], 60_000);
    expect(pull.code, pull.stderr).toBe(0);
    const expected = filesUnder(path.join(IMAGE, 'storage', 'DCIM'));
    expect(expected.size).toBeGreaterThan(5);
    expect(filesUnder(path.join(target, 'DCIM'))).toEqual(expected);
  }, 60_000);

  it('a phone that refuses the key stays "unauthorized"', async () => {
    deniedSimulator = startAdbSimulator({ imageDir: IMAGE, auth: 'deny', log: () => {} });
    const deniedSerial = `127.0.0.1:${await deniedSimulator.serveTcp('127.0.0.1', 0)}`;
    await adb(['connect', deniedSerial]);
    expect(await waitForState(deniedSerial, 'unauthorized')).toContain(`${deniedSerial}\tunauthorized`);
    const shell = await adb(['-s', deniedSerial, 'shell', 'echo', 'hi']);
    expect(shell.code).not.toBe(0);
    expect(shell.stderr).toMatch(/unauthorized/);
    await adb(['disconnect', deniedSerial]);
  }, 30_000);

  it('while the phone asks "Allow USB debugging?" adb says unauthorized, then device once allowed', async () => {
    let allow!: (answer: boolean) => void;
    const asked = new Promise<void>((resolveAsked) => {
      askingSimulator = startAdbSimulator({
        imageDir: IMAGE,
        auth: 'ask',
        prompt: () => {
          resolveAsked();
          return new Promise<boolean>((resolve) => (allow = resolve));
        },
        log: () => {},
      });
    });
    const askingSerial = `127.0.0.1:${await askingSimulator!.serveTcp('127.0.0.1', 0)}`;
    await adb(['connect', askingSerial]);
    await asked;
    expect(await waitForState(askingSerial, 'unauthorized')).toContain(`${askingSerial}\tunauthorized`);
    allow(true);
    expect(await waitForState(askingSerial, 'device')).toContain(`${askingSerial}\tdevice`);
    expect((await adb(['-s', askingSerial, 'shell', 'getprop', 'ro.serialno'])).stdout).toBe('LBDEMO0001\n');
    await adb(['disconnect', askingSerial]);
  }, 30_000);
});
