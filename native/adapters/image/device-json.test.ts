import { describe, expect, it } from 'vitest';
import { BadInputError } from '../errors.ts';
import { parseDeviceJson } from './device-json.ts';

const valid = {
  transport: 'adb',
  vendorId: 0x18d1,
  productId: 0x4ee7,
  manufacturer: 'Google',
  model: 'Pixel 7',
  serial: 'LBDEMO0001',
  battery: 23,
};

const parse = (value: unknown) => parseDeviceJson(typeof value === 'string' ? value : JSON.stringify(value), 'img/device.json');

describe('parseDeviceJson', () => {
  it('reads a valid device.json', () => {
    expect(parse(valid)).toEqual(valid);
  });

  it('accepts every transport, and battery null or absent as "unknown"', () => {
    for (const transport of ['adb', 'mtp', 'at']) expect(parse({ ...valid, transport }).transport).toBe(transport);
    expect(parse({ ...valid, battery: null }).battery).toBeNull();
    const { battery: _, ...withoutBattery } = valid;
    expect(parse(withoutBattery).battery).toBeNull();
    expect(parse({ ...valid, battery: 0 }).battery).toBe(0);
    expect(parse({ ...valid, battery: 100 }).battery).toBe(100);
  });

  it('passes other plain fields on in extra, and leaves out lists and objects', () => {
    const identity = parse({ ...valid, androidVersion: '14', sdk: 34, rooted: false, imei: null, build: { id: 'x' }, tags: ['a'] });
    expect(identity.extra).toEqual({ androidVersion: '14', sdk: 34, rooted: false, imei: null });
    expect(parse(valid)).not.toHaveProperty('extra');
  });

  it.each([
    [{ ...valid, transport: 'usb' }, /field "transport" must be one of "adb", "mtp", "at", "iphone", but it is the string "usb"/],
    [{ ...valid, transport: undefined }, /field "transport" .* but it is missing/],
    [{ ...valid, vendorId: '0x18d1' }, /field "vendorId" must be a whole number from 0 to 65535 \(a USB id\), but it is the string "0x18d1"/],
    [{ ...valid, vendorId: 70000 }, /field "vendorId" .* but it is number 70000/],
    [{ ...valid, productId: 1.5 }, /field "productId" .* but it is number 1.5/],
    [{ ...valid, productId: -1 }, /field "productId"/],
    [{ ...valid, manufacturer: 42 }, /field "manufacturer" must be a string, but it is number 42/],
    [{ ...valid, model: null }, /field "model" must be a string, but it is null/],
    [{ ...valid, serial: ['x'] }, /field "serial" must be a string, but it is a list/],
    [{ ...valid, battery: 101 }, /field "battery" must be a whole number from 0 to 100, or null when unknown, but it is number 101/],
    [{ ...valid, battery: '23%' }, /field "battery" .* but it is the string "23%"/],
    [{ ...valid, battery: 22.5 }, /field "battery"/],
  ])('names the field and what it expects: %j', (value, message) => {
    expect(() => parse(value)).toThrow(BadInputError);
    expect(() => parse(value)).toThrow(message);
    expect(() => parse(value)).toThrow(/^img\/device\.json: /);
  });

  it('says when the file is not JSON, or not an object', () => {
    expect(() => parse('{"transport": "adb",')).toThrow(/img\/device\.json is not valid JSON/);
    expect(() => parse('')).toThrow(/is not valid JSON/);
    expect(() => parse([valid])).toThrow(/must hold a JSON object .* but holds a list/);
    expect(() => parse('"adb"')).toThrow(/but holds the string "adb"/);
    expect(() => parse('null')).toThrow(BadInputError);
  });
});
