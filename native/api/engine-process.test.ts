import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { WireMessage } from './wire.ts';

const ENTRY = path.resolve('native/api/engine-process.ts');
let child: ChildProcess | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('the engine in a process of its own (as Electron runs it)', () => {
  it('answers calls and streams events over process messages, and stops with its parent', async () => {
    const vault = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-engine-process-'));
    child = fork(ENTRY, ['--vault', vault, '--host', 'electron', '--no-usb', '--sim', 'images/demo-android'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const messages: WireMessage[] = [];
    child.on('message', (m) => messages.push(m as WireMessage));
    await expect.poll(() => messages.some((m) => m.kind === 'ready'), { timeout: 30_000 }).toBe(true);
    expect(messages).toContainEqual(expect.objectContaining({ kind: 'event', event: expect.objectContaining({ type: 'device-appeared' }) }));

    child.send({ kind: 'call', id: 7, method: 'listDevices' });
    child.send({ kind: 'call', id: 8, method: 'hello' });
    await expect.poll(() => messages.filter((m) => m.kind === 'result').length, { timeout: 10_000 }).toBe(2);
    const devices = messages.find((m) => m.kind === 'result' && m.id === 7) as Extract<WireMessage, { kind: 'result'; ok: true }>;
    expect(devices.value).toEqual([expect.objectContaining({ serial: 'LBDEMO0001', state: 'ready' })]);
    const hello = messages.find((m) => m.kind === 'result' && m.id === 8) as Extract<WireMessage, { kind: 'result'; ok: true }>;
    expect(hello.value).toMatchObject({ host: 'electron', simulation: true });

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.disconnect();
    expect(await exited).toBe(0);
  });
});
