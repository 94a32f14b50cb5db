/**
 * The ADB simulator as a real USB device: a configfs gadget with Android's ADB interface
 * (class 0xff, subclass 0x42, protocol 1, bulk IN and OUT) whose FunctionFS endpoints carry the
 * simulator's packets, exactly as the virtual USB device carries them in-process
 * (adb-usb-function.ts is the device-side function in both cases).
 */
import { startAdbSimulator, type AdbSimulatorOptions } from '../adb/adb-simulator.ts';
import { adbPhoneDescriptor, adbUsbFunction } from '../adb/adb-usb-function.ts';
import { createFunctionFsGadget, type ConfigfsGadget } from './configfs-gadget.ts';
import { serveFunctionFs, type FunctionFsGadget } from './functionfs-gadget.ts';

export interface AdbGadgetOptions extends AdbSimulatorOptions {
  /** The UDC to plug into; default the first (dummy_udc.0 under dummy_hcd). */
  udc?: string;
  /** configfs gadget name and FunctionFS instance name; default "lifeboat" and "adb". */
  gadgetName?: string;
  /** How long the device stays off the bus when the simulator drops the connection (default 500 ms). */
  replugDelayMs?: number;
}

export interface AdbGadget {
  readonly gadget: ConfigfsGadget;
  readonly functionFs: FunctionFsGadget;
  readonly udc: string;
  /** Unplugs, stops the simulator and removes the gadget. */
  stop(): Promise<void>;
}

export async function startAdbGadget(options: AdbGadgetOptions): Promise<AdbGadget> {
  const log = options.log ?? ((message: string) => process.stderr.write(`[adb-gadget] ${message}\n`));
  const simulator = startAdbSimulator({ ...options, log });
  const identity = simulator.profile.identity;
  const descriptor = adbPhoneDescriptor(identity);
  const adbInterface = descriptor.configurations[0]!.interfaces[0]!;
  let gadget: ConfigfsGadget | undefined;
  let functionFs: FunctionFsGadget | undefined;
  let stopping = false;
  try {
    gadget = createFunctionFsGadget(
      options.gadgetName ?? 'lifeboat',
      { vendorId: identity.vendorId, productId: identity.productId, manufacturer: identity.manufacturer, product: identity.model, serial: identity.serial },
      'adb',
      'ADB',
    );
    const plugged = gadget;
    functionFs = await serveFunctionFs({
      mountPoint: gadget.mountPoint,
      interface: adbInterface,
      makeFunction: () => adbUsbFunction(simulator),
      // adbd that drops its connection restarts its USB function: the host sees the phone
      // leave and come back, and connects again.
      onLeaveBus: async () => {
        const udc = plugged.boundTo;
        if (udc === undefined) return;
        log('the simulator dropped the connection: replugging');
        plugged.unbind();
        await new Promise((resolve) => setTimeout(resolve, options.replugDelayMs ?? 500));
        if (!stopping) plugged.bind(udc);
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
    await simulator.close();
    throw error;
  }
  const made = gadget;
  const served = functionFs;
  return {
    gadget: made,
    functionFs: served,
    udc: made.boundTo ?? options.udc ?? '?',
    async stop() {
      stopping = true;
      await served.stop(() => made.unbind());
      await simulator.close();
      made.remove();
    },
  };
}
