import type { Writable } from 'node:stream';
import type { ByteReader } from '../usbmux/byte-reader.ts';
import { asDict, decodeXmlPlist, encodeXmlPlist, PlistError, type PlistDict } from '../usbmux/plist-xml.ts';

/**
 * lockdownd's framing (libimobiledevice's property_list_service): a 32-bit big-endian length,
 * then an XML plist of that many bytes. The same on both sides of TLS.
 */
export const LOCKDOWN_MAX_MESSAGE_BYTES = 1024 * 1024;

export class LockdownProtocolError extends Error {
  override readonly name = 'LockdownProtocolError';
}

export function encodeLockdownMessage(message: PlistDict): Buffer {
  const body = encodeXmlPlist(message);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  return Buffer.concat([length, body]);
}

export function writeLockdownMessage(stream: Writable, message: PlistDict): Promise<void> {
  const bytes = encodeLockdownMessage(message);
  return new Promise((resolve, reject) => stream.write(bytes, (error) => (error ? reject(error) : resolve())));
}

/** One message; a length over the limit is refused before its bytes are awaited. */
export async function readLockdownMessage(reader: ByteReader, timeoutMs?: number, maxBytes = LOCKDOWN_MAX_MESSAGE_BYTES): Promise<PlistDict> {
  const length = (await reader.read(4, timeoutMs)).readUInt32BE(0);
  if (length === 0) throw new LockdownProtocolError('an empty lockdown message');
  if (length > maxBytes) throw new LockdownProtocolError(`a lockdown message claims ${length} bytes, over the limit of ${maxBytes}`);
  const body = await reader.read(length, timeoutMs);
  if (body.subarray(0, 6).toString('latin1') === 'bplist') {
    throw new LockdownProtocolError('a binary plist came where lockdown answers an XML request in XML');
  }
  try {
    return asDict(decodeXmlPlist(body, { maxBytes, maxDepth: 24, maxItems: 100_000 }), 'a lockdown message');
  } catch (error) {
    if (error instanceof PlistError) throw new LockdownProtocolError(`lockdown sent ${error.message}`);
    throw error;
  }
}
