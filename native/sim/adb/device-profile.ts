import fs from 'node:fs';
import path from 'node:path';
import { parseDeviceJson } from '../../adapters/image/device-json.ts';
import type { DeviceIdentity } from '../../model/device.ts';

/**
 * Who the simulated phone says it is: system properties (getprop), the CNXN banner and the
 * battery, all derived from the image's device.json so the simulator and the image reader agree.
 */
export interface DeviceProfile {
  identity: DeviceIdentity;
  /** getprop's table, name → value. */
  properties: ReadonlyMap<string, string>;
  battery: number | null;
}

/** Android release → API level, for ro.build.version.sdk when device.json does not give one. */
const SDK_OF_RELEASE: Record<string, string> = {
  '16': '36', '15': '35', '14': '34', '13': '33', '12L': '32', '12': '31', '11': '30', '10': '29',
  '9': '28', '8.1': '27', '8.1.0': '27', '8.0': '26', '8.0.0': '26', '7.1': '25', '7.0': '24', '6.0': '23',
};

export function loadDeviceProfile(imageDir: string): DeviceProfile {
  const file = path.join(imageDir, 'device.json');
  const identity = parseDeviceJson(fs.readFileSync(file, 'utf8'), file);
  const extra = identity.extra ?? {};
  const text = (key: string): string | undefined => (typeof extra[key] === 'string' ? (extra[key] as string) : undefined);

  // A build fingerprint "brand/name/device:release/id/incremental:type/tags" names the product.
  const fingerprint = text('buildFingerprint');
  const [brandFromFp, nameFromFp, deviceFromFp] = fingerprint?.split(':')[0]?.split('/') ?? [];
  const slug = identity.model.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'phone';
  const release = text('androidVersion') ?? '14';
  const sdk = typeof extra.sdk === 'number' ? String(extra.sdk) : (text('sdk') ?? SDK_OF_RELEASE[release] ?? '34');

  const properties = new Map<string, string>([
    ['ro.build.fingerprint', fingerprint ?? `${slug}/${slug}/${slug}:${release}/SIM/1:user/release-keys`],
    ['ro.build.version.release', release],
    ['ro.build.version.sdk', sdk],
    ['ro.product.brand', brandFromFp ?? identity.manufacturer.toLowerCase()],
    ['ro.product.device', text('productDevice') ?? deviceFromFp ?? slug],
    ['ro.product.manufacturer', identity.manufacturer],
    ['ro.product.model', identity.model],
    ['ro.product.name', text('productName') ?? nameFromFp ?? slug],
    ['ro.serialno', identity.serial],
    ['ro.boot.serialno', identity.serial],
    ['ro.secure', '1'],
    ['ro.debuggable', '0'],
    ['ro.adb.secure', '1'],
    ['sys.usb.state', 'mtp,adb'],
  ]);
  return { identity, properties, battery: identity.battery };
}

/**
 * Features this simulator really implements, and only those: a client that sees a feature uses it.
 * (No compression for sendrecv_v2, no abb/cmd services, no push fixes since pushes are refused.)
 */
export const SIMULATOR_FEATURES: readonly string[] = ['shell_v2', 'stat_v2', 'ls_v2', 'sendrecv_v2'];

/** The CNXN identity adbd sends: "device::ro.product.name=…;ro.product.model=…;ro.product.device=…;features=…". */
export function deviceBanner(profile: DeviceProfile, features: readonly string[] = SIMULATOR_FEATURES): string {
  const prop = (name: string) => profile.properties.get(name) ?? '';
  return (
    `device::ro.product.name=${prop('ro.product.name')};ro.product.model=${prop('ro.product.model')};` +
    `ro.product.device=${prop('ro.product.device')};features=${features.join(',')}`
  );
}
