import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../vault/canonical-json.ts';
import { AuditLog, verifyAuditLog } from './audit-log.ts';
import { checkHolders, listening, systemProbe } from './holders-check.ts';
import { StaffRegistry, WrongPinError } from './staff.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-audit-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sampleLog(name: string): string {
  const file = path.join(dir, name, 'audit.jsonl');
  const log = new AuditLog(file);
  log.append('staff-added', { staff: 'alice' });
  log.append('session-started', { session: 's-1', staff: 'alice' });
  log.append('phone-identified', { session: 's-1', make: 'Google', model: 'Pixel 7', serialHash: 'ab'.repeat(16) });
  log.append('key-destroyed', { session: 's-1', keyDestroyedAt: '2026-01-01T00:00:00.000Z' });
  log.append('session-ended', { session: 's-1', outcome: 'handed-off', counts: { contacts: 3, events: 2, photos: 1 } });
  return file;
}

describe('audit log', () => {
  it('verifies when intact, with a line count and the last hash', () => {
    const file = sampleLog('intact');
    const result = verifyAuditLog(file);
    expect(result).toMatchObject({ ok: true, lines: 5 });
    const last = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n')[4]!) as { hash: string; prev: string; seq: number };
    expect(result.lastHash).toBe(last.hash);
    expect(last.seq).toBe(5);
  });

  it('names the edited line (also when its hash was recomputed, then the next one)', () => {
    const file = sampleLog('edited');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('Pixel 7', 'Pixel 8');
    fs.writeFileSync(file, lines.join('\n'));
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, firstBad: { line: 3, reason: expect.stringMatching(/edited/) } });
    // Edited with care: its own hash recomputed. The next line no longer follows it.
    const { hash: _, ...body } = JSON.parse(lines[2]!) as Record<string, unknown>;
    lines[2] = canonicalJson({ ...body, hash: createHash('sha256').update(canonicalJson(body)).digest('hex') });
    fs.writeFileSync(file, lines.join('\n'));
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, firstBad: { line: 4, reason: expect.stringMatching(/edited or removed/) } });
  });

  it('names the line after a removed one', () => {
    const file = sampleLog('removed');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.splice(1, 1);
    fs.writeFileSync(file, lines.join('\n'));
    expect(verifyAuditLog(file)).toMatchObject({ ok: false, firstBad: { line: 2, reason: expect.stringMatching(/removed/) } });
  });

  it('goes on chaining across writers (a new AuditLog on the same file)', () => {
    const file = sampleLog('two-writers');
    new AuditLog(file).append('staff-signed-in', { staff: 'bob' });
    expect(verifyAuditLog(file)).toMatchObject({ ok: true, lines: 6 });
  });
});

describe('staff PINs', () => {
  it('stores scrypt hashes only, checks PINs, and throttles guessing', () => {
    const file = path.join(dir, 'staff.json');
    const staff = new StaffRegistry(file);
    staff.add('alice', '471147');
    staff.add('bob', '0815');
    expect(staff.list()).toEqual(['alice', 'bob']);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('471147');
    expect(JSON.parse(text).staff[0].params).toEqual({ N: 32768, r: 8, p: 1 });
    expect(() => staff.verify('alice', '471147', 0)).not.toThrow();
    expect(() => staff.verify('alice', '000000', 0)).toThrow(WrongPinError);
    expect(() => staff.verify('nobody', '471147', 0)).toThrow(/no staff member/);
    for (let i = 0; i < 5; i++) expect(() => staff.verify('bob', 'nope', 0)).toThrow(/wrong PIN/);
    expect(() => staff.verify('bob', '0815', 1000)).toThrow(/too many wrong PINs/);
    expect(() => staff.verify('bob', '0815', 61_000)).not.toThrow();
    expect(() => staff.add('with space', '1234')).toThrow(/staff id/);
    expect(() => staff.add('carol', '12')).toThrow(/4 to 64/);
  });
});

describe('phone holders', () => {
  it('names an adb server, gvfs and KDE workers, and says what to do', async () => {
    const found = await checkHolders({
      platform: 'linux',
      listening: async (port) => port === 5037,
      listProcesses: async () => [
        { pid: 10, name: 'gvfsd-mtp' },
        { pid: 11, name: 'kiod5' },
        { pid: 12, name: 'bash' },
        { pid: 13, name: 'ptpcamerad' },
        { pid: 14, name: 'usbmuxd' },
      ],
    });
    expect(found.map((h) => h.name)).toEqual(['adb server on 127.0.0.1:5037', 'gvfsd-mtp (process 10)', 'kiod5 (process 11)', 'usbmuxd (process 14)']);
    expect(found[0]!.whatToDo).toMatch(/adb kill-server/);
    expect(found[3]!.severity).toBe('info');
    const mac = await checkHolders({ platform: 'darwin', listening: async () => false, listProcesses: async () => [{ pid: 7, name: 'ptpcamerad' }] });
    expect(mac[0]!.whatToDo).toMatch(/Activity Monitor/);
  });

  it('sees a listening port and reads this machine\'s process list', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    expect(await listening(port)).toBe(true);
    server.close();
    await new Promise((r) => server.once('close', r));
    expect(await listening(port)).toBe(false);
    const processes = await systemProbe().listProcesses();
    expect(processes.some((p) => p.pid === process.pid)).toBe(true);
  });
});
