import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../adapters/errors.ts';
import { simulateCommand } from '../../cli/simulate-command.ts';
import { FakeAdbHost } from './fake-adb-host.ts';

const REPO = new URL('../../../', import.meta.url).pathname;

describe('lifeboat simulate', () => {
  it('prints the address alone on the first line, serves ADB there, and stops on SIGTERM with exit 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e',
        "import { simulateCommand } from './native/cli/simulate-command.ts'; process.exitCode = await simulateCommand(process.argv.slice(1));",
        '--', '--image', 'images/demo-android', '--adb-tcp', '127.0.0.1:0', '--auth', 'none'],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const firstLine = await new Promise<string>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error('no address printed in time')), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const end = text.indexOf('\n');
          if (end >= 0) {
            clearTimeout(timer);
            resolve(text.slice(0, end));
          }
        });
      });
      expect(firstLine).toMatch(/^127\.0\.0\.1:\d+$/);
      const socket = net.connect(Number(firstLine.split(':')[1]), '127.0.0.1');
      const host = new FakeAdbHost(socket);
      await host.connect();
      const stream = (await host.open('exec:getprop ro.product.model'))!;
      expect((await stream.readAll()).data.toString()).toBe('Pixel 7\n');
      socket.destroy();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 30_000);

  it('says what to fix for bad usage', async () => {
    await expect(simulateCommand(['--image', '/no/such/image', '--adb-tcp', '127.0.0.1:0'])).rejects.toThrow(BadInputError);
    await expect(simulateCommand(['--image', 'images/demo-android', '--adb-tcp', 'nonsense'])).rejects.toThrow(/HOST:PORT/);
    await expect(simulateCommand(['--image', 'images/demo-android'])).rejects.toThrow(/--adb-tcp is required/);
    await expect(simulateCommand(['--image', 'images/demo-android', '--adb-tcp', '127.0.0.1:0', '--auth', 'maybe'])).rejects.toThrow(/--auth must be one of/);
  });
});
