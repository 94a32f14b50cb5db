import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import tty from 'node:tty';
import type { ByteDuplex } from './byte-duplex.ts';

/**
 * A serial port the operating system's driver holds (/dev/ttyACM0 from cdc_acm for a USB phone,
 * a pseudo-terminal from the simulator) as a ByteDuplex. Node's tty stream does the non-blocking
 * reads. Raw mode comes from `stty raw -echo` on the port itself: Node's setRawMode (libuv's
 * UV_TTY_MODE_RAW) leaves output processing on and even sets ONLCR, so every 0x0A byte written
 * would go out as 0x0D 0x0A. AT commands survive that, OBEX packets do not (a 10-byte SETPATH
 * became 11 bytes and the phone waited for the rest: seen on the lab's CDC ACM gadget; a pty
 * made raw by its other side hid it).
 */
export async function openSerialPort(portPath: string): Promise<ByteDuplex> {
  let fd: number;
  try {
    fd = fs.openSync(portPath, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such port (is the phone plugged in?)'
        : code === 'EACCES'
          ? 'permission denied (on Linux, add yourself to the "dialout" group and log in again)'
          : code === 'EBUSY'
            ? 'another program has it open (close gammu, ModemManager, minicom ...)'
            : (error as Error).message;
    throw new Error(`cannot open ${portPath}: ${why}`);
  }
  if (!tty.isatty(fd)) {
    fs.closeSync(fd);
    throw new Error(`${portPath} is not a serial port (not a terminal device)`);
  }
  const stream = new tty.ReadStream(fd);
  stream.setRawMode(true);
  // stty works on its standard input: the port's own descriptor, so the settings are this port's.
  const stty = spawnSync('stty', ['raw', '-echo', '-opost'], { stdio: [fd, 'ignore', 'pipe'], encoding: 'utf8' });
  if (stty.error || stty.status !== 0) {
    stream.destroy();
    throw new Error(`cannot set ${portPath} to raw mode: stty ${stty.error?.message ?? stty.stderr.trim()}`);
  }
  let dataListener: (bytes: Uint8Array) => void = () => undefined;
  let endListener: (error?: Error) => void = () => undefined;
  let ended = false;
  const end = (error?: Error) => {
    if (ended) return;
    ended = true;
    endListener(error);
  };
  stream.on('data', (chunk: Buffer) => dataListener(chunk));
  stream.on('error', (error) => end(error));
  stream.on('close', () => end());
  return {
    write(bytes) {
      return new Promise((resolve, reject) => {
        if (ended) {
          reject(new Error(`${portPath} is closed`));
          return;
        }
        (stream as unknown as NodeJS.WritableStream).write(Buffer.from(bytes), (error?: Error | null) => (error ? reject(error) : resolve()));
      });
    },
    onData(listener) {
      dataListener = listener;
    },
    onEnd(listener) {
      endListener = listener;
      if (ended) setImmediate(() => listener());
    },
    async close() {
      if (!stream.destroyed) {
        try {
          stream.setRawMode(false);
        } catch {
          // the port may already be gone
        }
        stream.destroy();
      }
      end();
    },
  };
}
