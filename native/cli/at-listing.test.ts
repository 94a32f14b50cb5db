import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ttyOfUsb } from './at-listing.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-sysfs-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the modem port of a USB feature phone', () => {
  it('is found in sysfs under the bus number npm usb writes with leading zeros', () => {
    // What the guest kernel's cdc_acm made in the lab: interface 1-1:1.0 holds tty/ttyACM0.
    fs.mkdirSync(path.join(root, '1-1:1.0', 'tty', 'ttyACM0'), { recursive: true });
    fs.mkdirSync(path.join(root, '1-1:1.1'), { recursive: true });
    fs.mkdirSync(path.join(root, '11-1:1.0', 'tty', 'ttyACM5'), { recursive: true });
    expect(ttyOfUsb('usb:001-1', root)).toBe('/dev/ttyACM0');
    expect(ttyOfUsb('usb:1-1', root)).toBe('/dev/ttyACM0');
    expect(ttyOfUsb('usb:011-1', root)).toBe('/dev/ttyACM5');
    expect(ttyOfUsb('usb:002-1', root)).toBeUndefined();
    expect(ttyOfUsb('usb:001:7', root)).toBeUndefined();
  });
});
