import { A_VERSION_SKIP_CHECKSUM, HEADER_SIZE } from './adb-protocol-constants.ts';
import type { PacketHostility } from './hostile-phone.ts';

/**
 * One ADB packet: a 24-byte header of six little-endian u32 (command, arg0, arg1, data_length,
 * data_check, magic) and its payload. The header and payload are kept apart on purpose: over USB
 * they travel as separate bulk transfers, so the writer hands them to the transport separately.
 */
export interface AdbPacket {
  command: number;
  arg0: number;
  arg1: number;
  payload: Buffer;
  /** Sent with a header made wrong on purpose (a hostile phone, for tests). */
  corrupt?: PacketHostility;
}

/**
 * The header's "data_check". AOSP calls the field a checksum and computes it as the plain sum of
 * the payload bytes (adb.cpp calculate_apacket_checksum), not a CRC32, whatever older docs say.
 */
export function payloadChecksum(payload: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) sum = (sum + payload[i]!) >>> 0;
  return sum;
}

/** magic = command ^ 0xffffffff: the cheap test that a header is a header. */
export function magicOf(command: number): number {
  return (command ^ 0xffffffff) >>> 0;
}

/**
 * Encodes a header. Peers below A_VERSION_SKIP_CHECKSUM check data_check on every packet, so it
 * is computed for them; newer peers get 0, as adbd sends, which spares a pass over 1 MiB payloads.
 */
export function encodeHeader(packet: AdbPacket, peerVersion: number): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(packet.command >>> 0, 0);
  header.writeUInt32LE(packet.arg0 >>> 0, 4);
  header.writeUInt32LE(packet.arg1 >>> 0, 8);
  header.writeUInt32LE(packet.payload.length, 12);
  header.writeUInt32LE(peerVersion >= A_VERSION_SKIP_CHECKSUM ? 0 : payloadChecksum(packet.payload), 16);
  header.writeUInt32LE(magicOf(packet.command), 20);
  return header;
}
