/**
 * The lab's initramfs: static busybox, the /init of guest/init.sh and the kernel modules needed to
 * reach the host's root over virtio 9p (everything else is loaded from the host's own
 * /lib/modules once that is mounted). About 1.3 MB; built once per kernel and cached.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const GUEST_DIR = path.join(HERE, 'guest');

/** What the guest needs before the host's root is mounted; dependencies are added from modinfo. */
const EARLY_MODULES = ['virtio_pci', '9pnet_virtio', '9p'];

export interface Initramfs {
  readonly file: string;
  readonly kernel: string;
  readonly built: boolean;
}

/** The cached initramfs for this kernel, built when missing or when its inputs changed. */
export function ensureInitramfs(kernelVersion: string, cacheDir: string): Initramfs {
  const modules = moduleLoadOrder(kernelVersion, EARLY_MODULES);
  const init = fs.readFileSync(path.join(GUEST_DIR, 'init.sh'));
  const busybox = '/bin/busybox';
  const key = createHash('sha256')
    .update(kernelVersion)
    .update(init)
    .update(JSON.stringify(modules))
    .update(String(fs.statSync(busybox).mtimeMs))
    .digest('hex')
    .slice(0, 16);
  const file = path.join(cacheDir, `initramfs-${kernelVersion}-${key}.cpio.gz`);
  if (fs.existsSync(file)) return { file, kernel: kernelVersion, built: false };

  const cpio = new CpioWriter();
  for (const dir of ['bin', 'dev', 'proc', 'sys', 'hostroot', 'lib', 'lib/modules']) cpio.directory(dir);
  cpio.characterDevice('dev/console', 5, 1);
  cpio.file('bin/busybox', fs.readFileSync(busybox), 0o755);
  cpio.file('init', init, 0o755);
  for (const m of modules) cpio.file(`lib/modules/${m.name}.ko`, fs.readFileSync(m.file), 0o644);
  cpio.file('modules.list', Buffer.from(`${modules.map((m) => m.name).join('\n')}\n`), 0o644);
  fs.mkdirSync(cacheDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, gzipSync(cpio.finish(), { level: 6 }));
  fs.renameSync(temporary, file);
  return { file, kernel: kernelVersion, built: true };
}

/** The modules and all they depend on, each after its dependencies (from `modinfo`). */
export function moduleLoadOrder(kernelVersion: string, wanted: readonly string[]): { name: string; file: string }[] {
  const order: { name: string; file: string }[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const info = (field: string) => execFileSync('modinfo', ['-k', kernelVersion, '-F', field, name], { encoding: 'utf8' }).trim();
    for (const dependency of info('depends').split(',').filter(Boolean)) visit(dependency);
    const file = execFileSync('modinfo', ['-k', kernelVersion, '-n', name], { encoding: 'utf8' }).trim();
    if (file === '(builtin)' || file === '') return; // built into this kernel: nothing to load
    if (!file.endsWith('.ko')) throw new Error(`usb-lab: ${file} is compressed; busybox insmod loads only plain .ko files`);
    order.push({ name, file });
  };
  for (const name of wanted) visit(name);
  return order;
}

/** The "newc" cpio format the kernel unpacks (see the kernel's Documentation/driver-api/early-userspace). */
class CpioWriter {
  #parts: Buffer[] = [];
  #inode = 1;

  directory(name: string): void {
    this.#entry(name, 0o040755, Buffer.alloc(0));
  }

  file(name: string, data: Buffer, permissions: number): void {
    this.#entry(name, 0o100000 | permissions, data);
  }

  characterDevice(name: string, major: number, minor: number): void {
    this.#entry(name, 0o020600, Buffer.alloc(0), major, minor);
  }

  finish(): Buffer {
    this.#entry('TRAILER!!!', 0, Buffer.alloc(0));
    return Buffer.concat(this.#parts);
  }

  #entry(name: string, mode: number, data: Buffer, rdevMajor = 0, rdevMinor = 0): void {
    const nameBytes = Buffer.from(`${name}\0`);
    const fields = [
      name === 'TRAILER!!!' ? 0 : this.#inode++, mode, 0, 0, mode & 0o040000 ? 2 : 1, 0,
      data.length, 0, 0, rdevMajor, rdevMinor, nameBytes.length, 0,
    ];
    const header = Buffer.from(`070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`, 'latin1');
    this.#parts.push(header, nameBytes, padding(header.length + nameBytes.length), data, padding(data.length));
  }
}

function padding(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}
