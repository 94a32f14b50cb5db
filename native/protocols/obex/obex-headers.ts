/**
 * OBEX headers: encode and decode, with every length checked against the packet it sits in.
 * A malformed header is an ObexProtocolError naming what was wrong, never an out-of-range read.
 */
import { headerEncoding, HeaderId } from './obex-codes.ts';
import { ObexProtocolError } from './obex-errors.ts';

export type ObexHeader =
  | { id: number; kind: 'unicode'; value: string }
  | { id: number; kind: 'bytes'; value: Uint8Array }
  | { id: number; kind: 'byte'; value: number }
  | { id: number; kind: 'int'; value: number };

export const header = {
  name: (value: string): ObexHeader => ({ id: HeaderId.Name, kind: 'unicode', value }),
  /** Type is ASCII with a terminating NUL (IrOBEX 2.2.3). */
  type: (value: string): ObexHeader => ({ id: HeaderId.Type, kind: 'bytes', value: asciiZ(value) }),
  target: (value: Uint8Array): ObexHeader => ({ id: HeaderId.Target, kind: 'bytes', value }),
  who: (value: Uint8Array): ObexHeader => ({ id: HeaderId.Who, kind: 'bytes', value }),
  connectionId: (value: number): ObexHeader => ({ id: HeaderId.ConnectionId, kind: 'int', value }),
  length: (value: number): ObexHeader => ({ id: HeaderId.Length, kind: 'int', value }),
  body: (value: Uint8Array): ObexHeader => ({ id: HeaderId.Body, kind: 'bytes', value }),
  endOfBody: (value: Uint8Array): ObexHeader => ({ id: HeaderId.EndOfBody, kind: 'bytes', value }),
  timeIso: (value: string): ObexHeader => ({ id: HeaderId.TimeIso, kind: 'bytes', value: new TextEncoder().encode(value) }),
};

function asciiZ(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 1);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || c < 0x20) throw new RangeError(`an OBEX Type must be printable ASCII, got ${JSON.stringify(text)}`);
    out[i] = c;
  }
  return out;
}

export function encodedHeaderLength(h: ObexHeader): number {
  switch (h.kind) {
    case 'unicode': return h.value === '' ? 3 : 3 + (h.value.length + 1) * 2;
    case 'bytes': return 3 + h.value.length;
    case 'byte': return 2;
    case 'int': return 5;
  }
}

export function encodeHeaders(headers: readonly ObexHeader[]): Uint8Array {
  const total = headers.reduce((sum, h) => sum + encodedHeaderLength(h), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const h of headers) {
    if (headerEncoding(h.id) !== h.kind) throw new RangeError(`header 0x${h.id.toString(16)} cannot carry a ${h.kind} value`);
    const length = encodedHeaderLength(h);
    if (length > 0xffff) throw new RangeError(`header 0x${h.id.toString(16)} is ${length} bytes; OBEX allows 65535`);
    out[at] = h.id;
    switch (h.kind) {
      case 'unicode':
        view.setUint16(at + 1, length);
        // An empty Name is sent with no text at all, not a lone NUL (how SETPATH to the root reads).
        for (let i = 0; i < h.value.length && h.value !== ''; i++) view.setUint16(at + 3 + i * 2, h.value.charCodeAt(i));
        break;
      case 'bytes':
        view.setUint16(at + 1, length);
        out.set(h.value, at + 3);
        break;
      case 'byte':
        out[at + 1] = h.value & 0xff;
        break;
      case 'int':
        view.setUint32(at + 1, h.value >>> 0);
        break;
    }
    at += length;
  }
  return out;
}

/** Most headers accepted in one packet: a 64 KiB packet of 2-byte headers would be 32k of them. */
const MAX_HEADERS_PER_PACKET = 512;

/** Decodes `bytes` (the headers part of one packet, nothing else) into headers. */
export function decodeHeaders(bytes: Uint8Array): ObexHeader[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: ObexHeader[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (headers.length >= MAX_HEADERS_PER_PACKET) throw new ObexProtocolError(`a packet holds more than ${MAX_HEADERS_PER_PACKET} headers`);
    const id = bytes[at]!;
    const kind = headerEncoding(id);
    const label = `header 0x${id.toString(16).padStart(2, '0')}`;
    if (kind === 'byte') {
      if (at + 2 > bytes.length) throw new ObexProtocolError(`${label} runs past the end of its packet`);
      headers.push({ id, kind, value: bytes[at + 1]! });
      at += 2;
      continue;
    }
    if (kind === 'int') {
      if (at + 5 > bytes.length) throw new ObexProtocolError(`${label} runs past the end of its packet`);
      headers.push({ id, kind, value: view.getUint32(at + 1) });
      at += 5;
      continue;
    }
    if (at + 3 > bytes.length) throw new ObexProtocolError(`${label} runs past the end of its packet`);
    const length = view.getUint16(at + 1);
    if (length < 3) throw new ObexProtocolError(`${label} says it is ${length} bytes long, less than its own prefix`);
    if (at + length > bytes.length) throw new ObexProtocolError(`${label} says it is ${length} bytes long, ${at + length - bytes.length} more than its packet holds`);
    const value = bytes.subarray(at + 3, at + length);
    if (kind === 'unicode') headers.push({ id, kind, value: decodeUnicode(value, label) });
    else headers.push({ id, kind, value });
    at += length;
  }
  return headers;
}

/** UTF-16BE with a terminating NUL; phones also send it without the NUL, which is accepted. */
function decodeUnicode(value: Uint8Array, label: string): string {
  if (value.length % 2 !== 0) throw new ObexProtocolError(`${label} holds text of an odd number of bytes (${value.length})`);
  let end = value.length;
  if (end >= 2 && value[end - 2] === 0 && value[end - 1] === 0) end -= 2;
  let text = '';
  for (let i = 0; i < end; i += 2) text += String.fromCharCode((value[i]! << 8) | value[i + 1]!);
  return text;
}

export function findHeader<K extends ObexHeader['kind']>(headers: readonly ObexHeader[], id: number): Extract<ObexHeader, { kind: K }> | undefined {
  return headers.find((h) => h.id === id) as Extract<ObexHeader, { kind: K }> | undefined;
}

/** A Type header's text (ASCII, NUL-terminated on the wire). */
export function typeText(h: ObexHeader | undefined): string | undefined {
  if (!h || h.kind !== 'bytes') return undefined;
  let end = h.value.length;
  while (end > 0 && h.value[end - 1] === 0) end--;
  return String.fromCharCode(...h.value.subarray(0, Math.min(end, 256)));
}
