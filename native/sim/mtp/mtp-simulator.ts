import fs from 'node:fs';
import path from 'node:path';
import { BadInputError } from '../../adapters/errors.ts';
import { parseDeviceJson } from '../../adapters/image/device-json.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import { VirtualUsbDevice } from '../../usb/virtual-usb.ts';
import { iphoneOptionsOf } from './iphone-ptp.ts';
import { addHostileObjects, type HostileMode } from './mtp-hostile.ts';
import { loadStorage } from './mtp-object-store.ts';
import { createMtpResponder, type MtpResponder, type ResponderStyle } from './mtp-responder.ts';
import { mtpPhoneDescriptor, mtpUsbFunction, type MtpInterfaceStyle } from './mtp-usb-function.ts';

export interface MtpSimulatorOptions {
  readonly imageDir: string;
  readonly hostile?: readonly HostileMode[];
  /** Entries of the huge-folder mode (default 100,000). */
  readonly hugeFolderEntries?: number;
  /**
   * Default: "iphone" when device.json says "mtpStyle": "iphone" (iphone-ptp.ts), "android" when
   * it names an Android version or says "mtpStyle": "android", else "feature-phone".
   */
  readonly style?: ResponderStyle;
  /** Every file as format 0x3000, as QEMU's usb-mtp serves them. */
  readonly undefinedFormats?: boolean;
  readonly packetSize?: number;
  readonly log?: (line: string) => void;
}

export interface MtpSimulator {
  readonly identity: DeviceIdentity;
  readonly responder: MtpResponder;
  readonly style: ResponderStyle;
}

/** The image's storage/ as an MTP responder (not yet on any bus: see plugInMtpPhone or the lab's FunctionFS). */
export function startMtpSimulator(options: MtpSimulatorOptions): MtpSimulator {
  const deviceJson = path.join(options.imageDir, 'device.json');
  if (!fs.existsSync(deviceJson)) throw new BadInputError(`${options.imageDir} is not a device image (it has no device.json).`);
  const identity = parseDeviceJson(fs.readFileSync(deviceJson, 'utf8'), deviceJson);
  const style = options.style ?? styleOf(identity);
  const store = loadStorage(path.join(options.imageDir, 'storage'), {
    formats: options.undefinedFormats ? 'undefined' : 'by-name',
    duplicateNames: style === 'iphone',
  });
  const hostile = addHostileObjects(store, options.hostile ?? [], { hugeFolderEntries: options.hugeFolderEntries });
  const iphone = style === 'iphone' ? iphoneOptionsOf(identity.extra) : undefined;
  const responder = createMtpResponder({ identity, store, style, hostile, iphone, packetSize: options.packetSize, log: options.log });
  return { identity, responder, style };
}

function styleOf(identity: DeviceIdentity): ResponderStyle {
  if (identity.extra?.mtpStyle === 'iphone') return 'iphone';
  if (identity.extra?.mtpStyle === 'android' || identity.extra?.androidVersion !== undefined) return 'android';
  return 'feature-phone';
}

/** How the simulator's interface looks on the bus. */
export function interfaceStyleOf(simulator: Pick<MtpSimulator, 'style'>): MtpInterfaceStyle {
  return simulator.style === 'iphone' ? 'iphone' : 'ptp';
}

/** A simulated MTP phone plugged into an in-process virtual USB device. */
export function plugInMtpPhone(
  options: MtpSimulatorOptions & { interfaceStyle?: MtpInterfaceStyle; linkRateMBps?: number; unplugAfterBytes?: number },
): { simulator: MtpSimulator; device: VirtualUsbDevice } {
  const simulator = startMtpSimulator(options);
  const device = new VirtualUsbDevice(mtpPhoneDescriptor(simulator.identity, options.interfaceStyle ?? interfaceStyleOf(simulator), options.packetSize), mtpUsbFunction(simulator.responder), {
    linkRateMBps: options.linkRateMBps,
    unplugAfterInBytes: options.unplugAfterBytes,
  });
  return { simulator, device };
}
