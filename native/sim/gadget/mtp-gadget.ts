/**
 * The MTP simulator as a real USB device: a configfs gadget with the interface Android's MTP
 * function declares (class 6 "still image", subclass 1, protocol 1, interface string "MTP"; bulk
 * IN, bulk OUT and interrupt IN), whose FunctionFS endpoints carry the responder's containers
 * exactly as the in-process virtual USB device carries them (mtp-usb-function.ts is the
 * device-side function in both cases). libmtp and Lifeboat then find it as they find a phone.
 */
import { interfaceStyleOf, startMtpSimulator, type MtpSimulatorOptions } from '../mtp/mtp-simulator.ts';
import { mtpPhoneDescriptor, mtpUsbFunction } from '../mtp/mtp-usb-function.ts';
import { createFunctionFsGadget, type ConfigfsGadget } from './configfs-gadget.ts';
import { serveFunctionFs, type FunctionFsGadget } from './functionfs-gadget.ts';

export interface MtpGadgetOptions extends MtpSimulatorOptions {
  /** The UDC to plug into; default the first (dummy_udc.0 under dummy_hcd). */
  udc?: string;
  /** configfs gadget name; default "lifeboat". The FunctionFS instance is "mtp". */
  gadgetName?: string;
}

export interface MtpGadget {
  readonly gadget: ConfigfsGadget;
  readonly functionFs: FunctionFsGadget;
  readonly udc: string;
  /** Unplugs and removes the gadget. */
  stop(): Promise<void>;
}

export async function startMtpGadget(options: MtpGadgetOptions): Promise<MtpGadget> {
  const log = options.log ?? ((message: string) => process.stderr.write(`[mtp-gadget] ${message}\n`));
  const simulator = startMtpSimulator({ ...options, log });
  const identity = simulator.identity;
  const mtpInterface = mtpPhoneDescriptor(identity, interfaceStyleOf(simulator)).configurations[0]!.interfaces[0]!;
  let gadget: ConfigfsGadget | undefined;
  let functionFs: FunctionFsGadget | undefined;
  try {
    gadget = createFunctionFsGadget(
      options.gadgetName ?? 'lifeboat',
      { vendorId: identity.vendorId, productId: identity.productId, manufacturer: identity.manufacturer, product: identity.model, serial: identity.serial },
      'mtp',
      'MTP',
    );
    const plugged = gadget;
    functionFs = await serveFunctionFs({
      mountPoint: gadget.mountPoint,
      interface: mtpInterface,
      makeFunction: () => {
        // A new host session (the interface enabled again): like a phone's MTP service after
        // a reconnect, no session is open and no answer from before is still being sent.
        simulator.responder.reset();
        return mtpUsbFunction(simulator.responder);
      },
      // The vanish mode: the phone drops off the bus (its UDC unbound) and stays off until the
      // simulator stops. Its endpoint files are non-blocking (functionfs-gadget.ts), so nothing
      // waits for endpoints that will never be enabled again and the process can still stop.
      onLeaveBus: () => {
        if (plugged.boundTo === undefined) return;
        log('the simulator dropped off the bus');
        plugged.unbind();
      },
      log,
    });
    gadget.bind(options.udc);
  } catch (error) {
    await functionFs?.stop(() => gadget?.unbind()).catch(() => undefined);
    try {
      gadget?.remove();
    } catch {
      // the first error says more
    }
    throw error;
  }
  const made = gadget;
  const served = functionFs;
  return {
    gadget: made,
    functionFs: served,
    udc: made.boundTo ?? options.udc ?? '?',
    async stop() {
      await served.stop(() => made.unbind());
      made.remove();
    },
  };
}
