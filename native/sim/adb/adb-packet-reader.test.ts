import { describe, expect, it } from 'vitest';
import { encodeHeader, payloadChecksum } from './adb-packet.ts';
import { AdbPacketReader, AdbProtocolError } from './adb-packet-reader.ts';
import { A_CNXN, A_OKAY, A_VERSION_MIN, A_WRTE, MAX_PAYLOAD } from './adb-protocol-constants.ts';

function packetBytes(command: number, arg0: number, arg1: number, payload: Buffer, version = 0x01000001): Buffer {
  return Buffer.concat([encodeHeader({ command, arg0, arg1, payload }, version), payload]);
}

describe('ADB packet reader', () => {
  const cnxn = packetBytes(A_CNXN, 0x01000001, MAX_PAYLOAD, Buffer.from('host::features=shell_v2\0'));
  const write = packetBytes(A_WRTE, 7, 1, Buffer.from('hello'));
  const okay = packetBytes(A_OKAY, 7, 1, Buffer.alloc(0));

  it('reads packets glued together in one chunk', () => {
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    const packets = reader.push(Buffer.concat([cnxn, write, okay]));
    expect(packets.map((p) => p.command)).toEqual([A_CNXN, A_WRTE, A_OKAY]);
    expect(packets[1]!.payload.toString()).toBe('hello');
    expect(packets[1]!.arg0).toBe(7);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('reads a header and its payload arriving as separate chunks (USB bulk transfers)', () => {
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    expect(reader.push(write.subarray(0, 24))).toEqual([]);
    const packets = reader.push(write.subarray(24));
    expect(packets).toHaveLength(1);
    expect(packets[0]!.payload.toString()).toBe('hello');
  });

  it('reads byte by byte, and across arbitrary splits', () => {
    const all = Buffer.concat([cnxn, write, okay, write]);
    for (const step of [1, 5, 23, 25, 31]) {
      const reader = new AdbPacketReader(MAX_PAYLOAD);
      const got = [];
      for (let i = 0; i < all.length; i += step) got.push(...reader.push(all.subarray(i, i + step)));
      expect(got.map((p) => p.command)).toEqual([A_CNXN, A_WRTE, A_OKAY, A_WRTE]);
    }
  });

  it('does not keep payload bytes pointing into a chunk the transport may reuse', () => {
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    const chunk = Buffer.from(write);
    const [packet] = reader.push(chunk);
    chunk.fill(0);
    expect(packet!.payload.toString()).toBe('hello');
  });

  it('refuses a bad magic', () => {
    const broken = Buffer.from(write);
    broken.writeUInt32LE(0x12345678, 20);
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    expect(() => reader.push(broken)).toThrowError(AdbProtocolError);
    expect(() => new AdbPacketReader(MAX_PAYLOAD).push(broken)).toThrowError(/magic/);
  });

  it('refuses an oversized payload from its header alone, before buffering it', () => {
    const header = encodeHeader({ command: A_WRTE, arg0: 1, arg1: 1, payload: Buffer.alloc(0) }, 0x01000001);
    header.writeUInt32LE(MAX_PAYLOAD + 1, 12);
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    expect(() => reader.push(header)).toThrowError(/1048577-byte payload, more than the 1048576 bytes allowed/);
  });

  it('refuses an unknown command even with a matching magic', () => {
    const bogus = packetBytes(0x41414141, 0, 0, Buffer.alloc(0));
    expect(() => new AdbPacketReader(MAX_PAYLOAD).push(bogus)).toThrowError(/unknown command AAAA/);
  });

  it('catches a lying length: the next "header" is payload and fails the magic test', () => {
    const lying = Buffer.from(write);
    lying.writeUInt32LE(2, 12); // says 2 bytes, 5 follow
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    expect(() => reader.push(Buffer.concat([lying, okay]))).toThrowError(/magic/);
  });

  it('checks the payload checksum (a byte sum) for version 0x01000000 peers only', () => {
    const oldCnxn = packetBytes(A_CNXN, A_VERSION_MIN, 4096, Buffer.from('host::\0'), A_VERSION_MIN);
    expect(oldCnxn.readUInt32LE(16)).toBe(payloadChecksum(Buffer.from('host::\0')));
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    expect(reader.push(oldCnxn)).toHaveLength(1);
    reader.peerVersion = A_VERSION_MIN;
    const bad = packetBytes(A_WRTE, 1, 1, Buffer.from('abc'), A_VERSION_MIN);
    bad.writeUInt32LE(1, 16);
    expect(() => reader.push(bad)).toThrowError(/checksum/);

    const modern = new AdbPacketReader(MAX_PAYLOAD);
    modern.peerVersion = 0x01000001;
    expect(modern.push(packetBytes(A_WRTE, 1, 1, Buffer.from('abc')))).toHaveLength(1); // checksum 0 accepted
  });

  it('holds at most one packet while waiting for a payload that never completes', () => {
    const reader = new AdbPacketReader(MAX_PAYLOAD);
    const big = packetBytes(A_WRTE, 1, 1, Buffer.alloc(MAX_PAYLOAD, 7));
    reader.push(big.subarray(0, 1000));
    expect(reader.bufferedBytes).toBeLessThanOrEqual(1000);
    const packets = reader.push(big.subarray(1000));
    expect(packets[0]!.payload.length).toBe(MAX_PAYLOAD);
  });
});
