import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Contact } from '../../model/contact.ts';
import type { CalendarEvent } from '../../model/event.ts';
import { fileIdOf, mbFileArchive, writeIphoneBackup } from '../../sim/iphone-backup/backup-writer.ts';
import { iphoneDemoCameraRoll, iphoneDemoContacts, iphoneDemoEvents, iphoneDemoSpec } from '../../sim/iphone-backup/iphone-demo-data.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError } from '../errors.ts';
import { aesUnwrap, aesWrap, parseKeybag, unlockKeybag, WrongPasswordError } from './backup-keybag.ts';
import { openIphoneBackup } from './backup-source.ts';
import { makeBackupKeys } from '../../sim/iphone-backup/backup-encryptor.ts';

/** Small iteration counts keep tests fast; real backups use 10,000,000 and 10,000 (the reader takes them from the bag). */
const FAST = { sha256Iterations: 1000, sha1Iterations: 10 };
const PASSWORD = 'correct horse ✓';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-iphone-backup-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function backup(name: string, encrypted: boolean): string {
  const dir = path.join(tmp, name);
  writeIphoneBackup(dir, iphoneDemoSpec(encrypted ? { encryption: { password: PASSWORD, ...FAST } } : {}));
  return dir;
}

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function bytesOf(source: DeviceSource, entry: Parameters<DeviceSource['openMedia']>[0], from = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await source.openMedia(entry, from)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** ContactDate.raw is the text the phone stored (Mac seconds); compared apart. */
const withoutRaw = (contacts: Contact[]) => contacts.map((c) => ({ ...c, dates: c.dates.map(({ raw: _raw, ...d }) => d) }));
const byKey = <T extends { sourceKey: string }>(list: T[]) => [...list].sort((a, b) => a.sourceKey.localeCompare(b.sourceKey));

describe.each([['plain', false], ['encrypted', true]] as const)('a %s backup made by the fixture writer', (name, encrypted) => {
  let dir: string;
  let source: DeviceSource;
  beforeAll(async () => {
    dir = backup(name, encrypted);
    source = await openIphoneBackup(dir, { password: async () => PASSWORD });
  });
  afterAll(() => source.close());

  it('gives the phone from Info.plist, battery unknown', async () => {
    const id = await source.identity();
    expect(id).toMatchObject({ transport: 'iphone-backup', manufacturer: 'Apple', model: 'iPhone 13 Pro', serial: 'F2LDEMO0PHNE', battery: null });
    expect(id.extra).toMatchObject({ deviceName: 'Lena’s iPhone', productType: 'iPhone14,2', iosVersion: '17.5.1', encrypted });
  });

  it('gives back exactly the contacts the writer stored, photos included', async () => {
    const skips: string[] = [];
    const contacts = await all(source.contacts((r) => skips.push(r)));
    expect(skips).toEqual([]);
    expect(withoutRaw(contacts)).toEqual(withoutRaw(iphoneDemoContacts()));
    for (const d of contacts.flatMap((c) => c.dates)) expect(d.raw).toMatch(/^-?\d+(\.\d+)?$/);
    expect(contacts.filter((c) => c.photo).length).toBe(1);
  });

  it('gives back exactly the events the writer stored: recurrence, exception, alarms, zones, all-day', async () => {
    const skips: string[] = [];
    const events = await all(source.calendarEvents((r) => skips.push(r)));
    expect(skips).toEqual([]);
    expect(byKey(events)).toEqual(byKey(iphoneDemoEvents()));
  });

  it('streams every photo and video with its bytes and date, also from any offset', async () => {
    const expected = iphoneDemoCameraRoll();
    const media = await all(source.media());
    expect(media.map((m) => m.path)).toEqual(expected.map((m) => `DCIM/${m.path}`));
    for (const [i, m] of media.entries()) {
      const want = expected[i]!;
      expect(m.size).toBe(want.bytes.length);
      expect(m.mtimeMs).toBe(Math.floor(want.mtimeMs / 1000) * 1000);
      expect((await bytesOf(source, m)).equals(want.bytes)).toBe(true);
      for (const from of [1, 15, 16, 17, 31, 32, want.bytes.length - 1, want.bytes.length]) {
        expect((await bytesOf(source, m, from)).equals(want.bytes.subarray(from)), `${m.path} from ${from}`).toBe(true);
      }
    }
  });
});

describe('encrypted backups', () => {
  it('unwrap with node:crypto as RFC 3394 §4.6 says (256-bit key, 256-bit KEK)', () => {
    const kek = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex');
    const key = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    const wrapped = Buffer.from('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21', 'hex');
    expect(aesWrap(kek, key).equals(wrapped)).toBe(true);
    expect(aesUnwrap(kek, wrapped)?.equals(key)).toBe(true);
    expect(aesUnwrap(Buffer.alloc(32, 1), wrapped)).toBeUndefined();
  });

  it('derive the key as iOS 10.2+ does: PBKDF2-SHA256 (DPSL, DPIC) then PBKDF2-SHA1 (SALT, ITER)', async () => {
    const keys = makeBackupKeys({ password: 'pw', ...FAST });
    const bag = parseKeybag(keys.keybag);
    expect(bag.dpic).toBe(FAST.sha256Iterations);
    expect(bag.iterations).toBe(FAST.sha1Iterations);
    const unlocked = await unlockKeybag(bag, 'pw');
    expect([...unlocked.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    // An independent derivation with the steps written out gives the same class key.
    const first = crypto.pbkdf2Sync('pw', bag.dpsl!, bag.dpic!, 32, 'sha256');
    const passcodeKey = crypto.pbkdf2Sync(first, bag.salt, bag.iterations, 32, 'sha1');
    expect(aesUnwrap(passcodeKey, bag.classKeys.get(3)!.wrappedKey)?.equals(keys.classKeys.get(3)!)).toBe(true);
    expect(unlocked.get(3)?.equals(keys.classKeys.get(3)!)).toBe(true);
  });

  it('say plainly that the password is wrong', async () => {
    const dir = backup('wrong-password', true);
    await expect(openIphoneBackup(dir, { password: async () => 'Correct horse ✓' })).rejects.toThrow(WrongPasswordError);
    await expect(openIphoneBackup(dir, { password: async () => 'nope' })).rejects.toThrow(/password is wrong/);
    await expect(openIphoneBackup(dir)).rejects.toThrow(/encrypted backup: its password is needed/);
  });

  it('refuse a damaged key bag clearly', () => {
    expect(() => parseKeybag(Buffer.from('VERS\0\0\0\x04\0\0\0\x04SALT\0\0\0\xff'))).toThrow(BadInputError);
    expect(() => parseKeybag(Buffer.alloc(0))).toThrow(/no SALT or ITER/);
  });
});

describe('damaged and hostile backups', () => {
  const fresh = (name: string, encrypted = false) => backup(name, encrypted);

  it('a corrupt Manifest.db is a clear BadInputError, for plain and encrypted backups', async () => {
    const garbage = fresh('garbage-manifest');
    fs.writeFileSync(path.join(garbage, 'Manifest.db'), crypto.randomBytes(8192));
    await expect(openIphoneBackup(garbage)).rejects.toThrow(/Manifest\.db.*not an SQLite database/);

    const truncated = fresh('truncated-manifest');
    const db = fs.readFileSync(path.join(truncated, 'Manifest.db'));
    fs.writeFileSync(path.join(truncated, 'Manifest.db'), Buffer.concat([db.subarray(0, 4096), crypto.randomBytes(db.length - 4096)]));
    await expect(openIphoneBackup(truncated)).rejects.toThrow(BadInputError);

    const noFiles = fresh('no-files-table');
    const handle = new Database(path.join(noFiles, 'Manifest.db'));
    handle.exec('DROP TABLE Files');
    handle.close();
    await expect(openIphoneBackup(noFiles)).rejects.toThrow(/no Files table/);

    const enc = fresh('encrypted-garbage', true);
    fs.writeFileSync(path.join(enc, 'Manifest.db'), crypto.randomBytes(8192));
    await expect(openIphoneBackup(enc, { password: async () => PASSWORD })).rejects.toThrow(/Manifest\.db does not decrypt|not an SQLite/);
  });

  it('damaged plists and missing parts are clear errors', async () => {
    const dir = fresh('bad-plist');
    fs.writeFileSync(path.join(dir, 'Manifest.plist'), 'bplist00 this is not a plist at all, just words');
    await expect(openIphoneBackup(dir)).rejects.toThrow(/Manifest\.plist is damaged/);
    await expect(openIphoneBackup(path.join(tmp, 'nowhere'))).rejects.toThrow(/no such folder/);
    const noDb = fresh('no-manifest-db');
    fs.rmSync(path.join(noDb, 'Manifest.db'));
    await expect(openIphoneBackup(noDb)).rejects.toThrow(/no Manifest\.db/);
  });

  it('a damaged AddressBook fails the contacts with a clear error and leaves the rest readable', async () => {
    const dir = fresh('bad-addressbook');
    const id = fileIdOf('HomeDomain', 'Library/AddressBook/AddressBook.sqlitedb');
    fs.writeFileSync(path.join(dir, id.slice(0, 2), id), 'SQLite format 3\0' + 'x'.repeat(5000));
    const source = await openIphoneBackup(dir);
    try {
      await expect(all(source.contacts())).rejects.toThrow(BadInputError);
      expect((await all(source.calendarEvents())).length).toBe(iphoneDemoEvents().length);
    } finally {
      await source.close();
    }
  });

  it('paths with "..", bad fileIDs and symbolic links never lead outside the backup', async () => {
    const dir = fresh('hostile-paths');
    const secret = path.join(tmp, 'secret.jpg');
    fs.writeFileSync(secret, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const db = new Database(path.join(dir, 'Manifest.db'));
    const insert = db.prepare('INSERT INTO Files VALUES (?, ?, ?, 1, ?)');
    const archive = (relativePath: string) => mbFileArchive({ relativePath, size: 7, mtimeMs: 0, mode: 0o100644, inode: 1, protectionClass: 3 });
    insert.run('../../secret.jpg', 'CameraRollDomain', 'Media/DCIM/100APPLE/EVIL1.JPG', archive('x'));
    insert.run(fileIdOf('CameraRollDomain', 'Media/DCIM/../../../secret.jpg'), 'CameraRollDomain', 'Media/DCIM/../../../secret.jpg', archive('x'));
    const linkedId = fileIdOf('CameraRollDomain', 'Media/DCIM/100APPLE/EVIL3.JPG');
    insert.run(linkedId, 'CameraRollDomain', 'Media/DCIM/100APPLE/EVIL3.JPG', archive('x'));
    db.close();
    // The payload of EVIL3 is a symbolic link to a file outside the backup.
    fs.mkdirSync(path.join(dir, linkedId.slice(0, 2)), { recursive: true });
    fs.symlinkSync(secret, path.join(dir, linkedId.slice(0, 2), linkedId));

    const problems: string[] = [];
    const source = await openIphoneBackup(dir, { onProblem: (m) => problems.push(m) });
    try {
      const media = await all(source.media());
      expect(media.map((m) => m.path)).not.toContain('DCIM/100APPLE/EVIL1.JPG');
      expect(media.some((m) => m.path.includes('..'))).toBe(false);
      expect(problems.join('\n')).toMatch(/not 40 hex digits/);
      expect(problems.join('\n')).toMatch(/not a plain path/);
      const evil3 = media.find((m) => m.path === 'DCIM/100APPLE/EVIL3.JPG')!;
      await expect(bytesOf(source, evil3)).rejects.toThrow(/symbolic link/);
      // Asking for a path outside by name finds nothing either.
      await expect(source.openMedia({ path: '../../../secret.jpg', size: 7, mtimeMs: 0 })).rejects.toThrow(/no longer in the backup/);
    } finally {
      await source.close();
    }
  });

  it('a payload folder that is a symbolic link out of the backup is refused', async () => {
    const dir = fresh('linked-folder');
    const id = fileIdOf('CameraRollDomain', 'Media/DCIM/100APPLE/IMG_0001.JPG');
    const outside = path.join(tmp, 'outside-folder');
    fs.mkdirSync(outside, { recursive: true });
    fs.renameSync(path.join(dir, id.slice(0, 2)), path.join(outside, id.slice(0, 2)));
    fs.symlinkSync(path.join(outside, id.slice(0, 2)), path.join(dir, id.slice(0, 2)));
    const source = await openIphoneBackup(dir);
    try {
      const entry = (await all(source.media())).find((m) => m.path === 'DCIM/100APPLE/IMG_0001.JPG')!;
      await expect(bytesOf(source, entry)).rejects.toThrow(/leads outside the backup/);
    } finally {
      await source.close();
    }
  });

  it('never writes into the backup folder, and removes its temporary copies on close', async () => {
    const dir = fresh('untouched', true);
    const listing = () => fs.readdirSync(dir, { recursive: true }).map(String).sort();
    const before = listing();
    const mtimes = before.map((f) => fs.statSync(path.join(dir, f)).mtimeMs);
    const stagingBefore = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('lifeboat-backup-'));
    const source = await openIphoneBackup(dir, { password: async () => PASSWORD });
    await all(source.contacts());
    await all(source.calendarEvents());
    await source.close();
    expect(listing()).toEqual(before);
    expect(before.map((f) => fs.statSync(path.join(dir, f)).mtimeMs)).toEqual(mtimes);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('lifeboat-backup-') && !stagingBefore.includes(n))).toEqual([]);
  });
});
