import { decodeXmlPlist, encodeXmlPlist, PlistError, type PlistDict, type PlistValue, asDict } from './plist-xml.ts';
import type { ByteReader } from './byte-reader.ts';

/**
 * usbmuxd's socket protocol: a 16-byte little-endian header (length including the header,
 * version, message type, tag) and, for version 1, an XML plist. Lifeboat speaks only version 1
 * (every usbmuxd since 2009 does; the older binary form is not needed).
 */
export const USBMUX_HEADER_BYTES = 16;
export const USBMUX_VERSION_PLIST = 1;
export const USBMUX_MESSAGE_PLIST = 8;

/** Every usbmuxd answer (a device list, a pair record of a few KiB) fits well within this. */
export const USBMUX_MAX_PACKET_BYTES = 1024 * 1024;

export const USBMUX_RESULT = { ok: 0, badCommand: 1, badDevice: 2, connectionRefused: 3, badVersion: 6 } as const;

export class UsbmuxProtocolError extends Error {
  override readonly name = 'UsbmuxProtocolError';
}

export interface UsbmuxPacket {
  tag: number;
  message: PlistDict;
}

export function encodeUsbmuxPacket(tag: number, message: PlistDict): Buffer {
  const body = encodeXmlPlist(message);
  const header = Buffer.alloc(USBMUX_HEADER_BYTES);
  header.writeUInt32LE(USBMUX_HEADER_BYTES + body.length, 0);
  header.writeUInt32LE(USBMUX_VERSION_PLIST, 4);
  header.writeUInt32LE(USBMUX_MESSAGE_PLIST, 8);
  header.writeUInt32LE(tag, 12);
  return Buffer.concat([header, body]);
}

/** The header's length is checked before a byte of the body is awaited: a lie costs nothing. */
export function checkUsbmuxHeader(header: Buffer, maxBytes = USBMUX_MAX_PACKET_BYTES): { bodyLength: number; version: number; messageType: number; tag: number } {
  const length = header.readUInt32LE(0);
  const version = header.readUInt32LE(4);
  const messageType = header.readUInt32LE(8);
  const tag = header.readUInt32LE(12);
  if (length < USBMUX_HEADER_BYTES) throw new UsbmuxProtocolError(`a usbmuxd packet claims ${length} bytes, less than its own header`);
  if (length > maxBytes) throw new UsbmuxProtocolError(`a usbmuxd packet claims ${length} bytes, over the limit of ${maxBytes}`);
  return { bodyLength: length - USBMUX_HEADER_BYTES, version, messageType, tag };
}

export async function readUsbmuxPacket(reader: ByteReader, timeoutMs?: number, maxBytes = USBMUX_MAX_PACKET_BYTES): Promise<UsbmuxPacket> {
  const { bodyLength, version, messageType, tag } = checkUsbmuxHeader(await reader.read(USBMUX_HEADER_BYTES, timeoutMs), maxBytes);
  if (version !== USBMUX_VERSION_PLIST || messageType !== USBMUX_MESSAGE_PLIST) {
    throw new UsbmuxProtocolError(`a usbmuxd packet of version ${version}, type ${messageType}; only plist packets (1, 8) are spoken here`);
  }
  const body = await reader.read(bodyLength, timeoutMs);
  let value: PlistValue;
  try {
    value = decodeXmlPlist(body, { maxBytes, maxDepth: 16, maxItems: 50_000 });
    return { tag, message: asDict(value, 'a usbmuxd message') };
  } catch (error) {
    if (error instanceof PlistError) throw new UsbmuxProtocolError(`usbmuxd sent ${error.message}`);
    throw error;
  }
}
