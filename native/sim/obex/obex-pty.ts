/**
 * The simulated OBEX phone on a pseudo-terminal, for serial clients such as obexftp
 * (`obexftp -t TTY -l`): socat makes the terminal pair (`PTY,raw,echo=0`) and bridges its master
 * side to this process through socat's stdin and stdout. The line starts in AT command mode
 * (minimal-at-front.ts) and speaks OBEX after AT+CPROT=0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAtFront, type AtFront, type AtFrontOptions } from './minimal-at-front.ts';

export interface ObexPty {
  /** The terminal a serial client opens (a symbolic link to /dev/pts/N). */
  ttyPath: string;
  front: AtFront;
  /** Ends socat (and so the terminal) and forgets the folder it made. */
  close(): Promise<void>;
}

export async function serveObexOnPty(options: Omit<AtFrontOptions, 'send'>): Promise<ObexPty> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-obex-pty-'));
  const ttyPath = path.join(dir, 'tty');
  let socat: ChildProcess;
  try {
    socat = spawn('socat', [`PTY,raw,echo=0,link=${ttyPath}`, 'STDIO'], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    throw new Error(`socat could not start (install it: apt-get install -y socat): ${(error as Error).message}`);
  }
  const trace = process.env.LIFEBOAT_OBEX_TRACE === '1';
  const front = createAtFront({
    ...options,
    send: (bytes) => {
      if (trace) process.stderr.write(`obex-pty > ${Buffer.from(bytes).toString('hex')}\n`);
      socat.stdin!.write(bytes);
    },
  });
  socat.stdout!.on('data', (chunk: Buffer) => {
    if (trace) process.stderr.write(`obex-pty < ${chunk.toString('hex')}\n`);
    front.receive(chunk);
  });
  socat.stdin!.on('error', () => {});
  let stderr = '';
  socat.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()).slice(-2000));
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const spawnFailed = new Promise<never>((_, reject) =>
    socat.once('error', (error) => reject(new Error(`socat could not start (install it: apt-get install -y socat): ${error.message}`))),
  );
  const deadline = Date.now() + 5000;
  while (!fs.existsSync(ttyPath)) {
    if (socat.exitCode !== null || Date.now() > deadline) {
      socat.kill();
      throw new Error(`socat made no pseudo-terminal: ${stderr.trim() || 'no message'}`);
    }
    await Promise.race([new Promise((r) => setTimeout(r, 20)), spawnFailed]);
  }
  return {
    ttyPath,
    front,
    async close() {
      front.close();
      if (socat.exitCode === null) socat.kill();
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
