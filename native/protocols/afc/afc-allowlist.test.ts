import fs from 'node:fs';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AFC_OPERATION_ALLOWLIST, AfcClient } from './afc-client.ts';
import { AFC_FILE_MODE_READ_ONLY, AFC_HEADER_BYTES, AFC_OP, encodeAfcPacket } from './afc-packet.ts';

/**
 * Lifeboat's AFC client can only read: the allowlist holds no operation that writes, removes,
 * renames, links, truncates, locks or sets times; every packet leaves through the one function
 * that checks it; and what each public call puts on the wire is on the list (FILE_OPEN only in
 * read-only mode).
 */
const WRITING = [
  AFC_OP.writeFile,
  AFC_OP.writePart,
  AFC_OP.truncate,
  AFC_OP.removePath,
  AFC_OP.makeDir,
  AFC_OP.writeFileAtomic,
  AFC_OP.fileWrite,
  AFC_OP.fileSetSize,
  AFC_OP.setConnectionOptions,
  AFC_OP.renamePath,
  AFC_OP.setFsBlockSize,
  AFC_OP.setSocketBlockSize,
  AFC_OP.fileLock,
  AFC_OP.makeLink,
  AFC_OP.setModTime,
  AFC_OP.fileSetImmutableHint,
  AFC_OP.removePathAndContents,
  AFC_OP.fileWriteOffset,
];

/** A phone that answers every request plausibly and records what it was sent. */
function recordingPhone(): { stream: Duplex; sent: { operation: number; mode?: bigint }[] } {
  const sent: { operation: number; mode?: bigint }[] = [];
  let buffered = Buffer.alloc(0);
  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= AFC_HEADER_BYTES && buffered.length >= Number(buffered.readBigUInt64LE(8))) {
        const length = Number(buffered.readBigUInt64LE(8));
        const number = buffered.readBigUInt64LE(24);
        const operation = Number(buffered.readBigUInt64LE(32));
        const args = buffered.subarray(AFC_HEADER_BYTES, length);
        buffered = buffered.subarray(length);
        sent.push({ operation, ...(operation === AFC_OP.fileOpen ? { mode: args.readBigUInt64LE(0) } : {}) });
        const u64 = Buffer.alloc(8);
        if (operation === AFC_OP.fileOpen) {
          u64.writeBigUInt64LE(5n, 0);
          stream.push(encodeAfcPacket(AFC_OP.fileOpenResult, number, u64));
        } else if (operation === AFC_OP.fileRead) stream.push(encodeAfcPacket(AFC_OP.data, number, Buffer.alloc(0), Buffer.from('abc')));
        else if (operation === AFC_OP.readDir) stream.push(encodeAfcPacket(AFC_OP.data, number, Buffer.alloc(0), Buffer.from('.\0..\0a\0')));
        else if (operation === AFC_OP.getFileInfo || operation === AFC_OP.getDeviceInfo) {
          stream.push(encodeAfcPacket(AFC_OP.data, number, Buffer.alloc(0), Buffer.from('st_size\x003\0st_ifmt\0S_IFREG\0')));
        } else stream.push(encodeAfcPacket(AFC_OP.status, number, u64));
      }
      done();
    },
  });
  return { stream, sent };
}

describe('the AFC client is read-only', () => {
  it('the allowlist holds no operation that changes the phone', () => {
    for (const op of WRITING) expect(AFC_OPERATION_ALLOWLIST.has(op), `0x${op.toString(16)}`).toBe(false);
    expect([...AFC_OPERATION_ALLOWLIST].sort((a, b) => a - b)).toEqual([
      AFC_OP.readDir,
      AFC_OP.getFileInfo,
      AFC_OP.getDeviceInfo,
      AFC_OP.fileOpen,
      AFC_OP.fileRead,
      AFC_OP.fileSeek,
      AFC_OP.fileClose,
    ]);
  });

  it('every packet is made in one place, behind the allowlist check', () => {
    const source = fs.readFileSync(new URL('./afc-client.ts', import.meta.url), 'utf8');
    expect(source.match(/encodeAfcPacket\(/g)).toHaveLength(1);
    expect(source).toMatch(/#packet\(operation: number, headerData: Buffer\): Buffer \{\n\s+if \(!AFC_OPERATION_ALLOWLIST\.has\(operation\)\) throw/);
  });

  it('what each public call sends is on the list; files open read-only', async () => {
    const phone = recordingPhone();
    const afc = new AfcClient(phone.stream);
    expect(await afc.readDirectory('/DCIM')).toEqual(['a']);
    expect((await afc.fileInfo('/DCIM/a')).size).toBe(3);
    await afc.deviceInfo();
    const handle = await afc.openForReading('/DCIM/a');
    await afc.seek(handle, 1);
    expect((await afc.read(handle, 10)).toString()).toBe('abc');
    await afc.close(handle);
    afc.end();
    expect(phone.sent.length).toBe(7);
    for (const { operation } of phone.sent) expect(AFC_OPERATION_ALLOWLIST.has(operation)).toBe(true);
    expect(phone.sent.filter((s) => s.operation === AFC_OP.fileOpen).map((s) => s.mode)).toEqual([BigInt(AFC_FILE_MODE_READ_ONLY)]);
    // The client offers no method that writes at all.
    const methods = Object.getOwnPropertyNames(AfcClient.prototype);
    expect(methods.filter((m) => /write|remove|rename|mkdir|make|truncate|link|lock|set/i.test(m))).toEqual([]);
  });
});
