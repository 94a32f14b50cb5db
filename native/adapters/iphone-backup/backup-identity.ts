import path from 'node:path';
import type { DeviceIdentity } from '../../model/device.ts';
import { isDict, type PlistValue } from '../../readers/ios-plist.ts';

/** Apple's USB vendor id; a backup does not say which product id the phone had (0 = unknown). */
export const APPLE_VENDOR_ID = 0x05ac;

/**
 * Who the phone was, from Info.plist (written by iTunes/Finder at backup time), with
 * Manifest.plist's Lockdown dictionary as a fallback. IMEI, ICCID and the phone number are
 * there too and are deliberately not read, as for Android. A backup knows no battery level.
 */
export function backupIdentity(info: PlistValue | undefined, manifest: PlistValue | undefined, status: PlistValue | undefined, dir: string): DeviceIdentity {
  const i = isDict(info) ? info : {};
  const m = isDict(manifest) ? manifest : {};
  const lockdown = isDict(m.Lockdown) ? m.Lockdown : {};
  const s = isDict(status) ? status : {};
  const text = (...values: (PlistValue | undefined)[]): string | undefined => {
    for (const v of values) if (typeof v === 'string' && v.trim() !== '') return v.trim();
    return undefined;
  };
  const productType = text(i['Product Type'], lockdown.ProductType);
  const udid = text(i['Unique Identifier'], i['Target Identifier'], lockdown.UniqueDeviceID);
  const extra: NonNullable<DeviceIdentity['extra']> = {
    source: 'iTunes/Finder backup',
    encrypted: m.IsEncrypted === true,
  };
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined) extra[key] = value;
  };
  put('deviceName', text(i['Device Name'], i['Display Name'], lockdown.DeviceName));
  put('productType', productType);
  put('iosVersion', text(i['Product Version'], lockdown.ProductVersion));
  put('buildVersion', text(i['Build Version'], lockdown.BuildVersion));
  put('udid', udid);
  const date = i['Last Backup Date'] instanceof Date ? i['Last Backup Date'] : s.Date instanceof Date ? s.Date : undefined;
  if (date && !Number.isNaN(date.getTime())) extra.backupDate = date.toISOString();
  put('snapshotState', text(s.SnapshotState));
  return {
    transport: 'iphone-backup',
    vendorId: APPLE_VENDOR_ID,
    productId: 0,
    manufacturer: 'Apple',
    model: text(i['Product Name'], productType) ?? 'iPhone',
    serial: text(i['Serial Number'], lockdown.SerialNumber) ?? udid ?? path.basename(path.resolve(dir)),
    battery: null,
    extra,
  };
}
