import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeXmlPlist, encodeXmlPlist, PlistError } from './plist-xml.ts';
import { parseUsbmuxAddress, usbmuxAddress } from './usbmux-address.ts';
import { checkUsbmuxHeader, encodeUsbmuxPacket } from './usbmux-packet.ts';

describe('XML plists', () => {
  const value = {
    MessageType: 'Connect',
    DeviceID: 3,
    PortNumber: 32498,
    Big: 2n ** 62n,
    Ratio: 0.5,
    Flag: true,
    Off: false,
    Data: Buffer.from('-----BEGIN CERTIFICATE-----\nabc\n'),
    Empty: {},
    List: ['a & b <c>', 7, []],
    When: new Date('2024-05-01T10:00:00Z'),
  };

  it('round-trips every type', () => {
    expect(decodeXmlPlist(encodeXmlPlist(value))).toEqual({ ...value, Big: 2n ** 62n });
  });

  it("is read back by libplist's plistutil unchanged (when installed with libimobiledevice)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-plist-'));
    try {
      const file = path.join(dir, 'in.plist');
      fs.writeFileSync(file, encodeXmlPlist(value));
      let out: Buffer;
      try {
        out = execFileSync('plistutil', ['-i', file, '-f', 'xml']);
      } catch (error) {
        throw new Error(`plistutil failed or is missing: install it: apt-get install -y libplist-utils (${(error as Error).message})`);
      }
      expect(decodeXmlPlist(out)).toEqual(decodeXmlPlist(encodeXmlPlist(value)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what a hostile peer could send: depth, entity definitions, unknown elements, size', () => {
    const deep = `<plist version="1.0">${'<array>'.repeat(100)}${'</array>'.repeat(100)}</plist>`;
    expect(() => decodeXmlPlist(Buffer.from(deep))).toThrow(/nested deeper than 32/);
    const entities = '<!DOCTYPE plist [<!ENTITY a "aaaa">]><plist version="1.0"><string>&a;</string></plist>';
    expect(() => decodeXmlPlist(Buffer.from(entities))).toThrow(/DOCTYPE with definitions/);
    expect(() => decodeXmlPlist(Buffer.from('<plist><script/></plist>'))).toThrow(/unknown element/);
    expect(() => decodeXmlPlist(Buffer.from('<plist><dict><key>a</key>'))).toThrow(PlistError);
    expect(() => decodeXmlPlist(Buffer.alloc(100), { maxBytes: 10, maxDepth: 4, maxItems: 10 })).toThrow(/over the limit/);
  });
});

describe('usbmuxd addresses and packets', () => {
  it("reads USBMUXD_SOCKET_ADDRESS in libusbmuxd's forms, else the platform's place", () => {
    expect(parseUsbmuxAddress('UNIX:/tmp/mux.sock')).toEqual({ kind: 'unix', path: '/tmp/mux.sock' });
    expect(parseUsbmuxAddress('127.0.0.1:27015')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(parseUsbmuxAddress('[::1]:27015')).toEqual({ kind: 'tcp', host: '::1', port: 27015 });
    expect(parseUsbmuxAddress('nonsense')).toBeUndefined();
    expect(usbmuxAddress({}, 'linux')).toEqual({ kind: 'unix', path: '/var/run/usbmuxd' });
    expect(usbmuxAddress({}, 'win32')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 27015 });
    expect(usbmuxAddress({ USBMUXD_SOCKET_ADDRESS: 'UNIX:/x' }, 'darwin')).toEqual({ kind: 'unix', path: '/x' });
  });

  it('checks a header before its body: a lying length is refused', () => {
    const packet = encodeUsbmuxPacket(7, { MessageType: 'ListDevices' });
    expect(checkUsbmuxHeader(packet.subarray(0, 16))).toMatchObject({ version: 1, messageType: 8, tag: 7, bodyLength: packet.length - 16 });
    const lying = Buffer.from(packet.subarray(0, 16));
    lying.writeUInt32LE(0xfffffff0, 0);
    expect(() => checkUsbmuxHeader(lying)).toThrow(/claims 4294967280 bytes, over the limit/);
    lying.writeUInt32LE(3, 0);
    expect(() => checkUsbmuxHeader(lying)).toThrow(/less than its own header/);
  });
});
