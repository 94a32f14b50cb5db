/**
 * A USB gadget made through configfs (Linux's usb_gadget tree): device ids and strings, one
 * configuration, one FunctionFS function mounted for a user-space process to serve, and the
 * switch that puts it on a USB device controller (UDC) or takes it off, i.e. plugs and unplugs it.
 *
 * Needs root, configfs mounted at /sys/kernel/config, the modules libcomposite and usb_f_fs, and a
 * UDC: a board's device port, or dummy_hcd (a host and a device controller joined inside one
 * machine, which is how the USB lab makes simulators real USB devices).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const GADGET_ROOT = '/sys/kernel/config/usb_gadget';
const UDC_CLASS = '/sys/class/udc';

export interface GadgetIdentity {
  vendorId: number;
  productId: number;
  manufacturer: string;
  product: string;
  serial: string;
}

export interface ConfigfsGadget {
  readonly name: string;
  /** Where the FunctionFS instance is mounted (ep0 and, once served, the endpoint files). */
  readonly mountPoint: string;
  /** Plugs the gadget into a UDC (default: the only or first one). */
  bind(udc?: string): void;
  /** Unplugs it (the host sees the device leave the bus). */
  unbind(): void;
  readonly boundTo: string | undefined;
  /** Unplugs, unmounts and removes the whole gadget tree. */
  remove(): void;
}

/** The UDCs of this machine (e.g. "dummy_udc.0"). */
export function deviceControllers(): string[] {
  try {
    return fs.readdirSync(UDC_CLASS).sort();
  } catch {
    return [];
  }
}

/** Why this machine cannot make gadgets, or undefined when it can. */
export function gadgetSupportProblem(): string | undefined {
  if (process.platform !== 'linux') return 'USB gadgets need Linux (configfs and FunctionFS)';
  if (!fs.existsSync(GADGET_ROOT)) {
    return `${GADGET_ROOT} is missing: load the gadget modules and mount configfs (modprobe libcomposite usb_f_fs; mount -t configfs none /sys/kernel/config)`;
  }
  if (deviceControllers().length === 0) return `no USB device controller in ${UDC_CLASS} (on a machine without one: modprobe dummy_hcd)`;
  return undefined;
}

/** Makes the gadget with one FunctionFS function named `functionName`, mounted and ready to serve. */
export function createFunctionFsGadget(name: string, identity: GadgetIdentity, functionName: string, configurationName: string): ConfigfsGadget {
  const problem = gadgetSupportProblem();
  if (problem) throw new Error(problem);
  const root = path.join(GADGET_ROOT, name);
  if (fs.existsSync(root)) throw new Error(`a USB gadget named ${name} exists already (${root})`);
  const write = (file: string, value: string) => fs.writeFileSync(path.join(root, file), value);
  const made: string[] = [];
  const mkdir = (dir: string) => {
    fs.mkdirSync(path.join(root, dir));
    made.push(dir);
  };
  const mountPoint = path.join('/dev/usb-ffs', functionName);
  let mounted = false;
  const functionDir = `functions/ffs.${functionName}`;
  const link = `configs/c.1/ffs.${functionName}`;

  const remove = () => {
    if (boundTo() !== undefined) unbind();
    if (mounted) {
      execFileSync('umount', [mountPoint]);
      mounted = false;
    }
    if (fs.existsSync(path.join(root, link))) fs.unlinkSync(path.join(root, link));
    // configfs removes the attribute files itself; only the directories made here are removed, deepest first.
    for (const dir of made.splice(0).reverse()) fs.rmdirSync(path.join(root, dir));
    if (fs.existsSync(root)) fs.rmdirSync(root);
  };
  /** What the UDC file says: someone else (a test's `echo "" > UDC`) may have changed it. */
  const boundTo = (): string | undefined => {
    try {
      return fs.readFileSync(path.join(root, 'UDC'), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const unbind = () => {
    // Writing an empty name to a gadget that is not bound fails (ENODEV): nothing to do then.
    if (boundTo() !== undefined) write('UDC', '\n');
  };

  try {
    fs.mkdirSync(root);
    write('idVendor', `0x${identity.vendorId.toString(16).padStart(4, '0')}`);
    write('idProduct', `0x${identity.productId.toString(16).padStart(4, '0')}`);
    write('bcdDevice', '0x0100');
    write('bcdUSB', '0x0200');
    mkdir('strings/0x409');
    write('strings/0x409/manufacturer', identity.manufacturer);
    write('strings/0x409/product', identity.product);
    write('strings/0x409/serialnumber', identity.serial);
    mkdir('configs/c.1');
    write('configs/c.1/MaxPower', '500');
    mkdir('configs/c.1/strings/0x409');
    write('configs/c.1/strings/0x409/configuration', configurationName);
    mkdir(functionDir);
    fs.symlinkSync(path.join(root, functionDir), path.join(root, link));
    fs.mkdirSync(mountPoint, { recursive: true });
    execFileSync('mount', ['-t', 'functionfs', functionName, mountPoint]);
    mounted = true;
  } catch (error) {
    try {
      remove();
    } catch {
      // the first error says more
    }
    throw error;
  }

  return {
    name,
    mountPoint,
    get boundTo() {
      return boundTo();
    },
    bind(udc) {
      const controllers = deviceControllers();
      const chosen = udc ?? controllers[0];
      if (!chosen || !controllers.includes(chosen)) throw new Error(`no USB device controller ${udc ?? ''} (have: ${controllers.join(', ') || 'none'})`);
      write('UDC', chosen);
    },
    unbind,
    remove,
  };
}
