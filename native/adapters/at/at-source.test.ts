import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Contact } from '../../model/contact.ts';
import type { AtSessionOptions } from '../../protocols/at/at-session.ts';
import { AT_DEMO_IMAGES, writeAtImage, type AtImageSpec } from '../../sim/images/build-demo-at-image.ts';
import type { AtHostileMode } from '../../sim/at/at-hostile.ts';
import { plugInAtPhone } from '../../sim/at/at-simulator.ts';
import { SourceLostError } from '../errors.ts';
import { openAtSource } from './at-source.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-at-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function image(name: string, spec: AtImageSpec): string {
  const dir = path.join(root, name);
  writeAtImage(dir, spec);
  return dir;
}

function variant(base: keyof typeof AT_DEMO_IMAGES, phone: Record<string, unknown>): AtImageSpec {
  // The AT side only (no obex/ folder): these tests are about AT commands.
  const spec = AT_DEMO_IMAGES[base]!;
  return { device: structuredClone(spec.device), phone: { ...structuredClone(spec.phone), ...phone } };
}

async function rescue(dir: string, options: { hostile?: AtHostileMode; session?: AtSessionOptions; dribbleMs?: number; obex?: boolean } = {}) {
  const phone = plugInAtPhone({ imageDir: dir, hostile: options.hostile, dribbleMs: options.dribbleMs });
  const skips: string[] = [];
  const contacts: Contact[] = [];
  try {
    const source = await openAtSource(phone.link, { session: options.session });
    const identity = await source.identity();
    for await (const c of source.contacts((r) => skips.push(r))) contacts.push(c);
    await source.close();
    return { identity, contacts, skips, sent: phone.simulator.received, writes: phone.simulator.refusedWrites };
  } finally {
    await phone.close();
  }
}

const byKey = (contacts: Contact[]) => Object.fromEntries(contacts.map((c) => [c.sourceKey, { name: c.displayName, phones: c.phones.map((p) => p.value) }]));

describe('AT adapter against the feature-phone simulator', () => {
  it('reads identity, battery and every memory in UCS2 (standard phone)', async () => {
    const { identity, contacts, skips, sent, writes } = await rescue(image('standard', AT_DEMO_IMAGES.standard!));
    expect(identity).toMatchObject({ transport: 'at', manufacturer: 'Nokia', model: '2730 classic', serial: '356938035643809', battery: 71 });
    expect(sent).toContain('AT+CSCS="UCS2"');
    expect(byKey(contacts)).toEqual({
      'SM:1': { name: 'Anna Schmidt', phones: ['+4915112345678'] },
      'SM:2': { name: 'Jürgen Müller', phones: ['+49301234567'] },
      'SM:4': { name: 'Zoë Ångström', phones: ['0701234567'] },
      'SM:5': { name: 'Ольга Петрова', phones: ['+74951234567'] },
      'SM:7': { name: '王芳', phones: ['+8613800138000'] },
      'SM:9': { name: 'Voicemail', phones: ['*100#'] },
      'ME:1': { name: 'Dr. Ngozi Okafor', phones: ['+23412345678'] },
      'ME:2': { name: 'Piotr Wiśniewski', phones: ['+48221234567'] },
      'ME:5': { name: 'Søren Kierkegård', phones: ['+4533123456'] },
      'ME:21': { name: 'Ελένη Παπαδοπούλου', phones: ['+302101234567'] },
      'ME:22': { name: "Seán O'Brien", phones: ['0871234567'] },
      'ON:1': { name: 'Own number', phones: ['+4917612345678'] },
      'DC:1': { name: 'Anna Schmidt', phones: ['+4915112345678'] },
      'DC:2': { name: undefined, phones: ['08001234567'] },
    });
    expect(contacts.find((c) => c.sourceKey === 'SM:1')!.notes).toContain('From the SIM card phonebook (SM), entry 1.');
    expect(contacts.find((c) => c.sourceKey === 'SM:1')!.accounts).toEqual([{ type: 'phonebook-memory', name: 'SM' }]);
    expect(skips).toEqual([]);
    expect(writes).toEqual([]);
    // Read in chunks of at most 20 slots, never the whole 500-slot memory at once.
    expect(sent.filter((c) => c.startsWith('AT+CPBR=1,'))).toContain('AT+CPBR=1,20');
  });

  it('decodes the GSM alphabet and its extension table exactly (GSM-only phone)', async () => {
    const { contacts, sent } = await rescue(image('gsm', AT_DEMO_IMAGES.gsm!));
    expect(sent).toContain('AT+CSCS="GSM"');
    expect(contacts.map((c) => c.displayName)).toEqual(['Café [Büro] {Ä}', 'Ñoño ~ \\ ^ | €5', 'Øystein Åsen', 'Nikos ΔΦΓΛΩΠΨΣΘΞ', 'Straße & Söhne']);
  });

  it('reads UTF-8 when the phone has no UCS2', async () => {
    const { contacts, sent } = await rescue(image('utf8', AT_DEMO_IMAGES.utf8!));
    expect(sent).toContain('AT+CSCS="UTF-8"');
    expect(contacts.map((c) => c.displayName)).toContain('Ελένη Παπαδοπούλου');
    expect(contacts.map((c) => c.displayName)).toContain('Zoë Ångström');
  });

  it('reads a Samsung phone memory with +SPBR once +CPBR=? answers ERROR', async () => {
    const { contacts, sent, writes } = await rescue(image('samsung', AT_DEMO_IMAGES.samsung!));
    expect(sent).toContain('AT+SPBR=?');
    expect(sent).toContain('AT+SPBR=1');
    const monica = contacts.find((c) => c.sourceKey === 'ME:1')!;
    expect(monica.name).toEqual({ given: 'Mónica', family: 'García' });
    expect(monica.displayName).toBe('Mónica García');
    expect(monica.phones).toEqual([
      { value: '+34600111222', type: 'mobile', primary: true },
      { value: '+34911222333', type: 'home' },
    ]);
    expect(monica.emails.map((e) => e.value)).toEqual(['monica@example.es']);
    expect(monica.notes).toContain('Madrid office');
    expect(contacts.find((c) => c.sourceKey === 'ME:4')!.phones.map((p) => [p.value, p.type])).toEqual([['+48601234567', 'work'], ['+48221112233', 'fax']]);
    expect(contacts.filter((c) => c.sourceKey.startsWith('SM:'))).toHaveLength(3);
    expect(writes).toEqual([]);
  });

  it('reads Motorola +MPBR and Siemens ^SBNR phone memories', async () => {
    const moto = await rescue(image('motorola', AT_DEMO_IMAGES.motorola!));
    expect(moto.sent).toContain('AT+MPBR=1,20');
    expect(byKey(moto.contacts)['ME:2']).toEqual({ name: 'Rita Alves', phones: ['+351213456789'] });
    const siemens = await rescue(image('siemens', AT_DEMO_IMAGES.siemens!));
    expect(siemens.sent).toContain('AT^SBNR="vcf",0');
    const hannelore = siemens.contacts.find((c) => c.sourceKey === 'ME:0')!;
    expect(hannelore.displayName).toBe('Hannelore Kühn');
    expect(hannelore.phones.map((p) => p.value)).toEqual(['+49891234567']);
  });

  it('copes with odd corners: no range reads, +CME ERROR for empty slots, no memory list, numbers in UCS2, a refused memory', async () => {
    const dir = image(
      'odd',
      variant('standard', {
        quirks: { noRangeReads: true, emptySlot: 'not-found', noMemoryList: true, numbersInCharset: true, cpbrTrailer: ',0,"",,,"00530065","","sip:x@y"', errors: { 'AT+CPBS="ME"': '+CME ERROR: 14' } },
      }),
    );
    const { contacts, skips } = await rescue(dir);
    expect(byKey(contacts)['SM:7']).toEqual({ name: '王芳', phones: ['+8613800138000'] });
    expect(contacts.filter((c) => c.sourceKey.startsWith('SM:'))).toHaveLength(6);
    expect(skips).toEqual(['phone memory phonebook (ME): the phone would not open it (+CME ERROR: 14)']);
    expect(contacts[0]!.notes).toContain('second name: Se');
  });

  it('waits out slow replies', async () => {
    const dir = image('slow', variant('standard', { quirks: { slow: { 'AT+CPBR=1,20': 400, 'AT+CPBS="SM"': 300 } } }));
    const { contacts } = await rescue(dir, { session: { idleTimeoutMs: 1_000 } });
    expect(contacts).toHaveLength(14);
  });
});

describe('AT adapter against hostile phones', () => {
  const dir = image('hostile', AT_DEMO_IMAGES.standard!);
  const tight: AtSessionOptions = { idleTimeoutMs: 300, answerTimeoutMs: 2_000, maxAnswerBytes: 256 * 1024 };
  for (const [mode, message] of [
    ['endless-line', /line longer than/],
    ['endless-answer', /grew past|past .* lines/],
    ['never-answers', /did not answer AT\+CPBS=\?/],
    ['garbage', /line longer than|grew past|past .* lines/],
    ['dribble', /still answering/],
  ] as const) {
    it(`ends by itself with a clear error: ${mode}`, async () => {
      const started = Date.now();
      const error = await rescue(dir, { hostile: mode, session: tight, dribbleMs: 100 }).then(() => undefined, (e: Error) => e);
      expect(error).toBeInstanceOf(SourceLostError);
      expect(error!.message).toMatch(message);
      expect(error!.message).toMatch(/reconnect the phone and run again/);
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  }

  it('keeps the honest entries of a phone with wrong counts and says what it left out', async () => {
    const { contacts, skips } = await rescue(dir, { hostile: 'wrong-counts', session: tight });
    expect(contacts.filter((c) => c.sourceKey.startsWith('SM:'))).toHaveLength(6);
    expect(skips.some((s) => /claims slots 1-1000000; only the first 10000 were read/.test(s))).toBe(true);
    expect(skips.some((s) => /slot 251 does not exist although it claimed slots up to 1000000/.test(s))).toBe(true);
    expect(skips.some((s) => /sent entry \d+ when asked for/.test(s))).toBe(true);
  }, 60_000);
});
