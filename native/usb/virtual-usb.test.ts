import { describe, expect, it } from 'vitest';
import { UsbAbortedError, UsbBusyError, UsbDisconnectedError, UsbStateError } from './usb-errors.ts';
import { bulkInterface } from './virtual-descriptors.ts';
import {
  VirtualUsbDevice,
  type VirtualUsbFunction,
  type VirtualUsbOptions,
  type VirtualUsbPort,
} from './virtual-usb.ts';

const IN = 1;
const OUT = 2;

/** A function that records what the host sends and lets the test send IN data. */
class TestFunction implements VirtualUsbFunction {
  port!: VirtualUsbPort;
  received: Uint8Array[] = [];
  /** When set, receive() waits for it (to test backpressure on OUT). */
  gate: Promise<void> | undefined;
  attach(port: VirtualUsbPort): void {
    this.port = port;
  }
  async receive(_endpoint: number, data: Uint8Array): Promise<void> {
    if (this.gate) await this.gate;
    this.received.push(data);
  }
  controlIn(setup: { request: number }, _length: number): Uint8Array | 'stall' {
    return setup.request === 6 ? bytes(10, 1) : 'stall';
  }
}

function bytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i + seed) & 0xff;
  return b;
}

function makeDevice(options: VirtualUsbOptions = {}, packetSize = 512): { device: VirtualUsbDevice; fn: TestFunction } {
  const fn = new TestFunction();
  const device = new VirtualUsbDevice(
    {
      vendorId: 0x18d1,
      productId: 0x4ee7,
      manufacturerName: 'Google',
      productName: 'Pixel 7',
      serialNumber: 'SIM123',
      configurations: [
        {
          configurationValue: 1,
          interfaces: [bulkInterface({ interfaceClass: 0xff, interfaceSubclass: 0x42, interfaceProtocol: 1, interfaceName: 'ADB Interface', packetSize })],
        },
      ],
    },
    fn,
    options,
  );
  return { device, fn };
}

async function ready(options: VirtualUsbOptions = {}, packetSize = 512): Promise<{ device: VirtualUsbDevice; fn: TestFunction }> {
  const made = makeDevice(options, packetSize);
  await made.device.open();
  await made.device.claimInterface(0);
  return made;
}

function view(result: { data?: DataView | undefined }): Uint8Array {
  const data = result.data!;
  // WebUSB hands out a DataView covering its whole buffer; adb-daemon-webusb relies on it.
  expect(data.byteOffset).toBe(0);
  expect(data.byteLength).toBe(data.buffer.byteLength);
  return new Uint8Array(data.buffer);
}

/** True when the promise is still pending after the event loop has turned a few times. */
async function isPending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, 20));
  return !settled;
}

describe('VirtualUsbDevice descriptors', () => {
  it('exposes ids, strings and the WebUSB descriptor tree', () => {
    const { device } = makeDevice();
    expect(device.vendorId).toBe(0x18d1);
    expect(device.serialNumber).toBe('SIM123');
    expect(device.configuration?.configurationValue).toBe(1);
    const iface = device.configuration!.interfaces[0]!;
    expect(iface.alternate.interfaceName).toBe('ADB Interface');
    expect(iface.alternate.endpoints.map((e) => [e.endpointNumber, e.direction, e.type, e.packetSize])).toEqual([
      [1, 'in', 'bulk', 512],
      [2, 'out', 'bulk', 512],
    ]);
    expect(iface.claimed).toBe(false);
  });
});

describe('VirtualUsbDevice state rules (as WebUSB)', () => {
  it('rejects transfers before open and before claim, and unknown interfaces', async () => {
    const { device } = makeDevice();
    await expect(device.transferIn(IN, 512)).rejects.toBeInstanceOf(UsbStateError);
    await expect(device.transferOut(OUT, bytes(4))).rejects.toBeInstanceOf(UsbStateError);
    await expect(device.claimInterface(0)).rejects.toBeInstanceOf(UsbStateError);
    await device.open();
    await expect(device.transferIn(IN, 512)).rejects.toBeInstanceOf(UsbStateError);
    await expect(device.claimInterface(7)).rejects.toThrow(/no interface 7/);
    await device.claimInterface(0);
    expect(device.configuration!.interfaces[0]!.claimed).toBe(true);
    await expect(device.transferIn(OUT, 512)).rejects.toBeInstanceOf(UsbStateError); // OUT endpoint read as IN
    await expect(device.transferIn(5, 512)).rejects.toBeInstanceOf(UsbStateError);
    await expect(device.selectConfiguration(9)).rejects.toBeInstanceOf(UsbStateError);
    await expect(device.selectAlternateInterface(0, 3)).rejects.toBeInstanceOf(UsbStateError);
  });

  it('reports an interface held by another program as busy', async () => {
    const { device } = makeDevice({ busyInterfaces: [0] });
    await device.open();
    await expect(device.claimInterface(0)).rejects.toBeInstanceOf(UsbBusyError);
  });

  it('answers control transfers through the function, stalls what it does not handle', async () => {
    const { device } = await ready();
    const setup = { requestType: 'standard', recipient: 'device', request: 6, value: 0x0300, index: 0 } as const;
    const reply = await device.controlTransferIn(setup, 4);
    expect(reply.status).toBe('ok');
    expect([...view(reply)]).toEqual([1, 2, 3, 4]); // cut to the requested length
    expect((await device.controlTransferIn({ ...setup, request: 0x33 }, 4)).status).toBe('stall');
    expect((await device.controlTransferOut({ ...setup, request: 0x34 }, bytes(2))).status).toBe('stall');
    await expect(device.controlTransferIn({ ...setup, recipient: 'interface', index: 3 }, 4)).rejects.toBeInstanceOf(UsbStateError);
  });
});

describe('VirtualUsbDevice bulk IN', () => {
  it('keeps message order, also for transfers queued before the data', async () => {
    const { device, fn } = await ready();
    const reads = [device.transferIn(IN, 512), device.transferIn(IN, 512), device.transferIn(IN, 512)];
    void fn.port.send(IN, bytes(10, 1));
    void fn.port.send(IN, bytes(20, 2));
    void fn.port.send(IN, bytes(30, 3));
    const got = (await Promise.all(reads)).map((r) => view(r));
    expect(got.map((b) => b.length)).toEqual([10, 20, 30]);
    expect(got[1]![0]).toBe(2);
    expect(got[2]![0]).toBe(3);
  });

  it('returns at most `length` bytes and ends a transfer on a short packet', async () => {
    const { device, fn } = await ready();
    const message = bytes(1000);
    void fn.port.send(IN, message);
    const first = view(await device.transferIn(IN, 512)); // one full packet fills it
    const second = view(await device.transferIn(IN, 4096)); // the 488-byte short packet ends it
    expect(first.length).toBe(512);
    expect(second.length).toBe(488);
    expect([...first, ...second]).toEqual([...message]);
  });

  it('runs on into the next message when no short packet ends one, and a ZLP ends it', async () => {
    const { device, fn } = await ready();
    void fn.port.send(IN, bytes(512, 0));
    void fn.port.send(IN, bytes(100, 7));
    const merged = view(await device.transferIn(IN, 4096));
    expect(merged.length).toBe(612);

    void fn.port.send(IN, bytes(512, 0));
    void fn.port.send(IN, new Uint8Array(0)); // ZLP
    void fn.port.send(IN, bytes(100, 7));
    expect(view(await device.transferIn(IN, 4096)).length).toBe(512);
    expect(view(await device.transferIn(IN, 4096)).length).toBe(100);
  });

  it('delivers a lone zero-length packet as 0 bytes', async () => {
    const { device, fn } = await ready();
    void fn.port.send(IN, new Uint8Array(0));
    const result = await device.transferIn(IN, 512);
    expect(result.status).toBe('ok');
    expect(result.data!.byteLength).toBe(0);
  });

  it('reports babble when a packet is larger than the room left', async () => {
    const { device, fn } = await ready();
    void fn.port.send(IN, bytes(1000));
    const result = await device.transferIn(IN, 600); // 512 fit, then a 488-byte packet into 88 bytes
    expect(result.status).toBe('babble');
    expect(view(result).length).toBe(600);
  });

  it('waits while the device has nothing, and the device waits for the host (backpressure)', async () => {
    const { device, fn } = await ready();
    const read = device.transferIn(IN, 512);
    expect(await isPending(read)).toBe(true);
    const sent = fn.port.send(IN, bytes(5));
    expect(view(await read).length).toBe(5);
    await sent;

    const big = fn.port.send(IN, bytes(2048));
    expect(await isPending(big)).toBe(true); // nobody read it yet
    await device.transferIn(IN, 1024);
    expect(await isPending(big)).toBe(true); // half read
    await device.transferIn(IN, 1024);
    await big;
  });

  it('does not let a host read see a buffer the device reuses after its send resolved', async () => {
    const { device, fn } = await ready();
    const buffer = bytes(512, 0);
    const read = device.transferIn(IN, 2048); // takes the full packet, then waits for more
    await fn.port.send(IN, buffer);
    buffer.fill(0xee);
    void fn.port.send(IN, bytes(10, 9));
    const got = view(await read);
    expect(got.length).toBe(522);
    expect(got[1]).toBe(1);
  });

  it('stalls an endpoint until the host clears the halt', async () => {
    const { device, fn } = await ready();
    fn.port.stall('in', IN);
    expect((await device.transferIn(IN, 512)).status).toBe('stall');
    await device.clearHalt('in', IN);
    void fn.port.send(IN, bytes(3));
    expect((await device.transferIn(IN, 512)).status).toBe('ok');
  });
});

describe('VirtualUsbDevice bulk OUT', () => {
  it('delivers transfers in order, ZLPs as 0 bytes, and copies the host buffer', async () => {
    const { device, fn } = await ready();
    const buffer = bytes(24, 1);
    const writes = [device.transferOut(OUT, buffer), device.transferOut(OUT, new Uint8Array(0)), device.transferOut(OUT, bytes(3, 5))];
    buffer.fill(0);
    const results = await Promise.all(writes);
    expect(results.map((r) => [r.status, r.bytesWritten])).toEqual([
      ['ok', 24],
      ['ok', 0],
      ['ok', 3],
    ]);
    expect(fn.received.map((d) => d.length)).toEqual([24, 0, 3]);
    expect(fn.received[0]![0]).toBe(1);
    expect(device.link.bytesOut).toBe(27);
  });

  it('completes a transferOut only when the function has taken it', async () => {
    const { device, fn } = await ready();
    let open!: () => void;
    fn.gate = new Promise((r) => (open = r));
    const write = device.transferOut(OUT, bytes(8));
    expect(await isPending(write)).toBe(true);
    open();
    expect((await write).bytesWritten).toBe(8);
  });
});

describe('VirtualUsbDevice pulled cable and close', () => {
  it('rejects pending and later transfers with UsbDisconnectedError and tells everyone', async () => {
    const { device, fn } = await ready();
    fn.gate = new Promise(() => undefined); // the function never takes this OUT transfer
    const pendingOut = device.transferOut(OUT, bytes(8));
    void fn.port.send(IN, bytes(4096));
    expect(view(await device.transferIn(IN, 512)).length).toBe(512); // data flowed before the pull
    let told: Error | undefined;
    device.onDisconnect((e) => (told = e));

    const midway = device.transferIn(IN, 1024 * 1024); // took the rest, waits for more when the cable goes
    await new Promise((r) => setTimeout(r, 5));
    device.disconnect();

    await expect(midway).rejects.toBeInstanceOf(UsbDisconnectedError);
    await expect(pendingOut).rejects.toBeInstanceOf(UsbDisconnectedError);
    await expect(device.transferIn(IN, 512)).rejects.toBeInstanceOf(UsbDisconnectedError);
    await expect(device.open()).rejects.toBeInstanceOf(UsbDisconnectedError);
    await expect(fn.port.send(IN, bytes(1))).rejects.toBeInstanceOf(UsbDisconnectedError);
    expect(fn.port.signal.aborted).toBe(true);
    expect(told).toBeInstanceOf(UsbDisconnectedError);
    expect(device.opened).toBe(false);

    let late: Error | undefined;
    device.onDisconnect((e) => (late = e));
    await Promise.resolve();
    expect(late).toBeInstanceOf(UsbDisconnectedError);
    await device.close(); // quiet on a device already gone
  });

  it('rejects the device side’s unread sends when the cable is pulled', async () => {
    const { device, fn } = await ready();
    const unread = fn.port.send(IN, bytes(4096));
    device.disconnect();
    await expect(unread).rejects.toBeInstanceOf(UsbDisconnectedError);
  });

  it('aborts pending transfers on close without losing the device’s data', async () => {
    const { device, fn } = await ready();
    const pending = device.transferIn(IN, 512);
    await device.close();
    await expect(pending).rejects.toBeInstanceOf(UsbAbortedError);
    void fn.port.send(IN, bytes(7));
    await device.open();
    await device.claimInterface(0);
    expect(view(await device.transferIn(IN, 512)).length).toBe(7);
  });
});

describe('VirtualUsbDevice link rate and unplug-after', () => {
  it('paces bulk bytes to the link rate and counts them', async () => {
    const { device, fn } = await ready({ linkRateMBps: 20 });
    const total = 2_000_000; // 0.1 s at 20 MB/s
    const started = performance.now();
    const sending = (async () => {
      for (let sent = 0; sent < total; sent += 16384) await fn.port.send(IN, bytes(16384));
    })();
    let got = 0;
    while (got < total) got += (await device.transferIn(IN, 16384)).data!.byteLength;
    await sending;
    const ms = performance.now() - started;
    expect(device.link.bytesIn).toBeGreaterThanOrEqual(total);
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(1000);
  });

  it('pulls the cable after the given number of IN bytes', async () => {
    const { device, fn } = await ready({ unplugAfterInBytes: 1000 });
    void fn.port.send(IN, bytes(512)).catch(() => undefined);
    void fn.port.send(IN, new Uint8Array(0)).catch(() => undefined);
    void fn.port.send(IN, bytes(512)).catch(() => undefined);
    expect(view(await device.transferIn(IN, 512)).length).toBe(512);
    await device.transferIn(IN, 512); // the ZLP
    await expect(device.transferIn(IN, 512)).rejects.toBeInstanceOf(UsbDisconnectedError);
    expect(device.connected).toBe(false);
    expect(device.link.bytesIn).toBe(512);
  });
});
