/**
 * The ADB library (@yume-chan/adb-daemon-webusb) accepts a virtual device as a WebUSB device,
 * and bytes flow both ways with adbd's framing: each packet's 24-byte header and its payload in
 * separate transfers, and a ZLP after a payload that fills whole packets.
 */
import { AdbCommand, calculateChecksum, type AdbPacketData } from '@yume-chan/adb';
import { Consumable } from '@yume-chan/stream-extra';
import { describe, expect, it } from 'vitest';
import { UsbDisconnectedError } from './usb-errors.ts';
import { adbInterface, bulkInterface } from './virtual-descriptors.ts';
import { VirtualUsbDevice, type VirtualUsbFunction, type VirtualUsbPort } from './virtual-usb.ts';
import { toAdbDaemonWebUsbDevice, toWebUsbDevice } from './webusb-bridge.ts';

class RecordingFunction implements VirtualUsbFunction {
  port!: VirtualUsbPort;
  received: Uint8Array[] = [];
  attach(port: VirtualUsbPort): void {
    this.port = port;
  }
  receive(_endpoint: number, data: Uint8Array): void {
    this.received.push(data);
  }
  /** Sends a packet as adbd does: header, then payload, as two transfers. */
  async sendPacket(command: number, arg0: number, arg1: number, payload: Uint8Array): Promise<void> {
    const header = new DataView(new ArrayBuffer(24));
    header.setUint32(0, command, true);
    header.setUint32(4, arg0, true);
    header.setUint32(8, arg1, true);
    header.setUint32(12, payload.length, true);
    header.setUint32(16, calculateChecksum(payload), true);
    header.setInt32(20, command ^ 0xffffffff, true);
    await this.port.send(1, new Uint8Array(header.buffer));
    if (payload.length > 0) await this.port.send(1, payload);
  }
}

function adbPhone(fn: VirtualUsbFunction): VirtualUsbDevice {
  return new VirtualUsbDevice(
    {
      vendorId: 0x18d1,
      productId: 0x4ee7,
      manufacturerName: 'Google',
      productName: 'Pixel 7',
      serialNumber: 'SIM123',
      configurations: [
        {
          configurationValue: 1,
          // An MTP interface first, as on a phone in "File transfer + USB debugging" mode.
          interfaces: [
            bulkInterface({ interfaceNumber: 0, interfaceClass: 6, interfaceSubclass: 1, interfaceProtocol: 1, interfaceName: 'MTP', inEndpoint: 3, outEndpoint: 4, interruptEndpoint: 5 }),
            adbInterface({ interfaceNumber: 1 }),
          ],
        },
      ],
    },
    fn,
  );
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('@yume-chan/adb-daemon-webusb over a virtual device', () => {
  it('finds the ADB interface and carries packets both ways', async () => {
    const fn = new RecordingFunction();
    const device = adbPhone(fn);
    const adb = toAdbDaemonWebUsbDevice(device);
    expect(adb).toBeDefined();
    expect(adb!.serial).toBe('SIM123');
    expect(adb!.name).toBe('Pixel 7');
    expect(adb!.raw).toBe(toWebUsbDevice(device));

    const connection = await adb!.connect();
    expect(device.opened).toBe(true);
    expect(device.configuration!.interfaces[1]!.claimed).toBe(true);
    expect(connection.inEndpoint.endpointNumber).toBe(1);

    // Phone → host.
    const reader = connection.readable.getReader();
    const banner = text('device::ro.product.model=Pixel 7;features=shell_v2,cmd');
    void fn.sendPacket(AdbCommand.Connect, 0x01000001, 256 * 1024, banner);
    const packet = (await reader.read()).value as AdbPacketData;
    expect(packet.command).toBe(AdbCommand.Connect);
    expect(packet.arg0).toBe(0x01000001);
    expect(new TextDecoder().decode(packet.payload)).toBe('device::ro.product.model=Pixel 7;features=shell_v2,cmd');

    // Host → phone: header and payload arrive as two transfers; 512 bytes are followed by a ZLP.
    const writer = connection.writable.getWriter();
    const payload = new Uint8Array(512).fill(0x41);
    const init = {
      command: AdbCommand.Write,
      arg0: 1,
      arg1: 2,
      payload,
      payloadLength: payload.length,
      checksum: calculateChecksum(payload),
      magic: AdbCommand.Write ^ 0xffffffff,
    };
    await writer.write(new Consumable(init));
    expect(fn.received.map((d) => d.length)).toEqual([24, 512, 0]);
    const header = new DataView(fn.received[0]!.buffer);
    expect(header.getUint32(0, true)).toBe(AdbCommand.Write);
    expect(header.getUint32(12, true)).toBe(512);
    expect(fn.received[1]).toEqual(payload);

    // A pulled cable ends the connection's stream instead of leaving it hanging.
    const next = reader.read();
    device.disconnect();
    const outcome = await next.then(
      (r) => (r.done ? 'closed' : 'value'),
      (e: unknown) => (e instanceof UsbDisconnectedError ? 'disconnected' : String(e)),
    );
    expect(['closed', 'disconnected']).toContain(outcome);
  });

  it('finds nothing on a device without an ADB interface', () => {
    const device = new VirtualUsbDevice(
      { vendorId: 0x04e8, productId: 0x6860, configurations: [{ configurationValue: 1, interfaces: [bulkInterface({ interfaceClass: 6, interfaceSubclass: 1, interfaceProtocol: 1 })] }] },
      new RecordingFunction(),
    );
    expect(toAdbDaemonWebUsbDevice(device)).toBeUndefined();
  });
});
