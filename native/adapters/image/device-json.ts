import type { DeviceIdentity, Transport } from '../../model/device.ts';
import { BadInputError } from '../errors.ts';

/**
 * device.json is who the phone in a device image is. People write these files by hand, so each
 * complaint names the field, what it holds, and what it should hold.
 */
export function parseDeviceJson(text: string, fileLabel: string): DeviceIdentity {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BadInputError(`${fileLabel} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadInputError(`${fileLabel} must hold a JSON object like {"transport": "adb", ...}, but holds ${describe(value)}`);
  }
  const fields = value as Record<string, unknown>;
  const wrong = (field: string, expected: string) =>
    new BadInputError(`${fileLabel}: field "${field}" must be ${expected}, but it is ${describe(fields[field])}`);

  const transport = fields.transport;
  if (!TRANSPORTS.includes(transport as Transport)) throw wrong('transport', 'one of "adb", "mtp", "at", "iphone"');
  const usbId = (field: string): number => {
    const v = fields[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) throw wrong(field, 'a whole number from 0 to 65535 (a USB id)');
    return v;
  };
  const string = (field: string): string => {
    const v = fields[field];
    if (typeof v !== 'string') throw wrong(field, 'a string');
    return v;
  };
  const battery = fields.battery === undefined ? null : fields.battery;
  if (battery !== null && (typeof battery !== 'number' || !Number.isInteger(battery) || battery < 0 || battery > 100)) {
    throw wrong('battery', 'a whole number from 0 to 100, or null when unknown');
  }

  const identity: DeviceIdentity = {
    transport: transport as Transport,
    vendorId: usbId('vendorId'),
    productId: usbId('productId'),
    manufacturer: string('manufacturer'),
    model: string('model'),
    serial: string('serial'),
    battery,
  };
  // Anything else the image tells (Android version, build ...) is passed on if it is a plain value.
  const extra: NonNullable<DeviceIdentity['extra']> = {};
  for (const [key, v] of Object.entries(fields)) {
    if (KNOWN_FIELDS.has(key)) continue;
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) extra[key] = v;
  }
  if (Object.keys(extra).length > 0) identity.extra = extra;
  return identity;
}

const TRANSPORTS: readonly Transport[] = ['adb', 'mtp', 'at', 'iphone'];
const KNOWN_FIELDS = new Set(['transport', 'vendorId', 'productId', 'manufacturer', 'model', 'serial', 'battery']);

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
