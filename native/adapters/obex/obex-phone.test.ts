import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Opcode, SetPathFlag } from '../../protocols/obex/obex-codes.ts';
import { memoryDuplexPair } from '../../sim/adb/memory-duplex-pair.ts';
import { writeObexFixture } from '../../sim/obex/obex-fixture.ts';
import { attachObexServer, createObexServer } from '../../sim/obex/obex-server.ts';
import { openObexPhone, type ObexPhoneOptions } from './obex-phone.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'obex-phone-'));
const fixture = writeObexFixture(path.join(tmp, 'obex'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** A phone on a memory cable; every packet Lifeboat writes is kept for inspection. */
function plugIn(options: ObexPhoneOptions = {}, serverMax?: number) {
  const [host, phone] = memoryDuplexPair();
  const server = attachObexServer(phone, { rootDir: fixture.dir, ...(serverMax ? { maxPacketLength: serverMax } : {}) });
  const written: Buffer[] = [];
  const write = host.write.bind(host);
  host.write = ((chunk: Buffer, ...rest: never[]) => {
    written.push(Buffer.from(chunk));
    return write(chunk, ...rest);
  }) as typeof host.write;
  return { obex: openObexPhone(host, options), server, written, host };
}

describe('a feature phone over OBEX (IrMC + Folder Browsing) against the simulator', () => {
  it('reads devinfo, the whole phonebook, the calendar and every picture byte for byte', async () => {
    const { obex, server, written } = plugIn();
    expect(await obex.deviceInfo()).toMatchObject({ manufacturer: 'Lifeboat Mobile', model: 'Feature 100', serial: '356938035643809', fields: { 'IRMC-VERSION': '1.1' } });

    const contacts = [];
    for await (const c of obex.contacts()) contacts.push(c);
    expect(contacts.map((c) => c.displayName)).toEqual(['Eero Järvinen', 'Jürgen Müller', 'Siobhán O\'Brien']);
    expect(contacts[0]).toMatchObject({ phones: [{ value: '+358401234567', type: 'mobile', primary: true }, { value: '09 123 456', type: 'home' }], notes: ['Soita ennen\r\nkahdeksaa'] });
    expect(contacts[1]).toMatchObject({ emails: [{ value: 'j.mueller@example.de' }], phones: [{ value: '+49301234567', type: 'work' }] });
    expect(contacts[2]).toMatchObject({ addresses: [{ city: 'Dublin', country: 'Ireland', type: 'home' }], dates: [{ type: 'birthday', year: 1980, month: 3, day: 17 }] });
    // IrMC's per-entry id is the stable key (no UID in phonebooks of this era).
    expect(contacts.map((c) => c.sourceKey)).toEqual(['irmc-luid:000001', 'irmc-luid:000002', 'irmc-luid:000003']);

    const skipped: string[] = [];
    const events = [];
    for await (const e of obex.calendarEvents((r) => skipped.push(r))) events.push(e);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ sourceKey: 'irmc-luid:100001', title: 'Hammaslääkäri', start: { kind: 'instant', utcMillis: Date.UTC(2024, 5, 12, 8, 0, 0) }, reminders: [{ minutes: 15 }] });
    expect(events[1]!.rrule).toEqual(['FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10']);

    const media = [];
    for await (const m of obex.media()) media.push(m);
    expect(media.map((m) => m.path).sort()).toEqual([...fixture.photos.keys()].sort());
    for (const m of media) {
      const expected = fixture.photos.get(m.path)!;
      expect(m.size).toBe(expected.length);
      expect(m.mtimeMs).toBeGreaterThan(0);
      expect((await readAll(await obex.openMedia(m))).equals(expected), m.path).toBe(true);
    }
    const big = media.find((m) => m.path === 'Pictures/Camera/IMG_0002.jpg')!;
    expect((await readAll(await obex.openMedia(big, 123_456))).equals(fixture.photos.get(big.path)!.subarray(123_456))).toBe(true);
    await obex.close();

    // What went on the wire: only allowlisted requests, every SETPATH with "don't create".
    expect(server.requestLog).not.toContain('PUT');
    const requests = written.filter((b) => b.length >= 3);
    expect(requests.length).toBeGreaterThan(20);
    for (const r of requests) {
      expect([Opcode.Connect, Opcode.Disconnect, Opcode.GetFinal, Opcode.SetPath, Opcode.Abort]).toContain(r[0]);
      if (r[0] === Opcode.SetPath) expect(r[3]! & SetPathFlag.DontCreate).toBe(SetPathFlag.DontCreate);
    }
  });

  it('keeps the phone in step when a picture stream is dropped half-way (ABORT), and negotiates small packets', async () => {
    const { obex, server } = plugIn({ maxPacketLength: 255 }, 255);
    const media = [];
    for await (const m of obex.media()) media.push(m);
    const big = media.find((m) => m.path.endsWith('IMG_0002.jpg'))!;
    const stream = await obex.openMedia(big);
    let got = 0;
    for await (const chunk of stream) {
      got += (chunk as Buffer).length;
      if (got > 2000) break; // leaving the loop destroys the stream
    }
    const small = media.find((m) => m.path === 'Pictures/IMG_0001.jpg')!;
    expect((await readAll(await obex.openMedia(small))).equals(fixture.photos.get(small.path)!)).toBe(true);
    expect(server.requestLog).toContain('ABORT');
    await obex.close();
  });

  it('reads whole 16 KiB packets that arrive in 7-byte pieces (a slow serial line)', async () => {
    const [host, phone] = memoryDuplexPair();
    const server = createObexServer({
      rootDir: fixture.dir,
      send: (bytes) => {
        for (let i = 0; i < bytes.length; i += 7) phone.write(Buffer.from(bytes.subarray(i, i + 7)));
      },
    });
    phone.on('data', (chunk: Buffer) => server.receive(chunk));
    const obex = openObexPhone(host, { maxPacketLength: 16 * 1024 });
    const media = [];
    for await (const m of obex.media()) media.push(m);
    const big = media.find((m) => m.path.endsWith('IMG_0002.jpg'))!;
    expect((await readAll(await obex.openMedia(big))).equals(fixture.photos.get(big.path)!)).toBe(true);
    await obex.close();
  });

  it('skips, with the reason, what the phone does not have', async () => {
    const bare = path.join(tmp, 'bare');
    fs.mkdirSync(path.join(bare, 'Pictures'), { recursive: true });
    const [host, phone] = memoryDuplexPair();
    attachObexServer(phone, { rootDir: bare });
    const obex = openObexPhone(host);
    const skipped: string[] = [];
    const contacts = [];
    for await (const c of obex.contacts((r) => skipped.push(r))) contacts.push(c);
    expect(contacts).toEqual([]);
    expect(skipped).toEqual([expect.stringMatching(/the phone offers no telecom\/pb\.vcf .*Not Found/)]);
    expect(await obex.deviceInfo()).toBeUndefined();
    await obex.close();
  });
});
