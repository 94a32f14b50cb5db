import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Contact } from '../../model/contact.ts';
import type { CalendarEvent } from '../../model/event.ts';
import { PlistUid, type PlistDict, type PlistValue } from '../../readers/ios-plist.ts';
import { writeIosAddressBook } from './addressbook-writer.ts';
import { encryptFile, makeBackupKeys, type BackupKeys, type EncryptionOptions } from './backup-encryptor.ts';
import { writeIosCalendar } from './calendar-writer.ts';
import { writeBinaryPlist, writeXmlPlist } from './plist-writer.ts';

/**
 * Writes an iTunes/Finder backup folder (the iOS 10+ layout) for fixtures and demos:
 *
 *   Info.plist      XML, who the phone is (iTunes writes it; IMEI and phone number left out)
 *   Manifest.plist  binary: Lockdown, IsEncrypted, and for encrypted backups BackupKeyBag + ManifestKey
 *   Status.plist    binary: SnapshotState "finished", Version "3.3"
 *   Manifest.db     Files(fileID, domain, relativePath, flags, file = NSKeyedArchiver MBFile), Properties
 *   xx/<fileID>     each file's bytes, fileID = SHA1(domain + "-" + relativePath)
 *
 * With `encryption`, Manifest.db and every payload are AES-256-CBC encrypted (see backup-encryptor.ts).
 */
export interface BackupDevice {
  deviceName: string;
  productName: string;
  productType: string;
  productVersion: string;
  buildVersion: string;
  serialNumber: string;
  udid: string;
}

export interface BackupFile {
  domain: string;
  relativePath: string;
  bytes: Buffer;
  /** UTC milliseconds. */
  mtimeMs: number;
  protectionClass?: number;
}

export interface BackupSpec {
  device: BackupDevice;
  contacts?: Contact[];
  events?: CalendarEvent[];
  /** Camera roll files, with paths under Media/DCIM (e.g. "100APPLE/IMG_0001.JPG"). */
  cameraRoll?: { path: string; bytes: Buffer; mtimeMs: number }[];
  /** Anything else, as it is (tests use it for hostile rows and other domains). */
  extraFiles?: BackupFile[];
  encryption?: EncryptionOptions;
  /** When the backup was made; fixed by tests for reproducible output. */
  date?: Date;
}

export function fileIdOf(domain: string, relativePath: string): string {
  return crypto.createHash('sha1').update(`${domain}-${relativePath}`).digest('hex');
}

export function writeIphoneBackup(dir: string, spec: BackupSpec): { files: number } {
  fs.mkdirSync(dir, { recursive: true });
  if (fs.readdirSync(dir).length > 0) throw new Error(`writeIphoneBackup: ${dir} is not empty`);
  const date = spec.date ?? new Date();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-backup-writer-'));
  try {
    const files: BackupFile[] = [];
    const mtimeMs = date.getTime();
    if (spec.contacts) {
      const book = path.join(work, 'AddressBook.sqlitedb');
      const images = path.join(work, 'AddressBookImages.sqlitedb');
      writeIosAddressBook(book, images, spec.contacts);
      files.push({ domain: 'HomeDomain', relativePath: 'Library/AddressBook/AddressBook.sqlitedb', bytes: fs.readFileSync(book), mtimeMs, protectionClass: 3 });
      files.push({ domain: 'HomeDomain', relativePath: 'Library/AddressBook/AddressBookImages.sqlitedb', bytes: fs.readFileSync(images), mtimeMs, protectionClass: 3 });
    }
    if (spec.events) {
      const calendar = path.join(work, 'Calendar.sqlitedb');
      writeIosCalendar(calendar, spec.events);
      files.push({ domain: 'HomeDomain', relativePath: 'Library/Calendar/Calendar.sqlitedb', bytes: fs.readFileSync(calendar), mtimeMs, protectionClass: 3 });
    }
    for (const m of spec.cameraRoll ?? []) {
      files.push({ domain: 'CameraRollDomain', relativePath: `Media/DCIM/${m.path}`, bytes: m.bytes, mtimeMs: m.mtimeMs, protectionClass: 3 });
    }
    files.push(...(spec.extraFiles ?? []));

    const keys = spec.encryption ? makeBackupKeys(spec.encryption) : undefined;
    const manifestDb = path.join(work, 'Manifest.db');
    writeManifestDb(manifestDb, files, keys);
    for (const f of files) {
      const id = fileIdOf(f.domain, f.relativePath);
      const target = path.join(dir, id.slice(0, 2), id);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, keys ? encryptFile(keyOf(f, keys).plainKey, f.bytes) : f.bytes);
    }

    let manifestKey: Buffer | undefined;
    if (keys) {
      const key = crypto.randomBytes(32);
      manifestKey = keys.wrapForClass(4, key);
      fs.writeFileSync(path.join(dir, 'Manifest.db'), encryptFile(key, fs.readFileSync(manifestDb)));
    } else {
      fs.copyFileSync(manifestDb, path.join(dir, 'Manifest.db'));
    }

    const d = spec.device;
    fs.writeFileSync(path.join(dir, 'Info.plist'), writeXmlPlist({
      'Build Version': d.buildVersion,
      'Device Name': d.deviceName,
      'Display Name': d.deviceName,
      GUID: crypto.createHash('md5').update(d.udid).digest('hex').toUpperCase(),
      'Installed Applications': [],
      'Last Backup Date': date,
      'Product Name': d.productName,
      'Product Type': d.productType,
      'Product Version': d.productVersion,
      'Serial Number': d.serialNumber,
      'Target Identifier': d.udid,
      'Target Type': 'Device',
      'Unique Identifier': d.udid.toUpperCase(),
      'iTunes Version': '12.13.2.3',
    }));
    const manifest: PlistDict = {
      Version: '10.0',
      Date: date,
      SystemDomainsVersion: '24.0',
      WasPasscodeSet: true,
      IsEncrypted: keys !== undefined,
      Lockdown: {
        ProductVersion: d.productVersion, ProductType: d.productType, BuildVersion: d.buildVersion,
        UniqueDeviceID: d.udid, SerialNumber: d.serialNumber, DeviceName: d.deviceName,
      },
      Applications: {},
    };
    if (keys) {
      manifest.BackupKeyBag = keys.keybag;
      manifest.ManifestKey = manifestKey!;
    }
    fs.writeFileSync(path.join(dir, 'Manifest.plist'), writeBinaryPlist(manifest));
    fs.writeFileSync(path.join(dir, 'Status.plist'), writeBinaryPlist({
      BackupState: 'new', Date: date, IsFullBackup: false, SnapshotState: 'finished',
      UUID: crypto.randomUUID().toUpperCase(), Version: '3.3',
    }));
    return { files: files.length };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Per-file keys are made once per file and remembered, so Manifest.db and the payload agree. */
const fileKeys = new WeakMap<BackupFile, { plainKey: Buffer; wrapped: Buffer }>();
function keyOf(f: BackupFile, keys: BackupKeys): { plainKey: Buffer; wrapped: Buffer } {
  let k = fileKeys.get(f);
  if (!k) {
    const plainKey = crypto.randomBytes(32);
    k = { plainKey, wrapped: keys.wrapForClass(f.protectionClass ?? 3, plainKey) };
    fileKeys.set(f, k);
  }
  return k;
}

function writeManifestDb(dbPath: string, files: BackupFile[], keys: BackupKeys | undefined): void {
  const db = new Database(dbPath);
  try {
    db.exec(`
      CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
      CREATE INDEX FilesDomainIdx ON Files(domain);
      CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
      CREATE INDEX FilesFlagsIdx ON Files(flags);
      CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);`);
    const insert = db.prepare('INSERT OR REPLACE INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      const folders = new Set<string>();
      let inode = 1000;
      for (const f of files) {
        const parts = f.relativePath.split('/');
        for (let i = 1; i < parts.length; i++) folders.add(`${f.domain}\0${parts.slice(0, i).join('/')}`);
        const archive = mbFileArchive({
          relativePath: f.relativePath, size: f.bytes.length, mtimeMs: f.mtimeMs, mode: 0o100644, inode: inode++,
          protectionClass: f.protectionClass ?? 3, encryptionKey: keys ? keyOf(f, keys).wrapped : undefined,
        });
        insert.run(fileIdOf(f.domain, f.relativePath), f.domain, f.relativePath, 1, archive);
      }
      for (const folder of folders) {
        const [domain, relativePath] = folder.split('\0') as [string, string];
        insert.run(fileIdOf(domain, relativePath), domain, relativePath, 2, mbFileArchive({
          relativePath, size: 0, mtimeMs: 0, mode: 0o40755, inode: inode++, protectionClass: 0,
        }));
      }
    })();
  } finally {
    db.close();
  }
}

/** An MBFile as NSKeyedArchiver writes it: $objects[1] is the MBFile, UIDs point into $objects. */
export function mbFileArchive(f: { relativePath: string; size: number; mtimeMs: number; mode: number; inode: number; protectionClass: number; encryptionKey?: Buffer }): Buffer {
  const seconds = Math.floor(f.mtimeMs / 1000);
  const objects: PlistValue[] = ['$null'];
  const file: PlistDict = {
    Birth: seconds, Flags: 0, GroupID: 501, InodeNumber: f.inode, LastModified: seconds, LastStatusChange: seconds,
    Mode: f.mode, ProtectionClass: f.protectionClass, Size: f.size, UserID: 501,
  };
  objects.push(file);
  objects.push(f.relativePath);
  file.RelativePath = new PlistUid(2);
  if (f.encryptionKey) {
    objects.push({ 'NS.data': f.encryptionKey, $class: new PlistUid(4) });
    objects.push({ $classname: 'NSMutableData', $classes: ['NSMutableData', 'NSData', 'NSObject'] });
    file.EncryptionKey = new PlistUid(3);
  }
  objects.push({ $classname: 'MBFile', $classes: ['MBFile', 'NSObject'] });
  file.$class = new PlistUid(objects.length - 1);
  return writeBinaryPlist({ $version: 100000, $archiver: 'NSKeyedArchiver', $top: { root: new PlistUid(1) }, $objects: objects });
}
