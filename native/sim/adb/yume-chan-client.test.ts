import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Adb, AdbDaemonTransport, type AdbCredentialStore, type AdbDaemonConnection, type AdbPacketData, type AdbPacketInit } from '@yume-chan/adb';
import { Consumable, ReadableStream, WritableStream } from '@yume-chan/stream-extra';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHeader } from './adb-packet.ts';
import { AdbPacketReader } from './adb-packet-reader.ts';
import { MAX_PAYLOAD } from './adb-protocol-constants.ts';
import { startAdbSimulator, type AdbSimulator } from './adb-simulator.ts';

/**
 * The second client the simulator must satisfy: @yume-chan/adb (Tango), which Lifeboat's ADB
 * adapter is built on. Its daemon transport talks to the simulator over TCP here; only the
 * byte ↔ packet framing is done by this test.
 */
const IMAGE = new URL('../../../images/demo-android', import.meta.url).pathname;
let simulator: AdbSimulator;
let port: number;

function tcpConnection(socket: net.Socket): AdbDaemonConnection {
  const reader = new AdbPacketReader(MAX_PAYLOAD * 2);
  const readable = new ReadableStream<AdbPacketData>({
    start(controller) {
      socket.on('data', (chunk: Buffer) => {
        for (const packet of reader.push(chunk)) {
          controller.enqueue({ command: packet.command, arg0: packet.arg0, arg1: packet.arg1, payload: new Uint8Array(packet.payload) });
        }
      });
      socket.on('close', () => {
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      });
    },
    cancel: () => void socket.destroy(),
  });
  const writable = new WritableStream<Consumable<AdbPacketInit>>({
    write(chunk) {
      const init = chunk.value;
      const payload = Buffer.from(init.payload);
      socket.write(encodeHeader({ command: init.command, arg0: init.arg0, arg1: init.arg1, payload }, 0x01000000));
      if (payload.length > 0) socket.write(payload);
      chunk.consume();
    },
    close: () => void socket.end(),
  });
  return { readable, writable } as unknown as AdbDaemonConnection;
}

const keys: Uint8Array[] = [];
const credentialStore: AdbCredentialStore = {
  generateKey() {
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
    const buffer = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    keys.push(buffer);
    return { buffer, name: 'tango@lifeboat' };
  },
  *iterateKeys() {
    for (const buffer of keys) yield { buffer, name: 'tango@lifeboat' };
  },
};

async function connect(): Promise<Adb> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const transport = await AdbDaemonTransport.authenticate({ serial: `127.0.0.1:${port}`, connection: tcpConnection(socket), credentialStore });
  return new Adb(transport);
}

beforeAll(async () => {
  simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'trust-all', log: () => {} });
  port = await simulator.serveTcp('127.0.0.1', 0);
});
afterAll(() => simulator.close());

describe('@yume-chan/adb against the simulator', () => {
  it('authenticates, reads the banner, runs shell v2 commands and content query', async () => {
    const adb = await connect();
    try {
      expect(adb.banner.model).toBe('Pixel 7');
      expect(adb.banner.features).toContain('shell_v2');
      const shell = adb.subprocess.shellProtocol!;
      expect(await shell.spawnWaitText('getprop ro.product.model')).toEqual({ stdout: 'Pixel 7\n', stderr: '', exitCode: 0 });
      expect((await shell.spawnWaitText('frobnicate')).exitCode).toBe(127);
      const command = 'content query --uri content://com.android.calendar/events';
      expect((await shell.spawnWaitText(command)).stdout).toBe((await simulator.runShell(command)).stdout);
    } finally {
      await adb.close();
    }
  }, 30_000);

  it('lists and reads files through sync v2, byte for byte', async () => {
    const adb = await connect();
    try {
      const sync = await adb.sync();
      try {
        const names = (await sync.readdir('/sdcard/DCIM/Camera')).map((entry) => entry.name).filter((name) => name !== '.' && name !== '..');
        expect(names.sort()).toEqual(fs.readdirSync(path.join(IMAGE, 'storage/DCIM/Camera')).sort());
        const stat = await sync.stat('/sdcard/DCIM/Camera/PXL_20240314_083012345.jpg');
        const expected = fs.readFileSync(path.join(IMAGE, 'storage/DCIM/Camera/PXL_20240314_083012345.jpg'));
        expect(stat.size).toBe(BigInt(expected.length));
        const parts: Uint8Array[] = [];
        const reader = sync.read('/sdcard/DCIM/Camera/PXL_20240314_083012345.jpg').getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
        }
        expect(Buffer.concat(parts).equals(expected)).toBe(true);
      } finally {
        await sync.dispose();
      }
    } finally {
      await adb.close();
    }
  }, 30_000);
});
