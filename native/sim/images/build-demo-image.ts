import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeCalendarDb, writeContactsDb } from '../android-provider-writer.ts';
import { makeJpeg, makeMp4, makePng } from '../jpeg-fixture.ts';
import { DELETED_EVENT, DELETED_RAW_CONTACT, demoContacts, demoEvents } from './demo-data.ts';

/**
 * Builds the demo phone shipped in images/demo-android:
 *
 *   npx tsx native/sim/images/build-demo-image.ts OUTDIR
 *
 * The result is byte-for-byte the same on every run (fixed dates, fixed file times), so the
 * committed copy can be rebuilt and compared.
 */

/** The device image's device.json: a Pixel 7 (Google's USB vendor id 0x18d1) with a low battery. */
export const DEMO_DEVICE = {
  transport: 'adb',
  vendorId: 0x18d1,
  productId: 0x4ee7,
  manufacturer: 'Google',
  model: 'Pixel 7',
  serial: 'LBDEMO0001',
  battery: 23,
  androidVersion: '14',
  buildFingerprint: 'google/panther/panther:14/UQ1A.240205.004/11269751:user/release-keys',
} as const;

interface DemoFile {
  path: string;
  bytes: Buffer;
  /** Modification time on the "phone", ISO 8601 UTC. */
  mtime: string;
}

const PIXEL = { make: 'Google', model: 'Pixel 7' };

/** The files of shared storage: photos (with and without EXIF), a screenshot, a clip, and decoys. */
export function demoStorageFiles(): DemoFile[] {
  return [
    {
      path: 'DCIM/Camera/PXL_20240314_083012345.jpg',
      bytes: makeJpeg({ ...PIXEL, width: 32, height: 24, dateTimeOriginal: '2024:03:14 09:30:12', offsetTimeOriginal: '+01:00', fillByte: 140 }),
      mtime: '2024-03-14T08:30:13Z',
    },
    {
      path: 'DCIM/Camera/PXL_20240505_120000000.jpg',
      bytes: makeJpeg({ ...PIXEL, width: 24, height: 32, dateTimeOriginal: '2024:05:05 12:00:00', offsetTimeOriginal: '-04:00', fillByte: 60 }),
      mtime: '2024-05-05T16:00:01Z',
    },
    {
      path: 'DCIM/Camera/PXL_20240601_101500000.jpg',
      bytes: makeJpeg({ ...PIXEL, width: 16, height: 16, dateTimeOriginal: '2024:06:01 10:15:00', offsetTimeOriginal: '+02:00', fillByte: 200 }),
      mtime: '2024-06-01T08:15:02Z',
    },
    {
      // A camera that writes no offset: only the wall clock is known.
      path: 'DCIM/Camera/IMG_20231224_190000.jpg',
      bytes: makeJpeg({ make: 'samsung', model: 'SM-G991B', width: 16, height: 8, dateTimeOriginal: '2023:12:24 19:00:00', fillByte: 30 }),
      mtime: '2024-01-02T10:00:00Z',
    },
    {
      // No EXIF at all (messengers strip it): the file time is all there is.
      path: 'DCIM/Camera/IMG-20240101-WA0001.jpg',
      bytes: makeJpeg({ width: 8, height: 8, fillByte: 170 }),
      mtime: '2024-01-01T11:22:33Z',
    },
    {
      // A name full of things that trip up tools: leading dash, spaces, %, #, parentheses,
      // non-ASCII. (No ':' '<' '>': a clone of this repo must check out on Windows too.)
      path: 'DCIM/Camera/-IMG 2024 #1 (copy) 100% Zoë.jpg',
      bytes: makeJpeg({ ...PIXEL, dateTimeOriginal: '2024:01:01 00:00:01', offsetTimeOriginal: '+01:00', fillByte: 100 }),
      mtime: '2024-01-01T00:00:02Z',
    },
    {
      // The gallery's thumbnail cache: not a photo of the user's, must be skipped.
      path: 'DCIM/.thumbnails/1710405012345.jpg',
      bytes: makeJpeg({ fillByte: 140 }),
      mtime: '2024-03-14T08:31:00Z',
    },
    {
      path: 'Pictures/Screenshots/Screenshot_20240402-101500.png',
      bytes: makePng({ width: 9, height: 16, fillByte: 240 }),
      mtime: '2024-04-02T08:15:00Z',
    },
    {
      path: 'Movies/VID_20240501_120000.mp4',
      bytes: makeMp4({ creationTime: new Date('2024-05-01T10:00:00Z') }),
      mtime: '2024-05-01T10:00:05Z',
    },
    {
      // Named like a photo, but text: sniffing by content must leave it out.
      path: 'Download/notes.jpg',
      bytes: Buffer.from('Shopping list: milk, bread, film for the old camera.\n', 'utf8'),
      mtime: '2024-02-10T09:00:00Z',
    },
    {
      path: 'Download/boarding-pass.pdf',
      bytes: Buffer.from('%PDF-1.4\n% not a real boarding pass\n%%EOF\n', 'latin1'),
      mtime: '2024-05-31T18:00:00Z',
    },
  ];
}

/** Every folder (and the databases) gets this time, so that a rebuilt image equals the committed one. */
const FOLDER_TIME = new Date('2024-06-15T12:00:00Z');

export async function buildDemoImage(outDir: string): Promise<void> {
  prepareOutDir(outDir);
  fs.writeFileSync(path.join(outDir, 'device.json'), `${JSON.stringify(DEMO_DEVICE, null, 2)}\n`);

  const providers = path.join(outDir, 'providers');
  const contacts = demoContacts();
  writeContactsDb(path.join(providers, 'contacts2.db'), contacts, {
    deletedRawContacts: [{ contact: DELETED_RAW_CONTACT, aggregateWith: contacts[0]!.sourceKey }],
  });
  writeCalendarDb(path.join(providers, 'calendar.db'), demoEvents(), { deletedEvents: [DELETED_EVENT] });

  const storage = path.join(outDir, 'storage');
  for (const file of demoStorageFiles()) {
    const target = path.join(storage, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.bytes);
    const time = new Date(file.mtime);
    fs.utimesSync(target, time, time);
  }
  for (const db of ['contacts2.db', 'calendar.db']) fs.utimesSync(path.join(providers, db), FOLDER_TIME, FOLDER_TIME);
  fs.utimesSync(path.join(outDir, 'device.json'), FOLDER_TIME, FOLDER_TIME);
  setFolderTimes(outDir);
}

/** Refuses to empty a folder that is not a device image, in case of a mistyped OUTDIR. */
function prepareOutDir(outDir: string): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes('device.json')) {
      throw new Error(`${outDir} is not empty and is not a device image; refusing to overwrite it`);
    }
    // The README is written by hand and kept.
    for (const entry of entries) {
      if (entry !== 'README.md') fs.rmSync(path.join(outDir, entry), { recursive: true, force: true });
    }
  }
  fs.mkdirSync(outDir, { recursive: true });
}

function setFolderTimes(folder: string): void {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory()) setFolderTimes(path.join(folder, entry.name));
  }
  fs.utimesSync(folder, FOLDER_TIME, FOLDER_TIME);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('usage: npx tsx native/sim/images/build-demo-image.ts OUTDIR');
    process.exit(2);
  }
  buildDemoImage(path.resolve(outDir)).then(
    () => console.log(`demo device image written to ${outDir}`),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
