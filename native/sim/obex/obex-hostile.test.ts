/**
 * Lifeboat's OBEX adapter against each hostile mode of the simulator: every run must end by
 * itself, with an error that says what the phone did, in bounded time and memory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { openObexPhone, type ObexPhone } from '../../adapters/obex/obex-phone.ts';
import { SourceLostError } from '../../adapters/errors.ts';
import { ObexObjectError, ObexTooLargeError } from '../../protocols/obex/obex-errors.ts';
import { memoryDuplexPair } from '../adb/memory-duplex-pair.ts';
import { writeObexFixture } from './obex-fixture.ts';
import { OBEX_HOSTILE_MODES, type ObexHostility } from './obex-hostile.ts';
import { attachObexServer, type ObexServer } from './obex-server.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obex-hostile-'));
const fixture = writeObexFixture(path.join(tmp, 'obex'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TIMEOUT_MS = 1000;

function hostilePhone(hostility: ObexHostility | undefined, maxMediaBytes = 64 * 1024 * 1024): { phone: ObexPhone; server: ObexServer } {
  const [host, device] = memoryDuplexPair();
  const server = attachObexServer(device, { rootDir: fixture.dir, ...(hostility ? { hostility } : {}) });
  return { phone: openObexPhone(host, { responseTimeoutMs: TIMEOUT_MS, maxMediaBytes }), server };
}

async function drain(stream: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of stream) n += (chunk as Buffer).length;
  return n;
}

async function mediaOf(phone: ObexPhone, onSkip?: (r: string) => void) {
  const out = [];
  for await (const m of phone.media(onSkip)) out.push(m);
  return out;
}

/** Reads the big photo and returns the error it ended with (or fails the test if it did not). */
async function readBigPhoto(phone: ObexPhone): Promise<Error> {
  const media = await mediaOf(phone);
  const big = media.find((m) => m.path === 'Pictures/Camera/IMG_0002.jpg')!;
  try {
    await drain(await phone.openMedia(big));
  } catch (error) {
    return error as Error;
  }
  throw new Error('the read ended without an error');
}

describe('OBEX client against a hostile phone', () => {
  it('covers every hostile mode the simulator has', () => {
    expect([...OBEX_HOSTILE_MODES].sort()).toEqual(['endless-body', 'evil-names', 'lying-length', 'malformed-header', 'never-answers', 'oversized-packet', 'truncated-packet', 'unsolicited-bytes', 'wrong-connection-id']);
  });

  it('lying Length: the object is refused, the connection stays in step for the next one', async () => {
    const { phone } = hostilePhone('lying-length');
    const error = await readBigPhoto(phone);
    expect(error).toBeInstanceOf(ObexObjectError);
    expect(error.message).toMatch(/came longer than the 150\d\d\d bytes the phone announced/);
    // In step: the next request (an IrMC read on a new connection) works.
    expect((await phone.deviceInfo())?.model).toBe('Feature 100');
    await phone.close();
  });

  it('endless body: stops at the size limit with bounded memory, then goes on', async () => {
    const { phone } = hostilePhone('endless-body', 48 * 1024 * 1024);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    const started = Date.now();
    const error = await readBigPhoto(phone);
    expect(error).toBeInstanceOf(ObexTooLargeError);
    expect(error.message).toMatch(/grew past 50331648 bytes, the most Lifeboat reads of it/);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(40 * 1024 * 1024); // 48 MiB streamed, never held
    expect((await phone.deviceInfo())?.manufacturer).toBe('Lifeboat Mobile');
    await phone.close();
  });

  const lostCases: [ObexHostility, RegExp][] = [
    ['wrong-connection-id', /answered GET "IMG_0002\.jpg" for connection 2, not ours \(1\)/],
    ['truncated-packet', /did not answer GET "IMG_0002\.jpg" within 1 s \(\d+ bytes of a packet came, then nothing\)/],
    ['oversized-packet', /sent a packet of 65535 bytes; Lifeboat allowed 16384 at CONNECT/],
    ['malformed-header', /header 0x48 says it is 65535 bytes long, \d+ more than its packet holds \(answering GET "IMG_0002\.jpg"\)/],
    ['unsolicited-bytes', /sent 3 bytes (nobody asked for|more than one response packet)/],
  ];
  for (const [mode, message] of lostCases) {
    it(`${mode}: the phone counts as lost, with what it did, and stays lost`, async () => {
      const { phone } = hostilePhone(mode);
      const started = Date.now();
      const error = await readBigPhoto(phone);
      expect(error).toBeInstanceOf(SourceLostError);
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/run the same command again/);
      expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 3000);
      await expect(phone.deviceInfo()).rejects.toBe(error);
      await phone.close();
    });
  }

  it('never answers: contacts end with a timeout, not a hang', async () => {
    const { phone } = hostilePhone('never-answers');
    const started = Date.now();
    const read = (async () => {
      for await (const c of phone.contacts()) void c;
    })();
    await expect(read).rejects.toThrow(/did not answer GET "telecom\/pb\.vcf" within 1 s/);
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    await phone.close();
  });

  it('a line where nobody answers at all: CONNECT times out', async () => {
    const [host] = memoryDuplexPair();
    const phone = openObexPhone(host, { responseTimeoutMs: TIMEOUT_MS });
    await expect(mediaOf(phone)).rejects.toThrow(/did not answer CONNECT within 1 s/);
  });

  it('evil names in listings: refused with reasons, never entered, entity bomb never expanded; honest photos still found', async () => {
    const { phone, server } = hostilePhone('evil-names');
    const skipped: string[] = [];
    const started = Date.now();
    const media = await mediaOf(phone, (r) => skipped.push(r));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(media.map((m) => m.path).sort()).toEqual([...fixture.photos.keys()].sort());
    expect(skipped).toEqual(expect.arrayContaining([
      'Pictures/..: refused, its name is ".."',
      'Pictures/../../etc: refused, its name holds a path separator',
      'Pictures/bell?.jpg: refused, its name holds control characters',
      'Pictures/nul?.jpg: refused, its name holds control characters',
      expect.stringMatching(/^Pictures\/x{80}…: refused, its name is 4100 characters long$/),
      'Pictures/(no name): refused, its name uses the entity &lol9; which Lifeboat does not expand',
      'Pictures/(no name): refused, it has no name',
    ]));
    // Entered only honest folders: root → Pictures → Camera, Sounds; each SETPATH down has its way back up.
    expect(server.requestLog.filter((r) => r === 'SETPATH')).toHaveLength(1 + 2 * 3);
    const big = media.find((m) => m.path.endsWith('IMG_0002.jpg'))!;
    expect(await drain(await phone.openMedia(big))).toBe(big.size);
    await phone.close();
  });
});
