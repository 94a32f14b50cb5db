import { afterEach, describe, expect, it } from 'vitest';
import { startAdbSimulator, type AdbSimulator, type AdbSimulatorOptions } from './adb-simulator.ts';
import { A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_WRTE, MAX_PAYLOAD } from './adb-protocol-constants.ts';
import { FakeAdbHost } from './fake-adb-host.ts';
import { memoryDuplexPair } from './memory-duplex-pair.ts';

const IMAGE = new URL('../../../images/demo-android', import.meta.url).pathname;
let simulator: AdbSimulator | undefined;
let logs: string[] = [];

afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
  logs = [];
});

async function connected(options: Partial<AdbSimulatorOptions> = {}): Promise<FakeAdbHost> {
  simulator = startAdbSimulator({ imageDir: IMAGE, auth: 'none', log: (m) => logs.push(m), ...options });
  const [hostSide, phoneSide] = memoryDuplexPair();
  simulator.attach(phoneSide);
  const host = new FakeAdbHost(hostSide);
  await host.connect();
  return host;
}

/** Splits shell v2 output into stdout, stderr and the exit code. */
function parseShellV2(data: Buffer): { stdout: string; stderr: string; exit: number | undefined } {
  let stdout = '';
  let stderr = '';
  let exit: number | undefined;
  for (let offset = 0; offset < data.length; ) {
    const id = data[offset]!;
    const length = data.readUInt32LE(offset + 1);
    const body = data.subarray(offset + 5, offset + 5 + length);
    if (id === 1) stdout += body.toString('utf8');
    else if (id === 2) stderr += body.toString('utf8');
    else if (id === 3) exit = body[0];
    offset += 5 + length;
  }
  return { stdout, stderr, exit };
}

describe('streams and services', () => {
  it('shell,v2: stdout, stderr and exit code in shell-protocol packets', async () => {
    const host = await connected();
    const ok = parseShellV2((await (await host.open('shell,v2,TERM=xterm,raw:getprop ro.product.model'))!.readAll()).data);
    expect(ok).toEqual({ stdout: 'Pixel 7\n', stderr: '', exit: 0 });
    const missing = parseShellV2((await (await host.open('shell,v2,raw:frobnicate'))!.readAll()).data);
    expect(missing).toEqual({ stdout: '', stderr: '/system/bin/sh: frobnicate: inaccessible or not found\n', exit: 127 });
  });

  it('legacy shell: and exec: send plain bytes', async () => {
    const host = await connected();
    expect((await (await host.open('shell:echo hi'))!.readAll()).data.toString()).toBe('hi\n');
    expect((await (await host.open('exec:getprop ro.serialno'))!.readAll()).data.toString()).toBe('LBDEMO0001\n');
  });

  it('an unknown service is answered CLSE', async () => {
    const host = await connected();
    expect(await host.open('reboot:')).toBeUndefined();
    expect(await host.open('tcpip:5555')).toBeUndefined();
  });

  it('one WRTE in flight per stream until the host says OKAY', async () => {
    const host = await connected();
    const stream = (await host.open('shell,v2,raw:content query --uri content://com.android.contacts/data'))!;
    const first = await host.expect(A_WRTE);
    await expect(host.next(300)).rejects.toThrow(/no packet in time/); // nothing more until OKAY
    host.send(A_OKAY, stream.localId, stream.remoteId);
    const rest = await stream.readAll();
    const all = parseShellV2(Buffer.concat([first.payload, rest.data]));
    expect(all.exit).toBe(0);
    expect(all.stdout).toBe((await simulator!.runShell('content query --uri content://com.android.contacts/data')).stdout);
  });

  it('serves many streams at once', async () => {
    const host = await connected();
    const ids = [201, 202, 203, 204, 205];
    for (const id of ids) host.send(A_OPEN, id, 0, `shell,v2,raw:getprop ${id % 2 ? 'ro.product.model' : 'ro.serialno'}\0`);
    // Packets of the five streams interleave: acknowledge each WRTE on its own stream until all closed.
    const outputs = new Map<number, Buffer[]>();
    const open = new Set(ids);
    while (open.size > 0) {
      const packet = await host.next();
      if (packet.command === A_WRTE) {
        outputs.set(packet.arg1, [...(outputs.get(packet.arg1) ?? []), packet.payload]);
        host.send(A_OKAY, packet.arg1, packet.arg0);
      } else if (packet.command === A_CLSE) {
        open.delete(packet.arg1);
      }
    }
    for (const id of ids) {
      expect(parseShellV2(Buffer.concat(outputs.get(id)!)).stdout).toBe(id % 2 ? 'Pixel 7\n' : 'LBDEMO0001\n');
    }
  });

  it('a host CLSE mid-output stops the service without harm', async () => {
    const host = await connected();
    const stream = (await host.open('shell,v2,raw:content query --uri content://com.android.contacts/data'))!;
    await host.expect(A_WRTE);
    stream.close();
    const again = parseShellV2((await (await host.open('shell,v2,raw:echo still here'))!.readAll()).data);
    expect(again.stdout).toBe('still here\n');
  });
});

describe('broken hosts close the connection with a reason, never the simulator', () => {
  it('bad magic', async () => {
    const host = await connected();
    const header = Buffer.alloc(24);
    header.write('OPEN', 0, 'latin1');
    host.duplex.write(header);
    await expect(host.next(2000)).rejects.toThrow(/the link ended/);
    expect(logs.some((m) => /connection closed: bad packet header: magic/.test(m))).toBe(true);
  });

  it('an oversized payload', async () => {
    const host = await connected();
    const header = Buffer.alloc(24);
    header.writeUInt32LE(A_WRTE, 0);
    header.writeUInt32LE(MAX_PAYLOAD + 1, 12);
    header.writeUInt32LE((A_WRTE ^ 0xffffffff) >>> 0, 20);
    host.duplex.write(header);
    await expect(host.next(2000)).rejects.toThrow(/the link ended/);
    expect(logs.some((m) => /more than the 1048576 bytes allowed/.test(m))).toBe(true);
    // The simulator still serves a new connection.
    const [hostSide, phoneSide] = memoryDuplexPair();
    simulator!.attach(phoneSide);
    expect((await new FakeAdbHost(hostSide).connect()).command).toBe(A_CNXN);
  });
});

describe('link faults', () => {
  it('unplugAfterBytes cuts the link after that many payload bytes', async () => {
    const host = await connected({ unplugAfterBytes: 1000 });
    const stream = (await host.open('shell,v2,raw:content query --uri content://com.android.contacts/data'))!;
    await expect(stream.readAll(2000)).rejects.toThrow(/the link ended/);
    expect(logs.some((m) => /cable pulled after 1000 payload bytes/.test(m))).toBe(true);
  });

  it('stallAfterBytes: the phone stops answering but the link stays', async () => {
    const host = await connected({ stallAfterBytes: 500 });
    const stream = (await host.open('shell,v2,raw:content query --uri content://com.android.contacts/data'))!;
    await expect(stream.readAll(500)).rejects.toThrow(/no packet in time/);
    expect(host.isEnded).toBe(false);
  });

  it('linkRateMBps throttles payload bytes', async () => {
    const host = await connected({ linkRateMBps: 0.5 }); // 500 bytes per ms
    const expected = (await simulator!.runShell('content query --uri content://com.android.contacts/data')).stdout;
    const started = performance.now();
    const stream = (await host.open('shell,v2,raw:content query --uri content://com.android.contacts/data'))!;
    const { data } = await stream.readAll();
    const elapsed = performance.now() - started;
    expect(parseShellV2(data).stdout).toBe(expected);
    expect(elapsed).toBeGreaterThanOrEqual((data.length / 500) * 0.9);
  });
});
