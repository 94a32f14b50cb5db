import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPhoneImage } from '../api/test-phone-image.ts';
import { openSource } from '../cli/open-source.ts';
import { verifyBag } from '../export/verify-bag.ts';
import { demoContacts, demoEvents } from '../sim/images/demo-data.ts';
import { readSealedFile, SealBrokenError } from '../vault/sealed-chunks.ts';
import { SessionKey } from '../vault/session-key.ts';
import { Vault } from '../vault/vault.ts';
import { verifyAuditLog } from './audit-log.ts';
import type { HolderProbe } from './holders-check.ts';
import { StoreDesk } from './store-desk.ts';
import { RECEIPT_FILE, type OpenPhone, type StoreSession } from './store-session.ts';

/**
 * Store mode end to end at the engine level: two customers' phones (the ADB simulator behind
 * virtual USB devices, read by the real adapter) rescued at the same time into sealed sessions,
 * one of them through a pulled cable and a resume, then handed off, with every byte the sessions
 * wrote scanned for what the phones hold.
 */
let dir: string;
let imageA: string;
let imageB: string;
const quietProbe: HolderProbe = { platform: 'linux', listProcesses: async () => [], listening: async () => false };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-store-'));
  // A temporary folder of this test file's own (each test file runs in its own process), so that
  // whatever lands in "the" temporary folder while the sessions run can be scanned too.
  process.env.TMPDIR = path.join(dir, 'tmp');
  fs.mkdirSync(process.env.TMPDIR);
  imageA = await makeTestPhoneImage(path.join(dir, 'phone-a'), { serial: 'CUSTA0001XYZ', model: 'Pixel 7', photos: 3, photoEdge: 600 });
  imageB = await makeTestPhoneImage(path.join(dir, 'phone-b'), { serial: 'CUSTB0002QRS', model: 'Pixel 8', photos: 2, photoEdge: 500 });
}, 60_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function allFiles(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(root, e.name);
    return e.isDirectory() ? allFiles(p) : e.isFile() ? [p] : [];
  });
}

/**
 * What the phones hold, as byte strings to look for: names, numbers, e-mail addresses, event
 * titles and places, serial numbers, file names, EXIF strings, and runs of photo bytes.
 */
function knownPlaintext(): { label: string; bytes: Buffer }[] {
  const needles: { label: string; bytes: Buffer }[] = [];
  const text = (label: string, s: string | undefined) => {
    if (s && s.length >= 5) needles.push({ label, bytes: Buffer.from(s, 'utf8') });
  };
  for (const c of demoContacts()) {
    text('contact name', c.displayName);
    for (const p of c.phones) text('phone number', p.value);
    for (const e of c.emails) text('e-mail', e.value);
    for (const a of c.addresses) text('street', a.street);
  }
  for (const e of demoEvents()) {
    text('event title', e.title);
    text('event place', e.location);
  }
  text('serial', 'CUSTA0001XYZ');
  text('serial', 'CUSTB0002QRS');
  text('EXIF model', 'SM-G991B');
  text('EXIF time', '2024:03:14 09:30:12');
  text('file name', 'PXL_20240314_083012345');
  for (const image of [imageA, imageB]) {
    for (const file of allFiles(path.join(image, 'storage'))) {
      if (!/\.(jpe?g|png|mp4)$/i.test(file)) continue;
      const bytes = fs.readFileSync(file);
      // Runs from across the file (past the first 600 bytes: JPEG headers are alike in every photo).
      for (let at = Math.min(600, bytes.length - 24); at + 24 <= bytes.length; at += Math.max(24, Math.floor(bytes.length / 12))) {
        needles.push({ label: `bytes of ${path.basename(file)} at ${at}`, bytes: bytes.subarray(at, at + 24) });
      }
    }
  }
  return needles;
}

function scan(roots: string[], needles: { label: string; bytes: Buffer }[]): string[] {
  const hits: string[] = [];
  for (const root of roots) {
    for (const file of allFiles(root)) {
      const bytes = fs.readFileSync(file);
      for (const n of needles) if (bytes.includes(n.bytes)) hits.push(`${file}: ${n.label}`);
    }
  }
  return hits;
}

function phone(image: string, faults: { unplugAfterBytes?: number } = {}): OpenPhone {
  return (hooks) => openSource({ sim: image, ...faults, onWaitingForOwner: () => hooks.waitingForAllow() });
}

describe('store mode: two customers at once', () => {
  it('rescues both into sealed sessions, hands both off, destroys both keys, and leaves nothing readable', async () => {
    const root = path.join(dir, 'store');
    const desk = new StoreDesk({ root, probe: quietProbe });
    desk.addStaff('alice', '4711');
    desk.addStaff('bob', '0815');
    desk.signIn('alice', '4711');
    expect(() => desk.signIn('bob', '9999')).toThrow(/wrong PIN/);
    const states = new Map<string, string[]>();
    desk.onChange((s) => {
      const seen = states.get(s.sessionId) ?? [];
      if (seen[seen.length - 1] !== s.state) seen.push(s.state);
      states.set(s.sessionId, seen);
    });
    expect(await desk.checkHolders()).toEqual([]);

    const a = await desk.startSession({ staffId: 'alice', categories: ['contacts', 'calendar', 'photos'] });
    const b = await desk.startSession({ staffId: 'bob', categories: ['contacts', 'calendar', 'photos'] });
    expect(a.id).not.toBe(b.id);
    // At once: A's cable is pulled half-way through its photos.
    await Promise.all([a.rescue(phone(imageA, { unplugAfterBytes: 250_000 }), 'sim:A'), b.rescue(phone(imageB), 'sim:B')]);
    expect(a.state).toBe('interrupted');
    expect(a.info().problem?.code).toBe('phone-lost');
    expect(b.state).toBe('ready-for-handoff');

    const needles = knownPlaintext();
    expect(needles.length).toBeGreaterThan(60);
    // The scanner finds them where they are in plain form (the phones' own folders).
    expect(scan([imageA], needles).length).toBeGreaterThan(40);
    // A half-rescued session (with sealed partials of the cut photo) holds none of them.
    expect(allFiles(a.dir).some((f) => f.includes(`${path.sep}partial${path.sep}`))).toBe(true);
    expect(os.tmpdir()).toBe(path.join(dir, 'tmp'));
    expect(scan([root, os.tmpdir()], needles)).toEqual([]);

    await a.rescue(phone(imageA), 'sim:A');
    expect(a.state).toBe('ready-for-handoff');
    for (const s of [a, b]) {
      expect(s.counts().contacts).toBeGreaterThan(5);
      expect(s.counts().events).toBeGreaterThan(3);
      expect(s.counts().photos).toBeGreaterThan(5);
    }
    expect(states.get(a.id)).toEqual(expect.arrayContaining(['connecting', 'running', 'interrupted', 'ready-for-handoff']));

    // Everything both sessions wrote, before handoff: the store folder (sessions, staff, audit,
    // install secret) and a copy of each session folder taken now.
    const copies = path.join(dir, 'copies');
    for (const s of [a, b]) fs.cpSync(s.dir, path.join(copies, s.id), { recursive: true });
    expect(allFiles(copies).length).toBeGreaterThan(10);
    expect(scan([root, copies, os.tmpdir()], needles)).toEqual([]);
    // The simulated phones' own scratch copies of their databases (the phone's side, in this
    // process) are gone with the phones; nothing else was put in the temporary folder.
    expect(allFiles(os.tmpdir())).toEqual([]);
    expect(allFiles(root).some((f) => /catalog|\.db$|-wal$|-journal$/.test(f))).toBe(false);

    // Contents only with the customer present, and recorded.
    expect(() => b.openPreview('bob', 'contacts', false)).toThrow(/customer/);
    expect(() => b.previewContacts(undefined, 0, 10)).toThrow(/preview is not open/);
    b.openPreview('bob', 'contacts', true);
    expect(b.previewContacts(undefined, 0, 100).rows.map((r) => r.name)).toContain('Dr. Anna Maria Schmidt');
    expect(() => b.previewPhotos(0, 10)).toThrow(/preview is not open/);
    b.closePreview('bob');

    // Both handed off at once, each to its customer's medium (which already holds other files).
    const mediumA = path.join(dir, 'usb-a');
    const mediumB = path.join(dir, 'usb-b');
    fs.mkdirSync(mediumB, { recursive: true });
    fs.writeFileSync(path.join(mediumB, 'holiday.txt'), 'the customer\'s own file');
    const [ra, rb] = await Promise.all([a.handoff(mediumA), b.handoff(mediumB)]);
    for (const [s, r] of [
      [a, ra],
      [b, rb],
    ] as const) {
      expect(s.state).toBe('handed-off');
      expect(fs.existsSync(s.dir)).toBe(false);
      expect(await verifyBag(r.bagFolder!)).toEqual([]);
      const manifest = fs.readFileSync(path.join(r.bagFolder!, 'manifest-sha256.txt'));
      expect(r.manifestSha256).toBe(createHash('sha256').update(manifest).digest('hex'));
      const printed = fs.readFileSync(path.join(r.bagFolder!, RECEIPT_FILE), 'utf8');
      expect(printed).toBe(r.text);
      for (const want of [s.id, s.staffId, r.manifestSha256!, r.keyDestroyedAt, `Contacts:         ${r.counts.contacts}`, r.auditReference]) {
        expect(printed).toContain(want);
      }
      expect(r.counts.photos).toBe(s.id === a.id ? rb.counts.photos + 1 : ra.counts.photos - 1);
      // The bag holds the plaintext: the needles were real.
      expect(scan([r.bagFolder!], needles).length).toBeGreaterThan(20);
    }
    // What could not be transferred, and why (contact photos do not come over ADB; the decoy file).
    expect(ra.notTransferred.length).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(mediumB, 'holiday.txt'), 'utf8')).toBe('the customer\'s own file');

    // The copies taken before handoff cannot be read back: the key is gone.
    await expect(Vault.open(path.join(copies, a.id, 'vault'), { create: false })).rejects.toThrow(/sealed store-mode session folder/);
    const sealedFiles = allFiles(copies).filter((f) => f.includes(`${path.sep}blobs${path.sep}`));
    expect(sealedFiles.length).toBeGreaterThan(10);
    const stranger = SessionKey.create();
    for (const file of sealedFiles) {
      await expect(
        (async () => {
          for await (const _ of readSealedFile(file, stranger)) void _;
        })(),
      ).rejects.toBeInstanceOf(SealBrokenError);
    }
    // Nothing of either customer is left in the store folder.
    expect(fs.readdirSync(desk.folder.sessionsDir)).toEqual([]);
    expect(scan([root], needles)).toEqual([]);

    // The audit log: metadata only, chained, and it tells the story.
    const audit = verifyAuditLog(desk.folder.auditFile);
    expect(audit.ok).toBe(true);
    const lines = fs.readFileSync(desk.folder.auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown>; hash: string });
    const events = (id: string) => lines.filter((l) => l.data.session === id).map((l) => l.event);
    expect(events(a.id)).toEqual(['session-started', 'phone-identified', 'rescue-finished', 'rescue-finished', 'handoff-verified', 'key-destroyed', 'session-ended']);
    expect(events(b.id)).toEqual(['session-started', 'phone-identified', 'rescue-finished', 'preview-opened', 'preview-closed', 'handoff-verified', 'key-destroyed', 'session-ended']);
    const identified = lines.find((l) => l.event === 'phone-identified' && l.data.session === a.id)!;
    expect(identified.data).toMatchObject({ make: 'Google', model: 'Pixel 7', transport: 'adb' });
    expect(identified.data.serialHash).toMatch(/^[0-9a-f]{32}$/);
    expect(lines.find((l) => l.event === 'session-ended' && l.data.session === a.id)!.hash).toBe(ra.auditReference);
    await desk.close();
  }, 120_000);

  it('abandons a session: no export, key destroyed, files removed, "no data retained"', async () => {
    const root = path.join(dir, 'store-abandon');
    const desk = new StoreDesk({ root, probe: quietProbe });
    desk.addStaff('carol', '2468');
    const session: StoreSession = await desk.startSession({ staffId: 'carol', categories: ['contacts', 'photos'] });
    await session.rescue(phone(imageB), 'sim:B');
    expect(session.counts().contacts).toBeGreaterThan(0);
    const receipt = await session.abandon('the customer changed their mind');
    expect(session.state).toBe('abandoned');
    expect(receipt.manifestSha256).toBeNull();
    expect(receipt.text).toContain('no data retained');
    expect(receipt.text).toContain(receipt.keyDestroyedAt);
    expect(fs.existsSync(session.dir)).toBe(false);
    await expect(session.handoff(path.join(dir, 'late'))).rejects.toThrow(/abandoned/);
    expect(() => session.openPreview('carol', 'photos', true)).toThrow(/ended/);
    expect(verifyAuditLog(desk.folder.auditFile).ok).toBe(true);
  }, 60_000);

  it('sweeps the folder a crashed process left (its key died with it) and says so in the audit log', async () => {
    const root = path.join(dir, 'store-crash');
    const desk = new StoreDesk({ root, probe: quietProbe });
    const left = path.join(desk.folder.sessionsDir, 's-20260101-deadbeef');
    fs.mkdirSync(path.join(left, 'vault', 'blobs'), { recursive: true });
    fs.writeFileSync(path.join(left, 'owner.pid'), '999999999');
    new StoreDesk({ root, probe: quietProbe });
    expect(fs.existsSync(left)).toBe(false);
    const last = fs.readFileSync(desk.folder.auditFile, 'utf8').trim().split('\n').pop()!;
    expect(JSON.parse(last)).toMatchObject({ event: 'session-ended', data: { session: 's-20260101-deadbeef', outcome: 'abandoned' } });
  });
});
