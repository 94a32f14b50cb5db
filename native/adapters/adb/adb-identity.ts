import type { Adb } from '@yume-chan/adb';
import type { DeviceIdentity } from '../../model/device.ts';
import { shellText } from './adb-shell.ts';

/**
 * Who the phone is: system properties (what `adb shell getprop` prints) and the battery level
 * from `dumpsys battery`. The IMEI is deliberately not read.
 */
export interface UsbIds {
  /** 0 over TCP: there is no USB device. */
  vendorId: number;
  productId: number;
}

export async function readAdbIdentity(adb: Adb, usb: UsbIds): Promise<DeviceIdentity> {
  const prop = async (key: string): Promise<string> => (await shellText(adb, ['getprop', key])).stdout.trim();
  const manufacturer = await prop('ro.product.manufacturer');
  const model = await prop('ro.product.model');
  const serial = (await prop('ro.serialno')) || adb.serial;
  const androidVersion = await prop('ro.build.version.release');
  const buildFingerprint = await prop('ro.build.fingerprint');
  const extra: Record<string, string> = {};
  if (androidVersion) extra.androidVersion = androidVersion;
  if (buildFingerprint) extra.buildFingerprint = buildFingerprint;
  return {
    transport: 'adb',
    vendorId: usb.vendorId,
    productId: usb.productId,
    manufacturer: manufacturer || 'unknown',
    model: model || adb.banner.model || 'unknown',
    serial,
    battery: await readBattery(adb),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** The battery level, 0-100, or null when the phone does not say (no battery service, no permission). */
export async function readBattery(adb: Adb): Promise<number | null> {
  try {
    return parseDumpsysBattery((await shellText(adb, ['dumpsys', 'battery'])).stdout);
  } catch {
    return null;
  }
}

/** `dumpsys battery` prints "  level: 23" and "  scale: 100"; the percentage is level / scale. */
export function parseDumpsysBattery(text: string): number | null {
  const level = /^\s*level:\s*(\d+)\s*$/m.exec(text);
  if (!level) return null;
  const scale = /^\s*scale:\s*(\d+)\s*$/m.exec(text);
  const scaleValue = scale ? Number(scale[1]) : 100;
  if (scaleValue <= 0) return null;
  const percent = Math.round((Number(level[1]) * 100) / scaleValue);
  return percent >= 0 && percent <= 100 ? percent : null;
}
