import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The Linux kernel driver bound to one interface of a USB device, from sysfs; undefined when none
 * is (or elsewhere than Linux). A kernel driver holding the interface makes claiming it "busy",
 * the same answer another program would give: seen in the lab, where the kernel's
 * usb_serial_simple took a Nokia phone's MTP interface. usbfs is another program through libusb.
 */
export function kernelDriverOf(
  where: { bus: string | undefined; ports: readonly number[] | undefined; configuration: number; interfaceNumber: number },
  sysfsDevices = '/sys/bus/usb/devices',
): { driver: string; interfaceName: string } | undefined {
  if (where.bus === undefined || !where.ports || where.ports.length === 0) return undefined;
  const interfaceName = `${Number(where.bus)}-${where.ports.join('.')}:${where.configuration}.${where.interfaceNumber}`;
  try {
    const driver = path.basename(fs.readlinkSync(path.join(sysfsDevices, interfaceName, 'driver')));
    return driver === 'usbfs' ? undefined : { driver, interfaceName };
  } catch {
    return undefined;
  }
}

/** What to tell a person when a kernel driver holds the phone's interface. */
export function kernelDriverHint(held: { driver: string; interfaceName: string }): string {
  return (
    `The kernel driver "${held.driver}" holds this interface of the phone (it took the phone for another kind of device). ` +
    `Let go of it with: echo -n ${held.interfaceName} | sudo tee /sys/bus/usb/drivers/${held.driver}/unbind, then try again.`
  );
}
