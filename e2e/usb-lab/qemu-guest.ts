/**
 * Boots the lab's Linux guest under QEMU (software emulation: KVM does not work on these
 * machines, see ../../../shared/REAL-USB.md) and runs one bash script in it, chrooted in the
 * host's own root (read-only over 9p), so the guest uses this checkout's node, node_modules and
 * Debian's adb and mtp-tools. The script's files, output and exit code come back through a
 * writable 9p share, seen as /tmp/lab ($LAB) in the guest.
 *
 * The guest talks to the host while it runs with "@lab ..." lines on its console (see
 * guest/lab-lib.sh); onConsoleLine gets them, with QMP at hand to unplug and replug devices.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCliBundle } from './cli-bundle.ts';
import { ensureInitramfs, GUEST_DIR } from './initramfs.ts';
import { ensureLabPackages, guestKernels } from './lab-packages.ts';
import { QmpClient } from './qmp-client.ts';

import { REPO_ROOT } from './repo-root.ts';

export { REPO_ROOT };
const CACHE_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'lifeboat-usb-lab');

export interface GuestRunOptions {
  /** The bash script run in the guest (cwd $LAB); guest/lab-lib.sh is sourced before it. */
  script: string;
  /** Extra QEMU arguments: the USB controller and devices, e.g. ['-device', 'qemu-xhci,id=xhci']. */
  qemuArgs?: readonly string[];
  /** Files put into the share before boot (relative to $LAB). */
  files?: Record<string, string | Buffer>;
  /** QEMU is killed after this long, whatever the guest does. */
  timeoutSeconds: number;
  /** Each "@lab ..." console line (without "@lab "), while the guest runs. */
  onConsoleLine?: (line: string, guest: RunningGuest) => void | Promise<void>;
  /** Memory of the guest in MiB (default 1024). */
  memoryMiB?: number;
}

export interface RunningGuest {
  /** The share's folder on the host ($LAB in the guest). */
  readonly share: string;
  qmp(): Promise<QmpClient>;
  /** Tells the guest something: writes $LAB/signals/NAME, which guest scripts wait for (lab_wait_signal). */
  signal(name: string): void;
}

export interface GuestRun {
  /** The script's exit code; 124+ when the guest never said (125: boot failed, 124: timeout). */
  exitCode: number;
  /** The script's stdout and stderr. */
  output: string;
  /** Everything the guest printed on its console (kernel, init, "@lab" lines). */
  console: string;
  share: string;
  /** Wall time from QEMU's start until the guest was ready to run the script, and until QEMU ended. */
  readyMs: number | undefined;
  wallMs: number;
  /** Seconds since the guest kernel started, when the script began (from /proc/uptime). */
  guestReadyUptime: number | undefined;
  read(file: string): string;
  exists(file: string): boolean;
}

export interface Lab {
  readonly kernel: string;
  readonly initramfs: string;
  /** The CLI bundle the guest's `lifeboat` runs (see cli-bundle.ts). */
  readonly cli: string;
  run(options: GuestRunOptions): Promise<GuestRun>;
  /** Removes the shares of finished runs (kept meanwhile, for post-mortems). */
  cleanup(): void;
}

let prepared: Promise<{ kernel: string; initramfs: string; cli: string }> | undefined;

/**
 * Checks packages (installing what is missing), builds the initramfs and the CLI bundle, and
 * returns a way to boot.
 */
export async function prepareLab(): Promise<Lab> {
  prepared ??= (async () => {
    ensureLabPackages();
    const kernel = guestKernels().at(-1);
    if (!kernel) throw new Error('usb-lab: no kernel with modules in /boot and /lib/modules (install linux-image-amd64)');
    return { kernel, initramfs: ensureInitramfs(kernel, CACHE_DIR).file, cli: await buildCliBundle(CACHE_DIR) };
  })();
  const { kernel, initramfs, cli } = await prepared;
  const shares: string[] = [];
  return {
    kernel,
    initramfs,
    cli,
    run: (options) => {
      const share = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-usb-lab-'));
      shares.push(share);
      return runGuest({ kernel, initramfs, cli }, share, options);
    },
    cleanup() {
      for (const share of shares.splice(0)) fs.rmSync(share, { recursive: true, force: true });
    },
  };
}

async function runGuest(
  { kernel, initramfs, cli }: { kernel: string; initramfs: string; cli: string },
  share: string,
  options: GuestRunOptions,
): Promise<GuestRun> {
  fs.mkdirSync(path.join(share, 'signals'));
  const library = fs.readFileSync(path.join(GUEST_DIR, 'lab-lib.sh'), 'utf8');
  const header = [
    `export REPO=${JSON.stringify(REPO_ROOT)} LIFEBOAT_CLI=${JSON.stringify(cli)}`,
    // USB_LAB_NPM=1: the guest's `lifeboat` is `npm run --silent lifeboat --` itself (slow under emulation).
    `export LAB_NPM=${process.env.USB_LAB_NPM === '1' ? 1 : 0}`,
  ].join('\n');
  fs.writeFileSync(path.join(share, 'command.sh'), `${header}\n${library}\n# ---- the test's script ----\n${options.script}\n`);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(share, name)), { recursive: true });
    fs.writeFileSync(path.join(share, name), content);
  }
  const qmpSocket = path.join(share, '.qmp.sock');
  const bios = '/usr/share/qemu/qboot.rom';
  const args = [
    '-k', '5', String(options.timeoutSeconds),
    'qemu-system-x86_64',
    '-accel', 'tcg', '-cpu', 'max', '-machine', 'q35', '-m', String(options.memoryMiB ?? 1024), '-smp', '2',
    '-nodefaults', '-display', 'none', '-serial', 'stdio', '-no-reboot',
    ...(fs.existsSync(bios) ? ['-bios', bios] : []),
    '-kernel', `/boot/vmlinuz-${kernel}`, '-initrd', initramfs,
    '-append', 'console=ttyS0 quiet panic=-1 rdinit=/init',
    '-virtfs', 'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs', `local,path=${share},mount_tag=lab,security_model=none,multidevs=remap`,
    '-qmp', `unix:${qmpSocket},server=on,wait=off`,
    ...(options.qemuArgs ?? []),
  ];
  const started = performance.now();
  const qemu = spawn('timeout', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let qmp: Promise<QmpClient> | undefined;
  const guest: RunningGuest = {
    share,
    qmp: () => (qmp ??= QmpClient.connect(qmpSocket)),
    signal(name) {
      fs.writeFileSync(path.join(share, 'signals', `${name}.tmp`), `${Date.now()}\n`);
      fs.renameSync(path.join(share, 'signals', `${name}.tmp`), path.join(share, 'signals', name));
    },
  };
  let consoleText = '';
  let pendingLine = '';
  let readyMs: number | undefined;
  let guestReadyUptime: number | undefined;
  let reportedExit: number | undefined;
  let handlers: Promise<unknown> = Promise.resolve();
  const handlerErrors: Error[] = [];
  const onText = (text: string) => {
    consoleText += text;
    pendingLine += text;
    let newline: number;
    while ((newline = pendingLine.indexOf('\n')) >= 0) {
      const line = pendingLine.slice(0, newline).replace(/\r$/, '');
      pendingLine = pendingLine.slice(newline + 1);
      const at = line.indexOf('@lab ');
      if (at < 0) continue;
      const message = line.slice(at + 5).trim();
      if (message.startsWith('ready')) {
        readyMs = performance.now() - started;
        guestReadyUptime = Number(message.split(' ')[1]);
      } else if (message.startsWith('exit ')) {
        reportedExit = Number(message.split(' ')[1]);
      }
      if (options.onConsoleLine) {
        // One at a time, in order: a handler may unplug a device and wait for QEMU's answer.
        handlers = handlers.then(() => options.onConsoleLine!(message, guest)).catch((error: Error) => {
          handlerErrors.push(error);
        });
      }
    }
  };
  qemu.stdout.setEncoding('utf8').on('data', onText);
  let qemuStderr = '';
  qemu.stderr.setEncoding('utf8').on('data', (t: string) => (qemuStderr += t));
  const status = await new Promise<number | null>((resolve) => qemu.on('close', (code) => resolve(code)));
  const wallMs = performance.now() - started;
  await handlers;
  if (qmp) await qmp.then((c) => c.close(), () => undefined);
  fs.rmSync(qmpSocket, { force: true });

  const read = (file: string) => fs.readFileSync(path.join(share, file), 'utf8');
  const exists = (file: string) => fs.existsSync(path.join(share, file));
  let exitCode = reportedExit ?? (status === 124 || status === 137 ? 124 : 125);
  if (exists('exit-code')) exitCode = Number(read('exit-code').trim());
  const output = exists('output.log') ? read('output.log') : '';
  if (handlerErrors.length > 0) {
    throw new Error(`usb-lab: a console handler failed: ${handlerErrors.map((e) => e.message).join('; ')}\n--- output ---\n${output}`);
  }
  if (qemuStderr.trim()) consoleText += `\n[qemu stderr] ${qemuStderr}`;
  if (status === 124) consoleText += `\n[usb-lab] QEMU killed after ${options.timeoutSeconds} s`;
  return { exitCode, output, console: consoleText, share, readyMs, wallMs, guestReadyUptime, read, exists };
}
