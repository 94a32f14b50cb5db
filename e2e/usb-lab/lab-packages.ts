/**
 * The Debian packages the USB lab runs on, installed with apt when one is missing (the lab runs
 * on fresh CI machines; a developer's machine usually has them after the first run).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

interface LabPackage {
  readonly name: string;
  /** Present when this file exists (a command or a data file the package ships). */
  readonly proof: () => boolean;
}

const onPath = (command: string) => () =>
  (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => fs.existsSync(`${dir}/${command}`));

export const LAB_PACKAGES: readonly LabPackage[] = [
  { name: 'qemu-system-x86', proof: onPath('qemu-system-x86_64') },
  { name: 'linux-image-amd64', proof: () => guestKernels().length > 0 },
  { name: 'busybox-static', proof: () => isStaticBusybox('/bin/busybox') },
  { name: 'mtp-tools', proof: onPath('mtp-detect') },
  { name: 'usbutils', proof: onPath('lsusb') },
  { name: 'adb', proof: onPath('adb') },
  // mtp-hostile.sh: systemd-udevd in the guest (hotplug as a desktop has it), GNU time for peak memory.
  { name: 'udev', proof: () => fs.existsSync('/lib/systemd/systemd-udevd') },
  { name: 'time', proof: () => fs.existsSync('/usr/bin/time') },
];

/** Kernel versions with both a bootable image in /boot and their modules in /lib/modules. */
export function guestKernels(): string[] {
  let names: string[];
  try {
    names = fs.readdirSync('/boot');
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith('vmlinuz-'))
    .map((n) => n.slice('vmlinuz-'.length))
    .filter((version) => fs.existsSync(`/lib/modules/${version}/modules.dep`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function isStaticBusybox(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  // busybox-static replaces the dynamic one at the same path; `ldd` says "not a dynamic executable".
  const ldd = spawnSync('ldd', [file], { encoding: 'utf8' });
  return /not a dynamic executable|statically linked/i.test(`${ldd.stdout}${ldd.stderr}`);
}

export function missingLabPackages(): string[] {
  return LAB_PACKAGES.filter((p) => !p.proof()).map((p) => p.name);
}

/**
 * Installs what is missing (as root, through apt-get). Throws with what to run when it cannot,
 * so the lab fails loudly instead of skipping.
 */
export function ensureLabPackages(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): void {
  const missing = missingLabPackages();
  if (missing.length === 0) return;
  const command = `apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`the USB lab needs these Debian packages: ${missing.join(', ')}. Install them with: sudo ${command}`);
  }
  log(`usb-lab: installing ${missing.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('sh', ['-c', command], { stdio: 'inherit', env });
  if (install.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], { stdio: 'inherit', env });
    install = spawnSync('sh', ['-c', command], { stdio: 'inherit', env });
  }
  const still = missingLabPackages();
  if (install.status !== 0 || still.length > 0) {
    throw new Error(`usb-lab: could not install ${still.join(', ') || missing.join(', ')} (apt-get exit ${install.status})`);
  }
}
