import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PlistDict } from '../../protocols/usbmux/plist-xml.ts';

/**
 * Who the simulated iPhone says it is, from the image's device.json (any transport: the iPhone
 * simulator serves the image's storage/DCIM as the phone's Media partition). Fields an iPhone
 * image may add: "udid", "deviceName", "productType", "productVersion", "buildVersion".
 */
export interface IphoneProfile {
  udid: string;
  productId: number;
  deviceName: string;
  productType: string;
  productVersion: string;
  buildVersion: string;
  serialNumber: string;
  battery: number | null;
  wifiAddress: string;
  /** The phone's own RSA key: its public half is DevicePublicKey, the private half serves TLS. */
  deviceKey: crypto.KeyObject;
  devicePublicKeyPem: Buffer;
  /** The folder served as /DCIM over AFC (may not exist: then DCIM is empty). */
  dcimDir: string;
}

export function loadIphoneProfile(imageDir: string): IphoneProfile {
  const file = path.join(imageDir, 'device.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const text = (key: string): string | undefined => (typeof json[key] === 'string' && json[key] !== '' ? (json[key] as string) : undefined);
  const serial = text('serial') ?? 'SIMIPHONE01';
  // A UDID looks like 00008110-001A2B3C4D5E601E on current phones; derived from the serial when not given.
  const udid = text('udid') ?? (/^[0-9A-F]{8}-[0-9A-F]{16}$/i.test(serial) ? serial : fakeUdid(serial));
  const battery = typeof json.battery === 'number' && Number.isInteger(json.battery) ? (json.battery as number) : null;
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return {
    udid,
    productId: typeof json.productId === 'number' && json.vendorId === 0x05ac ? (json.productId as number) : 0x12a8,
    deviceName: text('deviceName') ?? `${text('model') ?? 'iPhone'}`,
    productType: text('productType') ?? 'iPhone14,5',
    productVersion: text('productVersion') ?? text('iosVersion') ?? '17.5.1',
    buildVersion: text('buildVersion') ?? '21F90',
    serialNumber: text('serialNumber') ?? (serial === udid ? 'F2LSIM0001XY' : serial),
    battery,
    wifiAddress: '4c:57:ca:00:11:22',
    deviceKey: privateKey,
    devicePublicKeyPem: Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    dcimDir: path.join(imageDir, 'storage', 'DCIM'),
  };
}

function fakeUdid(seed: string): string {
  const hex = crypto.createHash('sha256').update(seed).digest('hex').toUpperCase();
  return `00008110-${hex.slice(0, 16)}`;
}

/** What lockdownd tells any host, paired or not (as a real phone answers GetValue before a session). */
export function publicValues(profile: IphoneProfile): PlistDict {
  return {
    BuildVersion: profile.buildVersion,
    CPUArchitecture: 'arm64e',
    DeviceClass: 'iPhone',
    DeviceColor: '1',
    DeviceName: profile.deviceName,
    DevicePublicKey: profile.devicePublicKeyPem,
    HardwareModel: 'D16AP',
    ProductName: 'iPhone OS',
    ProductType: profile.productType,
    ProductVersion: profile.productVersion,
    ProtocolVersion: '2',
    UniqueDeviceID: profile.udid,
    WiFiAddress: profile.wifiAddress,
  };
}

/** Everything, for a host in a session. */
export function sessionValues(profile: IphoneProfile): PlistDict {
  return {
    ...publicValues(profile),
    ActivationState: 'Activated',
    HostAttached: true,
    ModelNumber: 'MLPF3',
    PasswordProtected: true,
    RegionInfo: 'LL/A',
    SerialNumber: profile.serialNumber,
    TimeZone: 'Europe/Berlin',
    UniqueChipID: 1234567890123,
  };
}

/** The com.apple.mobile.battery domain. */
export function batteryValues(profile: IphoneProfile): PlistDict {
  const values: PlistDict = { BatteryIsCharging: false, ExternalChargeCapable: true, ExternalConnected: true, FullyCharged: false, GasGaugeCapability: true, HasBattery: true };
  if (profile.battery !== null) values.BatteryCurrentCapacity = profile.battery;
  return values;
}
