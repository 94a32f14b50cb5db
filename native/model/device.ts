/** The transports a device image (and later a real phone) can speak. */
export type Transport = 'adb' | 'mtp' | 'at' | 'iphone-backup' | 'iphone';

/** Who a phone is, as read from it (or from an image's device.json). */
export interface DeviceIdentity {
  transport: Transport;
  vendorId: number;
  productId: number;
  manufacturer: string;
  model: string;
  serial: string;
  /** 0-100, or null when the phone does not say. */
  battery: number | null;
  /** Anything else the source told us (Android version, IMEI is deliberately not read). */
  extra?: Record<string, string | number | boolean | null>;
}
