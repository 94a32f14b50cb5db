/**
 * OBEX packets: one opcode or response code byte, a 2-byte big-endian length of the whole packet,
 * fields of fixed size for CONNECT (version, flags, maximum packet length) and SETPATH (flags,
 * constants), then headers.
 */
import { isDefinedResponse, MAX_MAX_PACKET_LENGTH, MIN_MAX_PACKET_LENGTH, OBEX_VERSION, Opcode } from './obex-codes.ts';
import { ObexProtocolError } from './obex-errors.ts';
import { decodeHeaders, encodeHeaders, type ObexHeader } from './obex-headers.ts';

export interface ConnectFields {
  version: number;
  flags: number;
  maxPacketLength: number;
}

export interface ObexPacket {
  /** Opcode (requests) or response code (responses), final bit included. */
  code: number;
  /** CONNECT requests and their responses only. */
  connect?: ConnectFields;
  /** SETPATH requests only. */
  setPath?: { flags: number; constants: number };
  headers: ObexHeader[];
}

/** The packet length a buffer's first 3 bytes declare, or undefined when fewer than 3 are there. */
export function declaredLength(buffer: Uint8Array): number | undefined {
  if (buffer.length < 3) return undefined;
  return (buffer[1]! << 8) | buffer[2]!;
}

/** Builds a packet from its parts; callers are the allowlisted request encoder and the simulator. */
export function assemblePacket(code: number, fixed: Uint8Array, headers: readonly ObexHeader[]): Uint8Array {
  const body = encodeHeaders(headers);
  const length = 3 + fixed.length + body.length;
  if (length > MAX_MAX_PACKET_LENGTH) throw new RangeError(`an OBEX packet of ${length} bytes is longer than 65535`);
  const out = new Uint8Array(length);
  out[0] = code;
  out[1] = length >> 8;
  out[2] = length & 0xff;
  out.set(fixed, 3);
  out.set(body, 3 + fixed.length);
  return out;
}

export function connectFields(maxPacketLength: number, flags = 0): Uint8Array {
  if (!Number.isInteger(maxPacketLength) || maxPacketLength < MIN_MAX_PACKET_LENGTH || maxPacketLength > MAX_MAX_PACKET_LENGTH) {
    throw new RangeError(`an OBEX maximum packet length must be ${MIN_MAX_PACKET_LENGTH}-${MAX_MAX_PACKET_LENGTH}, got ${maxPacketLength}`);
  }
  return Uint8Array.from([OBEX_VERSION, flags, maxPacketLength >> 8, maxPacketLength & 0xff]);
}

/**
 * A response packet. `toConnect` says it answers a CONNECT, whose response carries version,
 * flags and the maximum packet length before its headers.
 */
export function encodeResponse(code: number, headers: readonly ObexHeader[], connect?: { maxPacketLength: number }): Uint8Array {
  if (!isDefinedResponse(code)) throw new RangeError(`0x${code.toString(16)} is not an OBEX response code`);
  return assemblePacket(code, connect ? connectFields(connect.maxPacketLength) : new Uint8Array(0), headers);
}

/** Decodes a whole response packet (exactly its declared length). */
export function decodeResponse(packet: Uint8Array, toConnect: boolean): ObexPacket {
  checkWhole(packet, 'response');
  const code = packet[0]!;
  if (!isDefinedResponse(code)) throw new ObexProtocolError(`the phone sent 0x${code.toString(16).padStart(2, '0')}, which is no OBEX response code`);
  if (toConnect && code < 0xc0) {
    if (packet.length < 7) throw new ObexProtocolError(`a CONNECT response of ${packet.length} bytes is too short for its version, flags and packet length`);
    const connect = readConnectFields(packet);
    return { code, connect, headers: decodeHeaders(packet.subarray(7)) };
  }
  // A failed CONNECT may or may not carry the connect fields: phones differ, so only headers that parse are kept.
  if (toConnect && packet.length >= 7) {
    try {
      return { code, connect: readConnectFields(packet), headers: decodeHeaders(packet.subarray(7)) };
    } catch {
      return { code, headers: [] };
    }
  }
  return { code, headers: decodeHeaders(packet.subarray(3)) };
}

/** Decodes a whole request packet (the simulator's side). */
export function decodeRequest(packet: Uint8Array): ObexPacket {
  checkWhole(packet, 'request');
  const code = packet[0]!;
  if (code === Opcode.Connect) {
    if (packet.length < 7) throw new ObexProtocolError(`a CONNECT request of ${packet.length} bytes is too short`);
    return { code, connect: readConnectFields(packet), headers: decodeHeaders(packet.subarray(7)) };
  }
  if (code === Opcode.SetPath) {
    if (packet.length < 5) throw new ObexProtocolError(`a SETPATH request of ${packet.length} bytes is too short`);
    return { code, setPath: { flags: packet[3]!, constants: packet[4]! }, headers: decodeHeaders(packet.subarray(5)) };
  }
  return { code, headers: decodeHeaders(packet.subarray(3)) };
}

function readConnectFields(packet: Uint8Array): ConnectFields {
  return { version: packet[3]!, flags: packet[4]!, maxPacketLength: (packet[5]! << 8) | packet[6]! };
}

function checkWhole(packet: Uint8Array, what: string): void {
  const length = declaredLength(packet);
  if (length === undefined) throw new ObexProtocolError(`an OBEX ${what} of ${packet.length} bytes is shorter than its 3-byte prefix`);
  if (length < 3) throw new ObexProtocolError(`an OBEX ${what} declares a length of ${length}, less than its own prefix`);
  if (length !== packet.length) throw new ObexProtocolError(`an OBEX ${what} declares ${length} bytes but ${packet.length} were given`);
}
