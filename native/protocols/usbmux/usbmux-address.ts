import fs from 'node:fs';

/** Where the system's usbmuxd (Apple's on macOS and Windows, usbmuxd on Linux) listens. */
export type UsbmuxAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export const DEFAULT_UNIX_SOCKET = '/var/run/usbmuxd';
export const WINDOWS_TCP_PORT = 27015;

/**
 * `USBMUXD_SOCKET_ADDRESS` in libusbmuxd's own form ("UNIX:/path" or "HOST:PORT", IPv6 as
 * "[::1]:PORT"), so one variable points Lifeboat and libimobiledevice's tools at the same daemon;
 * else the platform's usual place.
 */
export function usbmuxAddress(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): UsbmuxAddress {
  const given = env.USBMUXD_SOCKET_ADDRESS;
  if (given !== undefined && given !== '') {
    const parsed = parseUsbmuxAddress(given);
    if (parsed) return parsed;
  }
  return platform === 'win32' ? { kind: 'tcp', host: '127.0.0.1', port: WINDOWS_TCP_PORT } : { kind: 'unix', path: DEFAULT_UNIX_SOCKET };
}

/** "UNIX:/path", "HOST:PORT" or "[V6]:PORT"; undefined when it is none of these (libusbmuxd then ignores it too). */
export function parseUsbmuxAddress(text: string): UsbmuxAddress | undefined {
  if (text.startsWith('UNIX:')) return text.length > 5 ? { kind: 'unix', path: text.slice(5) } : undefined;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = text.slice(colon + 1);
  if (!/^\d+$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  let host = text.slice(0, colon);
  if (host.startsWith('[')) host = host.slice(1).replace(/\]$/, '');
  return host === '' ? undefined : { kind: 'tcp', host, port };
}

export function formatUsbmuxAddress(address: UsbmuxAddress): string {
  if (address.kind === 'unix') return `UNIX:${address.path}`;
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}

/** Whether a usbmuxd could be there at all (a Unix socket file exists; TCP cannot be told without trying). */
export function usbmuxMayBeThere(address: UsbmuxAddress): boolean {
  if (address.kind === 'tcp') return true;
  try {
    return fs.statSync(address.path).isSocket();
  } catch {
    return false;
  }
}
