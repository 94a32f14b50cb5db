import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelDriverHint, kernelDriverOf } from './kernel-driver.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sysfs-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('a kernel driver holding a phone interface', () => {
  it('is named from sysfs, with the command that lets go of it; usbfs (a program) is not a kernel driver', () => {
    const drivers = path.join(root, 'drivers');
    fs.mkdirSync(path.join(drivers, 'usb_serial_simple'), { recursive: true });
    fs.mkdirSync(path.join(drivers, 'usbfs'), { recursive: true });
    fs.mkdirSync(path.join(root, '1-1.4:1.0'));
    fs.symlinkSync(path.join(drivers, 'usb_serial_simple'), path.join(root, '1-1.4:1.0', 'driver'));
    fs.mkdirSync(path.join(root, '1-1.4:1.1'));
    fs.symlinkSync(path.join(drivers, 'usbfs'), path.join(root, '1-1.4:1.1', 'driver'));
    fs.mkdirSync(path.join(root, '1-1.4:1.2'));

    const held = kernelDriverOf({ bus: '001', ports: [1, 4], configuration: 1, interfaceNumber: 0 }, root);
    expect(held).toEqual({ driver: 'usb_serial_simple', interfaceName: '1-1.4:1.0' });
    expect(kernelDriverHint(held!)).toMatch(/echo -n 1-1\.4:1\.0 \| sudo tee \/sys\/bus\/usb\/drivers\/usb_serial_simple\/unbind/);
    expect(kernelDriverOf({ bus: '001', ports: [1, 4], configuration: 1, interfaceNumber: 1 }, root)).toBeUndefined();
    expect(kernelDriverOf({ bus: '001', ports: [1, 4], configuration: 1, interfaceNumber: 2 }, root)).toBeUndefined();
    expect(kernelDriverOf({ bus: undefined, ports: [1, 4], configuration: 1, interfaceNumber: 0 }, root)).toBeUndefined();
  });
});
