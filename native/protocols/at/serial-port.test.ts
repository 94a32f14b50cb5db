import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openSerialPort } from './serial-port.ts';

/**
 * A pseudo-terminal left in its default (cooked) settings, as /dev/ttyACM0 is when cdc_acm makes
 * it: a python3 child holds the master side, prints the slave's path, then reports in hex every
 * byte that reaches the master and sends the master what it reads in hex on stdin.
 */
const HOLDER = `
import os, sys, select, binascii
master, slave = os.openpty()
print(os.ttyname(slave), flush=True)
while True:
    ready, _, _ = select.select([master, sys.stdin], [], [])
    if master in ready:
        print(binascii.hexlify(os.read(master, 4096)).decode(), flush=True)
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line: break
        os.write(master, binascii.unhexlify(line.strip()))
`;

describe('a serial port opened for AT and OBEX', () => {
  it('passes every byte unchanged both ways, however the port was set before (no CR added, no ^C or XON eaten)', async () => {
    const holder = spawn('python3', ['-c', HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const lines: string[] = [];
      let waiting: (() => void) | undefined;
      let buffered = '';
      holder.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        lines.push(...parts);
        waiting?.();
      });
      const nextLine = async () => {
        while (lines.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
        return lines.shift()!;
      };
      const slave = await nextLine();
      expect(slave).toMatch(/^\/dev\/pts\/\d+$/);

      const port = await openSerialPort(slave);
      const received: number[] = [];
      port.onData((bytes) => received.push(...bytes));
      // An OBEX SETPATH "up" with its connection id: 10 bytes long, so its length field holds 0x0A.
      const packet = [0x85, 0x00, 0x0a, 0x03, 0x00, 0xcb, 0x00, 0x00, 0x00, 0x01, 0x0d, 0x11, 0x13, 0x7f, 0x1a];
      await port.write(Uint8Array.from(packet));
      let seen = '';
      while (seen.length < packet.length * 2) seen += await nextLine();
      expect(seen).toBe(Buffer.from(packet).toString('hex'));

      const answer = [0xa0, 0x00, 0x03, 0x0d, 0x0a, 0x03, 0x11, 0x13, 0x1c, 0x7f];
      holder.stdin.write(`${Buffer.from(answer).toString('hex')}\n`);
      const until = Date.now() + 5000;
      while (received.length < answer.length && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(received).toEqual(answer);
      await port.close();
    } finally {
      holder.kill();
    }
  });
});
