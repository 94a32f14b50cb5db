import { Duplex } from 'node:stream';
import { adbInterface } from '../../usb/virtual-descriptors.ts';
import type { VirtualUsbDescriptor, VirtualUsbFunction, VirtualUsbPort } from '../../usb/virtual-usb.ts';
import type { AdbSimulator } from './adb-simulator.ts';
import { MAX_PAYLOAD } from './adb-protocol-constants.ts';

const HEADER_BYTES = 24;
const IN_ENDPOINT = 1;
const OUT_ENDPOINT = 2;

/** The USB descriptor of a phone whose only interface is ADB, from the image's identity. */
export function adbPhoneDescriptor(identity: {
  vendorId: number;
  productId: number;
  manufacturer: string;
  model: string;
  serial: string;
}): VirtualUsbDescriptor {
  return {
    vendorId: identity.vendorId,
    productId: identity.productId,
    manufacturerName: identity.manufacturer,
    productName: identity.model,
    serialNumber: identity.serial,
    configurations: [
      { configurationValue: 1, interfaces: [adbInterface({ inEndpoint: IN_ENDPOINT, outEndpoint: OUT_ENDPOINT })] },
    ],
  };
}

/**
 * The ADB simulator as the function behind a virtual USB device: what the host writes to the
 * bulk OUT endpoint goes to the simulator, and every packet the simulator sends goes out on the
 * bulk IN endpoint as adbd sends it, the 24-byte header and the payload as two transfers (hosts
 * such as adb-daemon-webusb read them that way). When the simulator cuts the link (a pulled
 * cable), the device leaves the bus.
 */
export function adbUsbFunction(simulator: AdbSimulator): VirtualUsbFunction {
  let port: VirtualUsbPort | undefined;
  let pending: Buffer = Buffer.alloc(0);
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      void sendWholePackets().then(
        () => callback(),
        (err: unknown) => callback(err as Error),
      );
    },
    destroy(err, callback) {
      // The simulator ended the connection: for a USB phone that means it is gone.
      port?.disconnect();
      callback(err);
    },
  });

  // After a header announcing more than any packet holds (a hostile phone's), packets can no
  // longer be told apart: what follows goes out as it comes.
  let unframed = false;
  async function sendWholePackets(): Promise<void> {
    while (pending.length >= HEADER_BYTES || (unframed && pending.length > 0)) {
      if (unframed) {
        const raw = pending;
        pending = Buffer.alloc(0);
        await port!.send(IN_ENDPOINT, raw);
        return;
      }
      const payloadLength = pending.readUInt32LE(12);
      if (payloadLength > MAX_PAYLOAD) {
        unframed = true;
        const header = pending.subarray(0, HEADER_BYTES);
        pending = pending.subarray(HEADER_BYTES);
        await port!.send(IN_ENDPOINT, header);
        continue;
      }
      if (pending.length < HEADER_BYTES + payloadLength) return;
      const header = pending.subarray(0, HEADER_BYTES);
      const payload = pending.subarray(HEADER_BYTES, HEADER_BYTES + payloadLength);
      pending = pending.subarray(HEADER_BYTES + payloadLength);
      await port!.send(IN_ENDPOINT, header);
      if (payloadLength > 0) await port!.send(IN_ENDPOINT, payload);
    }
  }

  return {
    attach(p) {
      port = p;
      p.signal.addEventListener('abort', () => duplex.destroy(), { once: true });
      simulator.attach(duplex);
    },
    receive(endpointNumber, data) {
      if (endpointNumber !== OUT_ENDPOINT || data.byteLength === 0) return; // ZLPs carry nothing
      duplex.push(Buffer.from(data));
    },
  };
}
