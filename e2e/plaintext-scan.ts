import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoContacts, demoEvents } from '../native/sim/images/demo-data.ts';

/**
 * Known plaintext of the demo phones, and a scan of folders for it: what store mode must never
 * leave on the store PC in readable form. (The same idea as native/store/store-sessions.test.ts,
 * whose scanner is private to that test: here for the images the app e2e test plugs in.)
 */
export interface Needle {
  label: string;
  bytes: Buffer;
}

export function allFiles(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs.readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(root, e.name);
    return e.isDirectory() ? allFiles(p) : e.isFile() ? [p] : [];
  });
}

/** Every file under the roots that holds a needle, as "file: label" (files `skip` names are left out). */
export function scanFor(roots: string[], needles: Needle[], skip: (file: string) => boolean = () => false): string[] {
  const hits: string[] = [];
  for (const root of roots) {
    for (const file of allFiles(root)) {
      if (skip(file)) continue;
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(file);
      } catch {
        continue; // removed while we looked (a session's temporary file)
      }
      for (const n of needles) if (bytes.includes(n.bytes)) hits.push(`${file}: ${n.label}`);
    }
  }
  return hits;
}

/** Texts of at least 5 characters (shorter ones turn up by chance), except what is metadata by design. */
function textNeedles(label: string, values: (string | undefined)[], exclude: Set<string>): Needle[] {
  return values.filter((v): v is string => !!v && v.length >= 5 && !exclude.has(v)).map((v) => ({ label: `${label} "${v}"`, bytes: Buffer.from(v, 'utf8') }));
}

/**
 * Runs of 24 bytes from each photo and video's own data: of a large file from past its first 600
 * bytes, of a small one (the demo images' photos are a few hundred bytes) from its last 40 %, since
 * the headers and tables before are alike in every JPEG of the same encoder.
 */
function mediaNeedles(image: string): Needle[] {
  const needles: Needle[] = [];
  for (const file of allFiles(path.join(image, 'storage'))) {
    if (!/\.(jpe?g|png|mp4)$/i.test(file)) continue;
    const bytes = fs.readFileSync(file);
    if (bytes.length < 300 || !(bytes[0] === 0xff || bytes[0] === 0x89 || bytes.subarray(4, 8).toString('latin1') === 'ftyp')) continue;
    for (let at = bytes.length > 1200 ? 600 : Math.floor(bytes.length * 0.6); at + 24 <= bytes.length; at += Math.max(24, Math.floor(bytes.length / 12))) {
      needles.push({ label: `bytes of ${path.basename(file)} at ${at}`, bytes: Buffer.from(bytes.subarray(at, at + 24)) });
    }
  }
  return needles;
}

/** Plain (not quoted-printable) values of vCard / vCalendar properties in the image's files. */
function propertyValues(files: string[], names: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
      const m = /^([A-Z-]+)((?:;[^:]*)?):(.*)$/.exec(line);
      if (!m || !names.includes(m[1]!) || /QUOTED-PRINTABLE/i.test(m[2]!)) continue;
      out.push(m[3]!.trim());
    }
  }
  return out;
}

/** images/demo-android (ADB): its contacts and calendar (demo-data.ts), serial, file names, photo bytes. */
export function androidDemoNeedles(image: string, metadata: Set<string>): Needle[] {
  const contacts = demoContacts();
  const events = demoEvents();
  return [
    ...textNeedles('contact name', contacts.map((c) => c.displayName), metadata),
    ...textNeedles('phone number', contacts.flatMap((c) => c.phones.map((p) => p.value)), metadata),
    ...textNeedles('e-mail', contacts.flatMap((c) => c.emails.map((e) => e.value)), metadata),
    ...textNeedles('event title', events.map((e) => e.title), metadata),
    ...textNeedles('event place', events.map((e) => e.location), metadata),
    ...textNeedles('serial', [JSON.parse(fs.readFileSync(path.join(image, 'device.json'), 'utf8')).serial], metadata),
    ...textNeedles('file name', ['PXL_20240314_083012345', 'PXL_20240601_101500000', 'IMG_20231224_190000'], metadata),
    ...textNeedles('EXIF', ['2024:03:14 09:30:12'], metadata),
    ...mediaNeedles(image),
  ];
}

/** images/demo-mtp (MTP): the vCard and vCalendar files' values, serial, file names, photo bytes. */
export function mtpDemoNeedles(image: string, metadata: Set<string>): Needle[] {
  const storage = path.join(image, 'storage');
  const vcards = allFiles(path.join(storage, 'Contacts'));
  const calendars = allFiles(path.join(storage, 'Calendar'));
  return [
    ...textNeedles('contact', propertyValues(vcards, ['FN', 'TEL', 'EMAIL']), metadata),
    ...textNeedles('event', propertyValues(calendars, ['SUMMARY', 'LOCATION']), metadata),
    ...textNeedles('serial', [JSON.parse(fs.readFileSync(path.join(image, 'device.json'), 'utf8')).serial], metadata),
    ...textNeedles('file name', ['IMG_20240612_101500', 'IMG_20240704_183000', 'VID_20240705_120000'], metadata),
    ...mediaNeedles(image),
  ];
}

/**
 * The ADB simulator's own working copy of its image's provider databases: the simulated phone runs
 * inside the browser host's process, and opens its contacts2.db / calendar.db as a private copy in
 * the temporary folder (native/sim/adb/provider-databases.ts), as the phone's own storage. A
 * folder counts as that only when its database is byte for byte one of the image's (plus SQLite's
 * -shm/-wal beside it); the copy is removed when the simulator stops, so the scan after the host
 * stopped leaves nothing out.
 */
export function simulatorOwnCopies(images: string[]): (file: string) => boolean {
  const originals = images.flatMap((image) => allFiles(path.join(image, 'providers'))).map((f) => ({ name: path.basename(f), bytes: fs.readFileSync(f) }));
  return (file) => {
    const dir = path.dirname(file);
    if (!path.basename(dir).startsWith('lifeboat-provider-')) return false;
    const main = path.join(dir, path.basename(file).replace(/-(shm|wal|journal)$/, ''));
    try {
      const bytes = fs.readFileSync(main);
      return originals.some((o) => o.name === path.basename(main) && o.bytes.equals(bytes));
    } catch {
      return false;
    }
  };
}
