import fs from 'node:fs';
import path from 'node:path';
import { BadInputError } from '../../adapters/errors.ts';
import { parseDeviceJson } from '../../adapters/image/device-json.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import { duplexPair, type ByteDuplex } from '../../protocols/at/byte-duplex.ts';
import { loadSimPhone, type SimPhone } from './at-phone-file.ts';
import type { AtHostileMode } from './at-hostile.ts';
import { AtPhoneSimulator, type AtPhoneOptions } from './at-phone-simulator.ts';

export interface AtSimOptions {
  imageDir: string;
  hostile?: AtHostileMode;
  dribbleMs?: number;
  log?: (line: string) => void;
  obexServer?: AtPhoneOptions['obexServer'];
  escapeGuardMs?: AtPhoneOptions['escapeGuardMs'];
}

export interface LoadedAtImage {
  identity: DeviceIdentity;
  phone: SimPhone;
}

export function loadAtImage(imageDir: string): LoadedAtImage {
  const deviceJson = path.join(imageDir, 'device.json');
  if (!fs.existsSync(deviceJson)) throw new BadInputError(`${imageDir} is not a device image (it has no device.json).`);
  const identity = parseDeviceJson(fs.readFileSync(deviceJson, 'utf8'), deviceJson);
  if (identity.transport !== 'at') throw new BadInputError(`${deviceJson}: the feature-phone simulator serves "transport": "at" images, not "${identity.transport}".`);
  return { identity, phone: loadSimPhone(imageDir) };
}

/** A simulated feature phone on an in-process serial line: `link` is the host's end of it. */
export interface PluggedAtPhone {
  identity: DeviceIdentity;
  link: ByteDuplex;
  simulator: AtPhoneSimulator;
  close(): Promise<void>;
}

export function plugInAtPhone(options: AtSimOptions): PluggedAtPhone {
  const { identity, phone } = loadAtImage(options.imageDir);
  const [host, device] = duplexPair();
  const simulator = new AtPhoneSimulator(
    { identity, phone, hostile: options.hostile, dribbleMs: options.dribbleMs, log: options.log, obexServer: options.obexServer, escapeGuardMs: options.escapeGuardMs },
    (bytes) => void device.write(bytes).catch(() => undefined),
  );
  device.onData((bytes) => simulator.receive(bytes));
  device.onEnd(() => simulator.stop());
  return {
    identity,
    link: host,
    simulator,
    async close() {
      simulator.stop();
      await device.close();
    },
  };
}
