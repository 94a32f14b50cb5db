import { describe, expect, it } from 'vitest';
import { RealUsbBackend } from './real-usb.ts';
import { UsbRegistry, type UsbDeviceEntry } from './usb-registry.ts';
import { adbInterface } from './virtual-descriptors.ts';
import { VirtualUsbDevice } from './virtual-usb.ts';

function virtualPhone(serial: string): VirtualUsbDevice {
  return new VirtualUsbDevice(
    { vendorId: 0x18d1, productId: 0x4ee7, serialNumber: serial, configurations: [{ configurationValue: 1, interfaces: [adbInterface()] }] },
    { attach: () => undefined, receive: () => undefined },
  );
}

describe('UsbRegistry', () => {
  it('lists virtual devices beside real ones, with attach and detach events', async () => {
    const registry = new UsbRegistry({ real: null });
    const events: string[] = [];
    registry.on('attach', (e: UsbDeviceEntry) => events.push(`attach ${e.id}`));
    registry.on('detach', (e: UsbDeviceEntry) => events.push(`detach ${e.id}`));

    const phone = virtualPhone('ONE');
    const entry = registry.addVirtual(phone, 'pixel');
    registry.addVirtual(virtualPhone('TWO'));
    expect(entry).toMatchObject({ id: 'sim:pixel', backend: 'virtual' });
    expect(() => registry.addVirtual(virtualPhone('THREE'), 'pixel')).toThrow(/already attached/);

    const listing = await registry.list();
    expect(listing.problems).toEqual([]);
    expect(listing.devices.map((d) => d.id)).toEqual(['sim:pixel', 'sim:1']);
    expect((await registry.find('sim:pixel'))?.device).toBe(phone);

    phone.disconnect(); // the cable is pulled: it leaves the list by itself
    await Promise.resolve();
    expect((await registry.list()).devices.map((d) => d.id)).toEqual(['sim:1']);
    expect(registry.removeVirtual('sim:1')).toBe(true);
    expect(events).toEqual(['attach sim:pixel', 'attach sim:1', 'detach sim:pixel', 'detach sim:1']);
    await registry.close();
  });

  it('passes on why real USB lists nothing (here: no USB bus) and still lists virtual devices', async () => {
    const registry = new UsbRegistry({
      real: new RealUsbBackend({ load: () => ({ error: 'the USB library could not be loaded: test' }) }),
    });
    registry.addVirtual(virtualPhone('ONE'));
    const listing = await registry.list();
    expect(listing.devices.map((d) => d.backend)).toEqual(['virtual']);
    expect(listing.problems).toEqual(['the USB library could not be loaded: test']);
    expect((await registry.watch()).watching).toBe(false);
    await registry.close();
  });
});
