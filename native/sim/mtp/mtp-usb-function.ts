import type { DeviceIdentity } from '../../model/device.ts';
import { bulkInterface, HIGH_SPEED_BULK_PACKET } from '../../usb/virtual-descriptors.ts';
import type { VirtualUsbDescriptor, VirtualUsbFunction } from '../../usb/virtual-usb.ts';
import type { MtpResponder } from './mtp-responder.ts';

const IN_ENDPOINT = 1;
const OUT_ENDPOINT = 2;
const INTERRUPT_ENDPOINT = 3;

/**
 * How the phone's interface looks on the bus. "ptp": class 6/1/1 with the interface string "MTP",
 * as Android and QEMU's usb-mtp declare it; "vendor": class 0xff with "MTP" as its string, as
 * older Android phones and Windows Phones do (libmtp finds both); "iphone": class 6/1/1 with the
 * string "PTP" (an iPhone's still-image interface: a camera, not an MTP player; its string was
 * not checked on a real one).
 */
export type MtpInterfaceStyle = 'ptp' | 'vendor' | 'iphone';

export function mtpPhoneDescriptor(
  identity: Pick<DeviceIdentity, 'vendorId' | 'productId' | 'manufacturer' | 'model' | 'serial'>,
  style: MtpInterfaceStyle = 'ptp',
  packetSize = HIGH_SPEED_BULK_PACKET,
): VirtualUsbDescriptor {
  const codes = style === 'vendor' ? { interfaceClass: 0xff, interfaceSubclass: 0xff, interfaceProtocol: 0 } : { interfaceClass: 6, interfaceSubclass: 1, interfaceProtocol: 1 };
  return {
    vendorId: identity.vendorId,
    productId: identity.productId,
    manufacturerName: identity.manufacturer,
    productName: identity.model,
    serialNumber: identity.serial,
    configurations: [
      {
        configurationValue: 1,
        interfaces: [
          bulkInterface({
            ...codes,
            interfaceName: style === 'iphone' ? 'PTP' : 'MTP',
            inEndpoint: IN_ENDPOINT,
            outEndpoint: OUT_ENDPOINT,
            interruptEndpoint: INTERRUPT_ENDPOINT,
            packetSize,
          }),
        ],
      },
    ],
  };
}

/** The responder behind a virtual USB device: bulk OUT to it, its messages to bulk IN, class requests both ways. */
export function mtpUsbFunction(responder: MtpResponder): VirtualUsbFunction {
  return {
    attach(port) {
      responder.attach({
        send: (data) => port.send(IN_ENDPOINT, data),
        disconnect: () => port.disconnect(),
        event: (data) => port.send(INTERRUPT_ENDPOINT, data),
      });
    },
    receive(endpointNumber, data) {
      if (endpointNumber === OUT_ENDPOINT) responder.receive(data);
    },
    controlOut(setup, data) {
      if (setup.requestType !== 'class') return 'stall';
      return responder.controlOut(setup.request, data);
    },
    controlIn(setup, length) {
      if (setup.requestType !== 'class') return 'stall';
      return responder.controlIn(setup.request, length);
    },
    hostEvent(event) {
      if (event.type === 'close' || event.type === 'release') responder.reset();
    },
  };
}
