import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Where a phone path lands in the image. /sdcard, /storage/emulated/0 and /storage/self/primary
 * are the owner's shared storage, i.e. the image's storage/ folder; "/", /storage,
 * /storage/emulated and /storage/self exist only as the folders leading there. Nothing else of the
 * computer is reachable: ".." is refused outright, and symbolic links inside the image are neither
 * listed nor followed (they behave as if absent), so no path leads out of storage/.
 */
export type DevicePathTarget =
  | { kind: 'virtual-directory'; children: string[] }
  | { kind: 'storage'; hostPath: string }
  | { kind: 'error'; errno: number; message: string };

export const ENOENT = 2;
export const EACCES = 13;
export const ENOTDIR = 20;

const STORAGE_ALIASES: readonly (readonly string[])[] = [['sdcard'], ['storage', 'emulated', '0'], ['storage', 'self', 'primary']];
const VIRTUAL_DIRECTORIES = new Map<string, string[]>([
  ['', ['sdcard', 'storage']],
  ['storage', ['emulated', 'self']],
  ['storage/emulated', ['0']],
  ['storage/self', ['primary']],
]);

export function errorText(errno: number): string {
  return errno === ENOENT ? 'No such file or directory' : errno === ENOTDIR ? 'Not a directory' : 'Permission denied';
}

/** Resolves the phone path; for storage paths, walks it with lstat so no symlink is ever crossed. */
export async function resolveDevicePath(devicePath: string, storageRoot: string): Promise<DevicePathTarget> {
  if (!devicePath.startsWith('/') || devicePath.includes('\0')) return { kind: 'error', errno: ENOENT, message: errorText(ENOENT) };
  const parts = devicePath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { kind: 'error', errno: EACCES, message: errorText(EACCES) };
  const virtual = VIRTUAL_DIRECTORIES.get(parts.join('/'));
  if (virtual) return { kind: 'virtual-directory', children: virtual };
  const alias = STORAGE_ALIASES.find((prefix) => prefix.every((part, i) => parts[i] === part));
  if (!alias) return { kind: 'error', errno: ENOENT, message: errorText(ENOENT) };
  const rest = parts.slice(alias.length);
  let current = storageRoot;
  for (let i = 0; i <= rest.length; i++) {
    if (i > 0) current = path.join(current, rest[i - 1]!);
    let stat;
    try {
      stat = await fs.lstat(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const errno = code === 'ENOTDIR' ? ENOTDIR : code === 'EACCES' ? EACCES : ENOENT;
      return { kind: 'error', errno, message: errorText(errno) };
    }
    if (stat.isSymbolicLink()) return { kind: 'error', errno: ENOENT, message: errorText(ENOENT) };
    if (i < rest.length && !stat.isDirectory()) return { kind: 'error', errno: ENOTDIR, message: errorText(ENOTDIR) };
  }
  return { kind: 'storage', hostPath: current };
}
