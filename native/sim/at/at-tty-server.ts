import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AtPhoneSimulator } from './at-phone-simulator.ts';
import { loadAtImage, type AtSimOptions } from './at-simulator.ts';
import type { DeviceIdentity } from '../../model/device.ts';

const BRIDGE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty-bridge.py');

/** A serial line backs up like any other: past this many unread bytes the phone's output is dropped. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

export interface AtPhoneOnPty {
  /** The pseudo-terminal a serial client opens, e.g. /dev/pts/7. */
  ptyPath: string;
  identity: DeviceIdentity;
  simulator: AtPhoneSimulator;
  close(): Promise<void>;
}

/**
 * Serves a feature-phone image on a pseudo-terminal, through pty-bridge.py (python3, standard
 * library): gammu, minicom or Lifeboat (`--device at:/dev/pts/N`) open the path and talk AT to
 * the simulator. The pty stays for as many clients, one after another, as come.
 */
export async function serveAtPhoneOnPty(options: AtSimOptions): Promise<AtPhoneOnPty> {
  const { identity, phone } = loadAtImage(options.imageDir);
  let child: ChildProcess;
  try {
    child = spawn(fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', [BRIDGE], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`cannot start the pty bridge (python3 ${BRIDGE}): ${(error as Error).message}`);
  }
  const simulator = new AtPhoneSimulator(
    { identity, phone, hostile: options.hostile, dribbleMs: options.dribbleMs, log: options.log, obexServer: options.obexServer },
    (bytes) => {
      const stdin = child.stdin!;
      if (stdin.destroyed || stdin.writableLength > MAX_BACKLOG_BYTES) return;
      stdin.write(bytes);
    },
  );
  child.stdin!.on('error', () => undefined);
  child.stdout!.on('data', (bytes: Buffer) => simulator.receive(bytes));

  const ptyPath = await new Promise<string>((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = /^PTY (\S+)\n/m.exec(text);
      if (match) {
        child.stderr!.off('data', onData);
        child.stderr!.on('data', (more: Buffer) => options.log?.(`pty bridge: ${more.toString('utf8').trim()}`));
        resolve(match[1]!);
      }
    };
    child.stderr!.on('data', onData);
    child.once('error', (error) => reject(new Error(`cannot start the pty bridge (is python3 installed?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`the pty bridge ended before it opened a pty (exit ${code}): ${text.trim()}`)));
  });

  return {
    ptyPath,
    identity,
    simulator,
    async close() {
      simulator.stop();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
