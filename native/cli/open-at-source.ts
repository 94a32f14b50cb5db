import fs from 'node:fs';
import path from 'node:path';
import { obexPhoneHandover } from '../adapters/at/at-obex-handover.ts';
import { openAtSource, type AtDeviceSource } from '../adapters/at/at-source.ts';
import { BadInputError, SourceLostError } from '../adapters/errors.ts';
import { openSerialPort } from '../protocols/at/serial-port.ts';
import type { ByteDuplex } from '../protocols/at/byte-duplex.ts';
import { plugInAtPhone } from '../sim/at/at-simulator.ts';

/** Whether a folder is a feature-phone image ("transport": "at" in its device.json). */
export function isAtImage(dir: string): boolean {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'device.json'), 'utf8')) as { transport?: unknown };
    return json.transport === 'at';
  } catch {
    return false;
  }
}

/**
 * A feature-phone image, served by the AT simulator on an in-process serial line and read by the
 * real AT adapter: its phonebook exists only as the phone's memories, so `--image` and `--sim`
 * both go the whole way of a byte. `unplugAfterBytes` pulls the cable after that many bytes
 * from the phone.
 */
export async function openAtImageSource(imageDir: string, how: 'image' | 'sim', faults: { unplugAfterBytes?: number } = {}): Promise<AtDeviceSource> {
  const phone = plugInAtPhone({ imageDir });
  const link = faults.unplugAfterBytes === undefined ? phone.link : cutAfter(phone.link, faults.unplugAfterBytes);
  try {
    const source = await openAtSource(link, {
      label: how === 'image' ? `device image ${imageDir} (feature phone, read over AT commands by the simulator)` : `simulated feature phone (AT commands over an in-process serial line, image ${imageDir})`,
      usb: { vendorId: phone.identity.vendorId, productId: phone.identity.productId },
      // Calendar, pictures and the IrMC phonebook over OBEX on the same line (AT+CPROT=0).
      obexHandover: obexPhoneHandover(),
    });
    return {
      ...source,
      description: source.description,
      async close() {
        await source.close().catch(() => undefined);
        await phone.close();
      },
    };
  } catch (error) {
    await phone.close();
    throw error;
  }
}

/** `--device at:/dev/ttyACM0` (or a pty from `simulate --tty`): a feature phone on a serial port. */
export async function openAtDevice(portPath: string): Promise<AtDeviceSource> {
  let link: ByteDuplex;
  try {
    link = await openSerialPort(portPath);
  } catch (error) {
    throw new BadInputError(`--device at:${portPath}: ${(error as Error).message}`);
  }
  return openAtSource(link, { label: `feature phone on ${portPath}`, obexHandover: obexPhoneHandover() });
}

function cutAfter(link: ByteDuplex, limit: number): ByteDuplex {
  let seen = 0;
  let cut = false;
  return {
    write: (bytes) => (cut ? Promise.reject(new SourceLostError('the cable was pulled')) : link.write(bytes)),
    onData(listener) {
      link.onData((bytes) => {
        if (cut) return;
        const room = limit - seen;
        seen += bytes.length;
        if (bytes.length >= room) {
          cut = true;
          if (room > 0) listener(bytes.subarray(0, room));
          void link.close();
          return;
        }
        listener(bytes);
      });
    },
    onEnd: (listener) => link.onEnd(listener),
    close: () => link.close(),
  };
}
