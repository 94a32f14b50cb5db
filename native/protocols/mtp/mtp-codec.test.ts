import { describe, expect, it } from 'vitest';
import { ALLOWED_CLASS_REQUESTS, ALLOWED_OPERATIONS, MtpNotAllowedError } from './mtp-allowlist.ts';
import { ContainerType, Op } from './mtp-codes.ts';
import { DataReader, DataWriter, decodeHeader, decodeParams, encodeCommand, encodeDeviceContainer, MtpFormatError } from './mtp-container.ts';
import { decodeDeviceInfo, decodeObjectInfo, encodeDeviceInfo, encodeObjectInfo, formatPtpDateTime, parsePtpDateTime, type ObjectInfo } from './mtp-datasets.ts';
import { findMtpInterface } from './mtp-detect.ts';
import { adbInterface, bulkInterface } from '../../usb/virtual-descriptors.ts';

describe('MTP command allowlist', () => {
  it('lets exactly the read-only operations of issue 5 through, and no other of the 65,536 codes', () => {
    const expected = [0x1001, 0x1002, 0x1003, 0x1004, 0x1005, 0x1007, 0x1008, 0x1009, 0x100a, 0x101b, 0x95c1, 0x9801, 0x9803, 0x9805, 0x1015];
    expect([...ALLOWED_OPERATIONS].sort()).toEqual(expected.sort());
    let encoded = 0;
    for (let code = 0; code <= 0xffff; code++) {
      if (ALLOWED_OPERATIONS.has(code)) {
        expect(encodeCommand(code, 1).length).toBe(12);
        encoded++;
      } else {
        expect(() => encodeCommand(code, 1), `0x${code.toString(16)}`).toThrow(MtpNotAllowedError);
      }
    }
    expect(encoded).toBe(expected.length);
    for (const writer of [Op.SendObject, Op.SendObjectInfo, Op.DeleteObject, Op.SetObjectPropValue, Op.FormatStore, Op.ResetDevice, Op.SendPartialObject, Op.TruncateObject, Op.MoveObject, Op.CopyObject]) {
      expect(ALLOWED_OPERATIONS.has(writer)).toBe(false);
    }
    expect([...ALLOWED_CLASS_REQUESTS].sort()).toEqual([0x64, 0x67]);
  });
});

describe('PTP containers', () => {
  it('encodes a command as length, type 1, code, transaction id and parameters, little-endian', () => {
    const bytes = encodeCommand(Op.GetObjectHandles, 0x01020304, [0xffffffff, 0, 0xffffffff]);
    expect(Buffer.from(bytes).toString('hex')).toBe('18000000' + '0100' + '0710' + '04030201' + 'ffffffff' + '00000000' + 'ffffffff');
    expect(() => encodeCommand(Op.GetObject, 1, [1, 2, 3, 4, 5, 6])).toThrow(RangeError);
    expect(() => encodeCommand(Op.GetObject, 1, [-1])).toThrow(RangeError);
  });

  it('decodes headers and refuses short or unknown ones', () => {
    const c = encodeDeviceContainer(ContainerType.response, 0x2001, 7, Uint8Array.of(1, 0, 0, 0));
    expect(decodeHeader(c)).toEqual({ length: 16, type: 3, code: 0x2001, transactionId: 7 });
    expect(decodeParams(c.subarray(12))).toEqual([1]);
    expect(() => decodeHeader(c.subarray(0, 8))).toThrow(MtpFormatError);
    const badType = c.slice();
    badType[4] = 9;
    expect(() => decodeHeader(badType)).toThrow(/unknown type 9/);
    const shortLength = c.slice();
    shortLength[0] = 4;
    expect(() => decodeHeader(shortLength)).toThrow(/shorter than its header/);
    expect(() => decodeParams(Uint8Array.of(1, 2, 3))).toThrow(MtpFormatError);
  });

  it('reads strings and arrays without trusting their counts', () => {
    const w = new DataWriter().string('Zoë 📷').array(4, [1, 2, 3]).string('');
    const r = new DataReader(w.bytes(), 'test');
    expect(r.string('name')).toBe('Zoë 📷');
    expect(r.array(4, 'handles')).toEqual([1, 2, 3]);
    expect(r.string('empty')).toBe('');
    expect(() => new DataReader(Uint8Array.of(200, 0x41, 0), 'test').string('name')).toThrow(/runs past the end/);
    expect(() => new DataReader(Uint8Array.of(0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0), 'test').array(4, 'handles')).toThrow(/says 2147483647 elements/);
    expect(() => new DataWriter().string('x'.repeat(255))).toThrow(RangeError);
  });

  it('round-trips DeviceInfo and ObjectInfo', () => {
    const info = {
      standardVersion: 100, vendorExtensionId: 6, vendorExtensionVersion: 100, vendorExtensionDesc: 'microsoft.com: 1.0;', functionalMode: 0,
      operations: [0x1001, 0x1002], events: [0x4002], deviceProperties: [0x5001], captureFormats: [], playbackFormats: [0x3801],
      manufacturer: 'Nokia', model: '6300 4G', deviceVersion: '1.0', serialNumber: 'X1',
    };
    expect(decodeDeviceInfo(encodeDeviceInfo(info))).toEqual(info);
    const object: ObjectInfo = {
      storageId: 0x10001, format: 0x3801, protectionStatus: 0, compressedSize: 0xffffffff, thumbFormat: 0, thumbCompressedSize: 0,
      thumbPixWidth: 0, thumbPixHeight: 0, imagePixWidth: 0, imagePixHeight: 0, imageBitDepth: 0, parent: 5, associationType: 0,
      associationDesc: 0, sequenceNumber: 0, filename: 'IMG_1.jpg', captureDate: '20240101T120000', modificationDate: '20240102T130000.5Z', keywords: '',
    };
    const bytes = encodeObjectInfo(object);
    expect(bytes[52]).toBe(10); // the name's length byte sits at offset 52 (PTP 15740 table 9)
    expect(decodeObjectInfo(bytes)).toEqual(object);
  });
});

describe('PTP DateTime', () => {
  it('reads the forms phones send, and refuses what is not a date', () => {
    expect(parsePtpDateTime('20240612T101500')).toBe(Date.UTC(2024, 5, 12, 10, 15, 0));
    expect(parsePtpDateTime('20240612T101500Z')).toBe(Date.UTC(2024, 5, 12, 10, 15, 0));
    expect(parsePtpDateTime('20240612T101500.3')).toBe(Date.UTC(2024, 5, 12, 10, 15, 0, 300));
    expect(parsePtpDateTime('20240612T101500+0200')).toBe(Date.UTC(2024, 5, 12, 8, 15, 0));
    expect(parsePtpDateTime('20240612T101500-0530')).toBe(Date.UTC(2024, 5, 12, 15, 45, 0));
    for (const bad of ['', 'yesterday', '20240231T000000', '20241301T000000', '20240101T250000']) expect(parsePtpDateTime(bad), bad).toBeUndefined();
    expect(formatPtpDateTime(Date.UTC(2023, 11, 31, 21, 59, 59))).toBe('20231231T215959');
  });
});

describe('detection as libmtp does it', () => {
  const device = (iface: ReturnType<typeof bulkInterface>) => ({ configuration: null, configurations: [{ configurationValue: 1, interfaces: [{ ...iface, alternate: iface.alternates[0]!, claimed: false }] }] });
  it('finds a class 6/1/1 still-image interface, and a vendor interface with three endpoints named MTP', () => {
    const ptp = findMtpInterface(device(bulkInterface({ interfaceClass: 6, interfaceSubclass: 1, interfaceProtocol: 1, inEndpoint: 1, outEndpoint: 2, interruptEndpoint: 3 })));
    expect(ptp).toMatchObject({ kind: 'ptp', inEndpoint: 1, outEndpoint: 2, interruptEndpoint: 3, packetSize: 512 });
    const vendor = findMtpInterface(device(bulkInterface({ interfaceClass: 0xff, interfaceSubclass: 0xff, interfaceProtocol: 0, interfaceName: 'MTP', interruptEndpoint: 3 })));
    expect(vendor?.kind).toBe('mtp-vendor');
  });
  it('does not take ADB, a vendor interface without the MTP string, or one with two endpoints', () => {
    expect(findMtpInterface(device(adbInterface()))).toBeUndefined();
    expect(findMtpInterface(device(bulkInterface({ interfaceClass: 0xff, interfaceSubclass: 0xff, interfaceProtocol: 0, interfaceName: 'Serial', interruptEndpoint: 3 })))).toBeUndefined();
    expect(findMtpInterface(device(bulkInterface({ interfaceClass: 0xff, interfaceSubclass: 0xff, interfaceProtocol: 0, interfaceName: 'MTP' })))).toBeUndefined();
  });
});
