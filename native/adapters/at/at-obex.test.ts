import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyContact, type Contact } from '../../model/contact.ts';
import { AT_DEMO_IMAGES, writeAtImage } from '../../sim/images/build-demo-at-image.ts';
import { plugInAtPhone } from '../../sim/at/at-simulator.ts';
import type { ByteDuplex } from '../../protocols/at/byte-duplex.ts';
import { obexPhoneHandover } from './at-obex-handover.ts';
import { covers, mergeAtWithVCards } from './at-obex-merge.ts';
import { openAtSource } from './at-source.ts';
import { entryToContact } from './at-contact.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-at-obex-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const image = path.join(root, 'standard');
writeAtImage(image, AT_DEMO_IMAGES.standard!);

const at = (memory: string, index: number, name: string, ...numbers: string[]) =>
  entryToContact({ index, name, numbers: numbers.map((number) => ({ number, kind: 'other' })), emails: [], notes: [] }, memory);
const card = (key: string, fill: (c: Contact) => void) => {
  const c = emptyContact(key);
  fill(c);
  return c;
};

describe('merging the AT phonebook with the IrMC vCards', () => {
  const okafor = card('irmc-luid:1', (c) => {
    c.displayName = 'Dr. Ngozi Okafor';
    c.name = { given: 'Ngozi', family: 'Okafor', prefix: 'Dr.' };
    c.phones.push({ value: '+234 1234-5678', type: 'mobile' }, { value: '+23418765432', type: 'work' });
  });

  it('folds an entry into the vCard that holds its name and every number, and says where it lived', () => {
    const merged = mergeAtWithVCards([at('ME', 1, 'Dr. Ngozi Okafor', '+23412345678')], [okafor]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.sourceKey).toBe('irmc-luid:1');
    expect(merged[0]!.notes).toEqual(['Also in the phone memory phonebook (ME), entry 1.']);
    expect(merged[0]!.accounts).toEqual([{ type: 'phonebook-memory', name: 'ME' }]);
    expect(okafor.notes).toEqual([]); // the input is not changed
  });

  it('takes a SIM name cut short, "family given", and an entry without a name', () => {
    expect(covers(okafor, at('SM', 1, 'Dr. Ngozi Oka', '+23412345678'))).toBe(true);
    expect(covers(okafor, at('SM', 2, 'okafor  ngozi', '+23418765432'))).toBe(true);
    expect(covers(okafor, at('DC', 1, '', '+23412345678'))).toBe(true);
  });

  it('keeps an entry whose number, name, e-mail or note the vCard lacks: nothing is lost', () => {
    expect(covers(okafor, at('ME', 1, 'Dr. Ngozi Okafor', '+23412345678', '+2349999'))).toBe(false);
    expect(covers(okafor, at('ME', 1, 'Ngozi Adeyemi', '+23412345678'))).toBe(false);
    expect(covers(okafor, at('ME', 1, 'Dr. Ngozi Okafor', '023412345678'))).toBe(false);
    const withMail = at('ME', 1, 'Dr. Ngozi Okafor', '+23412345678');
    withMail.emails.push({ value: 'n@example.ng', type: 'other' });
    expect(covers(okafor, withMail)).toBe(false);
    const withNote = at('ME', 1, 'Dr. Ngozi Okafor', '+23412345678');
    withNote.notes.unshift('gate code 1234');
    expect(covers(okafor, withNote)).toBe(false);
    const noNumber = at('ME', 1, 'Dr. Ngozi Okafor');
    expect(covers(okafor, noNumber)).toBe(false);
    const merged = mergeAtWithVCards([withMail, at('SM', 3, 'Dr. Ngozi Okafor', '+23412345678')], [okafor]);
    expect(merged.map((c) => c.sourceKey)).toEqual(['ME:1', 'irmc-luid:1']);
  });
});

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

describe('the AT adapter hands the line to OBEX (simulated demo phone)', () => {
  it('reads the AT phonebook, then pb.vcf and cal.vcs over IrMC and the pictures over Folder Browsing, switching with AT+CPROT=0 each time', async () => {
    const phone = plugInAtPhone({ imageDir: image });
    const source = await openAtSource(phone.link, { obexHandover: obexPhoneHandover() });
    expect(source.offersObex).toBe(true);
    const skips: string[] = [];
    const contacts: Contact[] = [];
    for await (const c of source.contacts((r) => skips.push(r))) contacts.push(c);
    expect(contacts).toHaveLength(16);
    expect(contacts.filter((c) => c.sourceKey.startsWith('irmc-luid:'))).toHaveLength(6);
    expect(contacts.map((c) => c.sourceKey)).not.toContain('ME:1');
    expect(contacts.map((c) => c.sourceKey)).toContain('ME:21');
    const events = [];
    for await (const e of source.calendarEvents((r) => skips.push(r))) events.push(e);
    expect(events.map((e) => e.title)).toEqual(['Zahnarzt Dr. Müller', 'Kaffee mit Ελένη', '花見 (hanami)']);
    const media = [];
    for await (const m of source.media()) media.push(m);
    expect(media.map((m) => m.path).sort()).toEqual(['Pictures/Camera/Kesä 2009.jpg', 'Pictures/Image000.jpg', 'Pictures/Image001.jpg']);
    // Two streams at once, as the rescue reads them: each gets its own file, whole.
    const [a, b] = await Promise.all(media.slice(0, 2).map(async (m) => readAll(await source.openMedia(m))));
    for (const [i, bytes] of [a!, b!].entries()) expect(bytes.equals(fs.readFileSync(path.join(image, 'obex', media[i]!.path)))).toBe(true);
    const big = media.find((m) => m.path.endsWith('Kesä 2009.jpg'))!;
    const tail = await readAll(await source.openMedia(big, 100_000));
    expect(tail.equals(fs.readFileSync(path.join(image, 'obex', big.path)).subarray(100_000))).toBe(true);
    expect(skips).toEqual([]);
    await source.close();

    const sim = phone.simulator;
    expect(sim.received.filter((c) => c === 'AT+CPROT=0')).toHaveLength(2); // IrMC, then Folder Browsing
    expect(sim.obexSessions).toEqual({ entered: 2, leftBy: ['OBEX DISCONNECT', 'OBEX DISCONNECT'] });
    expect(sim.inObex).toBe(false); // back to AT commands after the last DISCONNECT
    expect(sim.refusedWrites).toEqual([]);
    await phone.close();
  });

  it('a phone without an obex/ folder answers AT+CPROT=? with ERROR, and the source reads only its phonebook', async () => {
    const plain = path.join(root, 'plain');
    const spec = AT_DEMO_IMAGES.standard!;
    writeAtImage(plain, { device: spec.device, phone: spec.phone });
    const phone = plugInAtPhone({ imageDir: plain });
    const source = await openAtSource(phone.link, { obexHandover: obexPhoneHandover() });
    expect(source.offersObex).toBe(false);
    const contacts = [];
    for await (const c of source.contacts()) contacts.push(c);
    expect(contacts).toHaveLength(14);
    const events = [];
    for await (const e of source.calendarEvents()) events.push(e);
    expect(events).toEqual([]);
    await source.close();
    expect(phone.simulator.received).not.toContain('AT+CPROT=0');
    await phone.close();
  });

  it('the simulated phone: obexftp\'s probe, ATZ, vendor forms, and "AT" after a host left in OBEX mode', async () => {
    const phone = plugInAtPhone({ imageDir: image });
    const heard: Buffer[] = [];
    phone.link.onData((bytes) => heard.push(Buffer.from(bytes)));
    const say = async (bytes: Buffer | string) => {
      heard.length = 0;
      await phone.link.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
      await new Promise((r) => setTimeout(r, 30));
      return Buffer.concat(heard);
    };
    // obexftp 0.24 takes an answer whose last byte equals its length for OBEX: the echo keeps it apart.
    const probe = await say(Buffer.from([0xff, 0x00, 0x08, 0xcb, 0x41, 0x54, 0x5a, 0x0d]));
    expect(probe.subarray(0, 8)).toEqual(Buffer.from([0xff, 0x00, 0x08, 0xcb, 0x41, 0x54, 0x5a, 0x0d]));
    expect(probe.subarray(8).toString('latin1')).toBe('\r\nOK\r\n');
    expect(probe.at(-1)).not.toBe(probe.length);
    expect((await say('AT+CPROT=?\r')).toString('latin1')).toContain('+CPROT: (0)');
    expect((await say('AT+CPROT=0\r')).toString('latin1')).toMatch(/CONNECT\r\n$/);
    expect(phone.simulator.inObex).toBe(true);
    // An OBEX CONNECT, half of it, then the host goes away; a new one types AT.
    const partial = Buffer.from([0x80, 0x00, 0x07, 0x10]);
    await say(partial);
    expect(phone.simulator.inObex).toBe(true); // mid-packet: "AT" here would be packet bytes
    await say(Buffer.from([0x00, 0x20, 0x00]));
    expect((await say('AT\r')).toString('latin1')).toMatch(/OK\r\n$/);
    expect(phone.simulator.inObex).toBe(false);
    expect(phone.simulator.obexSessions.leftBy).toEqual(['AT command text where an OBEX request should start']);
    await phone.close();
  });
});

/** The line as the adapter sees it, except that closing it leaves the phone plugged in (to ask it something afterwards). */
function keptOpen(link: ByteDuplex): ByteDuplex {
  return { write: (b) => link.write(b), onData: (l) => link.onData(l), onEnd: (l) => link.onEnd(l), close: async () => undefined };
}

const SWITCHES = ['AT+CPROT=0', 'AT+MODE=22', 'AT^SQWE=3'];
const GUARD_MS = 40;

describe('each flavour switches to OBEX its own way, asked and not guessed', () => {
  const cases = [
    { flavour: 'standard', asked: ['AT+CPROT=?'], switch: 'AT+CPROT=0', leftBy: 'OBEX DISCONNECT' },
    { flavour: 'samsung', asked: ['AT+CPROT=?'], switch: 'AT+CPROT=0', leftBy: 'OBEX DISCONNECT' },
    { flavour: 'motorola', asked: ['AT+CPROT=?', 'AT+MODE=?'], switch: 'AT+MODE=22', leftBy: 'OBEX DISCONNECT' },
    { flavour: 'siemens', asked: ['AT+CPROT=?', 'AT+MODE=?', 'AT^SQWE=?'], switch: 'AT^SQWE=3', leftBy: 'escape "+++"' },
  ];
  for (const c of cases) {
    it(`${c.flavour}: ${c.switch}; calendar and pictures come over OBEX, and the phone is in AT commands afterwards`, async () => {
      const dir = path.join(root, `switch-${c.flavour}`);
      writeAtImage(dir, { ...AT_DEMO_IMAGES[c.flavour]!, obex: AT_DEMO_IMAGES.standard!.obex });
      const phone = plugInAtPhone({ imageDir: dir, escapeGuardMs: GUARD_MS });
      const sim = phone.simulator;
      const source = await openAtSource(keptOpen(phone.link), { obexHandover: obexPhoneHandover(), obexEscapeGuardMs: GUARD_MS });
      expect(source.offersObex).toBe(true);
      expect(source.obexSwitch).toBe(c.switch);
      // Asked in order, and only as far as needed: the first form the phone lists is the one used.
      expect(sim.received.filter((cmd) => /^AT(\+CPROT|\+MODE|\^SQWE)=\?$/.test(cmd))).toEqual(c.asked);

      const skips: string[] = [];
      const contacts: Contact[] = [];
      for await (const contact of source.contacts((r) => skips.push(r))) contacts.push(contact);
      expect(contacts.filter((x) => x.sourceKey.startsWith('irmc-luid:')).length).toBeGreaterThan(0); // pb.vcf over IrMC
      expect(contacts.some((x) => /^(SM|ME):/.test(x.sourceKey) || x.accounts.some((a) => a.type === 'phonebook-memory'))).toBe(true); // and the AT phonebook
      const events = [];
      for await (const e of source.calendarEvents((r) => skips.push(r))) events.push(e);
      expect(events.map((e) => e.title)).toEqual(['Zahnarzt Dr. Müller', 'Kaffee mit Ελένη', '花見 (hanami)']);
      const media = [];
      for await (const m of source.media()) media.push(m);
      expect(media.map((m) => m.path).sort()).toEqual(['Pictures/Camera/Kesä 2009.jpg', 'Pictures/Image000.jpg', 'Pictures/Image001.jpg']);
      const picture = media.find((m) => m.path === 'Pictures/Image000.jpg')!;
      expect((await readAll(await source.openMedia(picture))).equals(fs.readFileSync(path.join(dir, 'obex', picture.path)))).toBe(true);
      expect(skips).toEqual([]);
      await source.close();

      // The phone's own switch, once for IrMC and once for Folder Browsing; no other form was tried.
      expect(sim.received.filter((cmd) => SWITCHES.includes(cmd))).toEqual([c.switch, c.switch]);
      // Each OBEX session ended the flavour's way (DISCONNECT, or Siemens' escape after it), not by a guess of ours.
      expect(sim.obexSessions).toEqual({ entered: 2, leftBy: [c.leftBy, c.leftBy] });
      expect(sim.inObex).toBe(false);
      // And the line answers AT commands: the phone is ready for the next program.
      const heard: Buffer[] = [];
      phone.link.onData((b) => heard.push(Buffer.from(b)));
      await phone.link.write(Buffer.from('AT+CGMI\r', 'latin1'));
      await new Promise((r) => setTimeout(r, 50));
      expect(Buffer.concat(heard).toString('latin1')).toContain(`${AT_DEMO_IMAGES[c.flavour]!.device.manufacturer as string}\r\n\r\nOK\r\n`);
      expect(sim.obexSessions.leftBy).toHaveLength(2);
      expect(sim.refusedWrites).toEqual([]);
      await phone.close();
    });
  }

  it('a Siemens phone stays in OBEX after DISCONNECT until "+++" comes alone, with quiet before and after', async () => {
    const dir = path.join(root, 'switch-siemens');
    const inObexAfterDisconnect = async () => {
      const phone = plugInAtPhone({ imageDir: dir, escapeGuardMs: GUARD_MS });
      const heard: Buffer[] = [];
      phone.link.onData((b) => heard.push(Buffer.from(b)));
      const say = async (bytes: Buffer | string, waitMs = 20) => {
        heard.length = 0;
        await phone.link.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
        await new Promise((r) => setTimeout(r, waitMs));
        return Buffer.concat(heard).toString('latin1');
      };
      expect(await say('AT+CPROT=?\r')).toMatch(/ERROR\r\n$/);
      expect(await say('AT^SQWE=?\r')).toContain('^SQWE: (0-3)');
      expect(await say('AT^SQWE=3\r')).toMatch(/OK\r\n$/);
      expect(phone.simulator.inObex).toBe(true);
      await say(Buffer.from([0x80, 0x00, 0x07, 0x10, 0x00, 0x20, 0x00])); // CONNECT
      await say(Buffer.from([0x81, 0x00, 0x03])); // DISCONNECT
      expect(phone.simulator.inObex).toBe(true);
      return { phone, say };
    };

    // "+++" in the same breath as other bytes is OBEX data, not the escape.
    const hurried = await inObexAfterDisconnect();
    expect(await hurried.say(Buffer.concat([Buffer.from([0x81, 0x00, 0x03]), Buffer.from('+++')]), GUARD_MS * 3)).not.toContain('OK');
    expect(hurried.phone.simulator.inObex).toBe(true);
    await hurried.phone.close();

    // After quiet: held for the guard time (no answer yet), then OK, in AT commands.
    const patient = await inObexAfterDisconnect();
    await new Promise((r) => setTimeout(r, GUARD_MS * 2));
    expect(await patient.say('+++', GUARD_MS / 4)).toBe('');
    expect(patient.phone.simulator.inObex).toBe(true);
    await new Promise((r) => setTimeout(r, GUARD_MS * 2));
    expect(patient.phone.simulator.inObex).toBe(false);
    expect(await patient.say('AT\r')).toMatch(/OK\r\n$/);
    expect(patient.phone.simulator.obexSessions.leftBy).toEqual(['escape "+++"']);
    await patient.phone.close();
  });
});
