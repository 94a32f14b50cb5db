/**
 * `lifeboat simulate --image IMAGE --tty` run as a person runs it, for tests with real serial
 * peers (gammu, obexftp): the first stdout line is the pty's path.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './run-cli.ts';

/** The simulator on a pty, through the CLI exactly as a person runs it. */
export async function simulateOnTty(image: string, extra: string[] = []): Promise<{ pty: string; child: ChildProcess; log: () => string; stop: () => Promise<void> }> {
  const child = spawn('npm', ['run', '--silent', 'lifeboat', '--', 'simulate', '--image', image, '--tty', ...extra], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() ends npm, tsx and the pty bridge together
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const pty = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulate --tty printed no pty within 30 s; stderr: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(line!.trim());
      }
    });
    child.once('exit', (code) => reject(new Error(`simulate --tty ended (exit ${code}): ${stderr}`)));
  });
  return {
    pty,
    child,
    log: () => stderr.slice(-3000),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

