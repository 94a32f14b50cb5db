import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMtpSimulator } from '../../sim/mtp/mtp-simulator.ts';
import { mtpPhoneDescriptor, mtpUsbFunction } from '../../sim/mtp/mtp-usb-function.ts';
import { VirtualUsbDevice } from '../../usb/virtual-usb.ts';
import { BadInputError } from '../errors.ts';
import { openMtpSource } from './mtp-source.ts';

const demo = path.resolve(import.meta.dirname, '../../../images/demo-mtp');

describe('an MTP phone another program (or a kernel driver) holds', () => {
  it('ends with what to do (BadInputError: exit 2), not a crash', async () => {
    const simulator = startMtpSimulator({ imageDir: demo });
    const device = new VirtualUsbDevice(mtpPhoneDescriptor(simulator.identity), mtpUsbFunction(simulator.responder), { busyInterfaces: [0] });
    const error = await openMtpSource(device).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(/busy/);
  });
});
