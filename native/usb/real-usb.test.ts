import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RealUsbBackend, type loadUsbPackage } from './real-usb.ts';
import { RealUsbDevice, type NativeUsbDevice } from './real-usb-device.ts';
import type { UsbConfiguration } from './usb-device.ts';
import {
  UsbAbortedError,
  UsbAccessDeniedError,
  UsbBusyError,
  UsbDisconnectedError,
  UsbError,
  UsbStateError,
  UsbTimeoutError,
} from './usb-errors.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const hasUsbBus = existsSync('/sys/bus/usb/devices');

describe('RealUsbBackend on this machine', () => {
  it('lists without rejecting, and says why there is nothing when there is no USB bus', async () => {
    const backend = new RealUsbBackend();
    const listing = await backend.list();
    if (!hasUsbBus) {
      expect(listing.devices).toEqual([]);
      expect(listing.unavailable).toMatch(/no USB bus/);
    } else {
      expect(Array.isArray(listing.devices)).toBe(true);
    }
    const watch = await backend.watch({ attach: () => undefined, detach: () => undefined });
    if (!hasUsbBus) expect(watch).toEqual({ watching: false, reason: listing.unavailable });
    await backend.stop();
  });

  it('does not crash a Node process that loads it, lists and watches, and lets it exit', () => {
    const script = `
      import { UsbRegistry } from ${JSON.stringify(path.join(here, 'usb-registry.ts'))};
      const registry = new UsbRegistry();
      const listing = await registry.list();
      const watch = await registry.watch();
      console.log(JSON.stringify({ devices: listing.devices.length, problems: listing.problems, watch }));
      await registry.close();
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).not.toMatch(/error|unhandled|rejection/i);
    expect(run.status).toBe(0); // exited by itself: nothing left holding the event loop
    const out = JSON.parse(run.stdout.trim()) as { devices: number; problems: string[]; watch: { watching: boolean; reason?: string } };
    if (!hasUsbBus) {
      expect(out.devices).toBe(0);
      expect(out.problems.join(' ')).toMatch(/no USB bus/);
      expect(out.watch.watching).toBe(false);
      expect(out.watch.reason).toMatch(/no USB bus/);
    }
  });

  it('reports a USB library that cannot be loaded instead of throwing', async () => {
    const backend = new RealUsbBackend({ load: () => ({ error: 'the USB library could not be loaded: no binding' }) });
    expect(await backend.list()).toEqual({ devices: [], unavailable: 'the USB library could not be loaded: no binding' });
    expect((await backend.watch({ attach: () => undefined, detach: () => undefined })).watching).toBe(false);
  });
});

/** A stand-in for npm usb's native device: each method does what the test says. */
function fakeNative(overrides: Partial<NativeUsbDevice> = {}): NativeUsbDevice & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const configuration: UsbConfiguration = { configurationValue: 1, interfaces: [] };
  return {
    calls,
    vendorId: 0x18d1,
    productId: 0x4ee7,
    deviceClass: 0,
    deviceSubclass: 0,
    deviceProtocol: 0,
    manufacturerName: 'Google',
    productName: 'Pixel 7',
    serialNumber: 'ABC',
    configuration,
    configurations: [configuration],
    opened: true,
    bus: '1',
    address: 4,
    ports: [1, 4],
    handle: 'DeviceId(4)',
    open: async () => undefined,
    close: async () => undefined,
    selectConfiguration: async () => undefined,
    claimInterface: async () => undefined,
    releaseInterface: async () => undefined,
    selectAlternateInterface: async () => undefined,
    controlTransferIn: async () => ({ status: 'ok', data: new DataView(new ArrayBuffer(0)) }),
    controlTransferOut: async () => ({ status: 'ok', bytesWritten: 0 }),
    transferIn: async (...args: unknown[]) => {
      calls.push(['transferIn', ...args]);
      const backing = new Uint8Array([9, 9, 1, 2, 3]);
      return { status: 'ok', data: new DataView(backing.buffer, 2, 3) };
    },
    transferOut: async () => ({ status: 'ok', bytesWritten: 0 }),
    clearHalt: async () => undefined,
    ...overrides,
  };
}

const fail = (message: string, extra: Record<string, unknown> = {}) => async (): Promise<never> => {
  throw Object.assign(new Error(message), extra);
};

describe('RealUsbDevice', () => {
  it('gives bulk transfers no hidden timeout and whole-buffer DataViews', async () => {
    const native = fakeNative();
    const device = new RealUsbDevice(native);
    const result = await device.transferIn(1, 512);
    expect(native.calls[0]).toEqual(['transferIn', 1, 512, 0xffff_ffff]);
    expect(result.data!.byteOffset).toBe(0);
    expect([...new Uint8Array(result.data!.buffer)]).toEqual([1, 2, 3]);
    expect(device.location).toBe('usb:1-1.4');
  });

  it('translates usb@3 (nusb) errors', async () => {
    const busy = new RealUsbDevice(fakeNative({ claimInterface: fail('claimInterface error: interface is busy') }));
    await expect(busy.claimInterface(0)).rejects.toBeInstanceOf(UsbBusyError);
    await expect(busy.claimInterface(0)).rejects.toThrow(/adb kill-server/);

    const denied = new RealUsbDevice(fakeNative({ open: fail('open error: permission denied (os error 13)') }), { platform: 'linux' });
    const error = await denied.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsbAccessDeniedError);
    expect((error as Error).message).toMatch(/udev rule/);
    expect((error as Error).message).toMatch(/18d1/);

    const mac = new RealUsbDevice(fakeNative({ claimInterface: fail('claimInterface error: permission denied') }), { platform: 'darwin' });
    await expect(mac.claimInterface(0)).rejects.toThrow(/ptpcamerad/);

    const slow = new RealUsbDevice(fakeNative({ transferIn: fail('transferIn error: Cancelled') }), { bulkTimeoutMs: 10 });
    await expect(slow.transferIn(1, 512)).rejects.toBeInstanceOf(UsbTimeoutError);

    const stalled = new RealUsbDevice(fakeNative({ transferIn: fail('transferIn error: Stall'), transferOut: fail('transferOut error: Stall') }));
    expect((await stalled.transferIn(1, 512)).status).toBe('stall');
    expect((await stalled.transferOut(2, new Uint8Array(1))).status).toBe('stall');

    const early = new RealUsbDevice(fakeNative({ transferIn: fail('transferIn error: endpoint not found') }));
    await expect(early.transferIn(1, 512)).rejects.toBeInstanceOf(UsbStateError);

    const odd = new RealUsbDevice(fakeNative({ transferIn: fail('transferIn error: Fault') }));
    const oddError = await odd.transferIn(1, 512).catch((e: unknown) => e);
    expect(oddError).toBeInstanceOf(UsbError);
    expect((oddError as Error).message).toMatch(/Reading from the phone.*Fault/);
  });

  it('translates libusb (usb@2) errors by name and by number', async () => {
    const byName = new RealUsbDevice(fakeNative({ claimInterface: fail('LIBUSB_ERROR_BUSY') }));
    await expect(byName.claimInterface(0)).rejects.toBeInstanceOf(UsbBusyError);
    const byNumber = new RealUsbDevice(fakeNative({ transferIn: fail('boom', { errno: -7 }) }));
    await expect(byNumber.transferIn(1, 64)).rejects.toBeInstanceOf(UsbTimeoutError);
    const access = new RealUsbDevice(fakeNative({ open: fail('LIBUSB_ERROR_ACCESS') }), { platform: 'win32' });
    await expect(access.open()).rejects.toThrow(/WinUSB/);
  });

  it('marks the device gone when a transfer finds it disconnected, and tells listeners', async () => {
    const device = new RealUsbDevice(fakeNative({ transferIn: fail('transferIn error: Disconnected') }));
    let told: Error | undefined;
    device.onDisconnect((e) => (told = e));
    await expect(device.transferIn(1, 512)).rejects.toBeInstanceOf(UsbDisconnectedError);
    await Promise.resolve();
    expect(told).toBeInstanceOf(UsbDisconnectedError);
    expect(device.connected).toBe(false);
    await expect(device.transferOut(2, new Uint8Array(1))).rejects.toBeInstanceOf(UsbDisconnectedError);
    await device.close(); // quiet
  });

  it('calls an endpoint that vanished a lost phone when endpoint 0 no longer answers either (seen in the lab)', async () => {
    const gone = new RealUsbDevice(
      fakeNative({
        transferOut: fail('transferOut error: endpoint not found'),
        controlTransferIn: fail('controlTransferIn error: Disconnected'),
      }),
    );
    let told: Error | undefined;
    gone.onDisconnect((e) => (told = e));
    await expect(gone.transferOut(2, new Uint8Array(12))).rejects.toBeInstanceOf(UsbDisconnectedError);
    await Promise.resolve();
    expect(told).toBeInstanceOf(UsbDisconnectedError);
    await expect(gone.transferIn(1, 512)).rejects.toBeInstanceOf(UsbDisconnectedError);

    const probes: unknown[] = [];
    const present = new RealUsbDevice(
      fakeNative({
        transferIn: fail('transferIn error: endpoint not found'),
        controlTransferIn: async (setup) => {
          probes.push(setup);
          return { status: 'ok', data: new DataView(new ArrayBuffer(2)) };
        },
      }),
    );
    await expect(present.transferIn(1, 512)).rejects.toBeInstanceOf(UsbStateError);
    expect(present.connected).toBe(true);
    expect(probes).toEqual([{ requestType: 'standard', recipient: 'device', request: 0, value: 0, index: 0 }]);
  });

  it('reports a transfer cancelled by close() as aborted, not as a timeout', async () => {
    let cancel!: (e: Error) => void;
    const native = fakeNative({ transferIn: () => new Promise((_, reject) => (cancel = reject)) });
    const device = new RealUsbDevice(native);
    const pending = device.transferIn(1, 512);
    await device.close();
    cancel(new Error('transferIn error: Cancelled'));
    await expect(pending).rejects.toBeInstanceOf(UsbAbortedError);
  });
});

describe('RealUsbBackend hotplug (with a stand-in for the native library)', () => {
  it('lists the same device as the same object and reports attach and detach', async () => {
    const phone = fakeNative({ handle: 'DeviceId(1)' });
    const natives: NativeUsbDevice[] = [phone];
    let attach: ((d: NativeUsbDevice) => void) | undefined;
    let detach: ((h: string) => void) | undefined;
    let removed = 0;
    const load: typeof loadUsbPackage = () => ({
      usb: {
        WebUSB: class {
          async getDevices(): Promise<NativeUsbDevice[]> {
            return natives;
          }
        },
      },
      native: {
        Emitter: class {
          async addAttach(cb: (d: NativeUsbDevice) => void): Promise<void> {
            attach = cb;
          }
          async addDetach(cb: (h: string) => void): Promise<void> {
            detach = cb;
          }
          async removeAttach(): Promise<void> {
            removed++;
          }
          async removeDetach(): Promise<void> {
            removed++;
          }
        },
      },
    });
    const backend = new RealUsbBackend({ load });
    const first = await backend.list();
    const second = await backend.list();
    expect(first.devices[0]).toBe(second.devices[0]);

    const events: string[] = [];
    const watch = await backend.watch({
      attach: (d) => events.push(`attach ${d.serialNumber}`),
      detach: (d) => events.push(`detach ${d.serialNumber}`),
    });
    expect(watch.watching).toBe(true);
    attach!(fakeNative({ handle: 'DeviceId(2)', serialNumber: 'NEW' }));
    let gone = false;
    first.devices[0]!.onDisconnect(() => (gone = true));
    detach!('DeviceId(1)');
    await Promise.resolve();
    expect(events).toEqual(['attach NEW', 'detach ABC']);
    expect(gone).toBe(true);
    await backend.stop();
    expect(removed).toBe(2);
  });
});
