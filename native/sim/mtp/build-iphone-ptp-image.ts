import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeJpeg, makeMp4 } from '../jpeg-fixture.ts';
import type { IphoneTrust } from './iphone-ptp.ts';

/**
 * Builds an iPhone as the MTP simulator's iPhone flavour serves it over PTP (iphone-ptp.ts):
 * DCIM/100APPLE and 101APPLE with a JPEG, a second JPEG of the same name (stored as
 * "IMG_0001.JPG#2"), a HEIC with its .AAE edit sidecar, a MOV and a PNG screenshot.
 *
 *   npx tsx native/sim/mtp/build-iphone-ptp-image.ts OUTDIR [trusted|untrusted|locked]
 *
 * Every run gives the same bytes (fixed dates and file times).
 */
export function iphonePtpDevice(trust: IphoneTrust = 'trusted', extra: Record<string, string | number | boolean> = {}) {
  return {
    transport: 'mtp',
    mtpStyle: 'iphone',
    vendorId: 0x05ac,
    productId: 0x12a8, // iPhone 5 and later in PTP mode (libgphoto2's camera list)
    manufacturer: 'Apple Inc.',
    model: 'iPhone',
    serial: '00008110-001A2B3C4D5E601E',
    battery: null,
    iosVersion: '17.5.1',
    iphoneTrust: trust,
    ...extra,
  };
}

const IPHONE = { make: 'Apple', model: 'iPhone 15' };

export interface IphoneFile {
  /** Path in storage/ ("#2": the second object of that name in its folder). */
  path: string;
  bytes: Buffer;
  mtime: string;
  /** What a rescue must keep: photos and videos, not the sidecar. */
  media: boolean;
}

/** A HEIC as far as its first bytes go: an ISO base media ftyp box with the "heic" brand, then filler. */
function heicHeader(fill: number): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('mif1heic', 16, 'latin1');
  const meta = Buffer.alloc(2000, fill);
  meta.writeUInt32BE(meta.length, 0);
  meta.write('free', 4, 'latin1');
  return Buffer.concat([ftyp, meta]);
}

/** A QuickTime movie's first box: ftyp with the "qt  " brand (an iPhone's .MOV). */
function movHeader(): Buffer {
  const mp4 = makeMp4({ creationTime: new Date('2024-08-03T16:20:00Z') });
  const ftyp = Buffer.alloc(20);
  ftyp.writeUInt32BE(20, 0);
  ftyp.write('ftypqt  ', 4, 'latin1');
  ftyp.writeUInt32BE(0, 12);
  ftyp.write('qt  ', 16, 'latin1');
  // makeMp4's own ftyp box replaced by QuickTime's; its moov and mdat follow.
  return Buffer.concat([ftyp, mp4.subarray(mp4.readUInt32BE(0))]);
}

const AAE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>adjustmentBaseVersion</key><integer>0</integer>
  <key>adjustmentFormatIdentifier</key><string>com.apple.photo</string>
  <key>adjustmentFormatVersion</key><string>1.6</string>
</dict>
</plist>
`;

export function iphoneStorageFiles(): IphoneFile[] {
  return [
    {
      path: 'DCIM/100APPLE/IMG_0001.JPG',
      bytes: makeJpeg({ ...IPHONE, width: 32, height: 24, dateTimeOriginal: '2024:08:01 09:00:00', offsetTimeOriginal: '+01:00', fillByte: 40 }),
      mtime: '2024-08-01T08:00:01Z',
    },
    {
      // The same name again in the same folder, another photo: both must be rescued.
      path: 'DCIM/100APPLE/IMG_0001.JPG#2',
      bytes: makeJpeg({ ...IPHONE, width: 24, height: 32, dateTimeOriginal: '2024:08:02 10:30:00', offsetTimeOriginal: '+01:00', fillByte: 200 }),
      mtime: '2024-08-02T09:30:01Z',
    },
    { path: 'DCIM/100APPLE/IMG_0002.HEIC', bytes: heicHeader(7), mtime: '2024-08-03T12:00:00Z' },
    { path: 'DCIM/100APPLE/IMG_0002.AAE', bytes: Buffer.from(AAE, 'utf8'), mtime: '2024-08-03T12:05:00Z' },
    { path: 'DCIM/100APPLE/IMG_0003.MOV', bytes: movHeader(), mtime: '2024-08-03T16:20:05Z' },
    {
      path: 'DCIM/101APPLE/IMG_0004.JPG',
      bytes: makeJpeg({ ...IPHONE, width: 16, height: 16, dateTimeOriginal: '2024:09:10 18:45:00', fillByte: 120 }),
      mtime: '2024-09-10T17:45:00Z',
    },
  ].map((file) => ({ ...file, media: !file.path.endsWith('.AAE') }));
}

const FOLDER_TIME = new Date('2024-09-10T18:00:00Z');

/** Writes the image; `extra` adds device.json fields (iphoneTrustAfterMs, icloudPhotos ...). */
export function buildIphonePtpImage(outDir: string, trust: IphoneTrust = 'trusted', extra: Record<string, string | number | boolean> = {}): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes('device.json')) throw new Error(`${outDir} is not empty and is not a device image; refusing to overwrite it`);
    for (const entry of entries) if (entry !== 'README.md') fs.rmSync(path.join(outDir, entry), { recursive: true, force: true });
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'device.json'), `${JSON.stringify(iphonePtpDevice(trust, extra), null, 2)}\n`);
  const storage = path.join(outDir, 'storage');
  for (const file of iphoneStorageFiles()) {
    const target = path.join(storage, ...file.path.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.bytes);
    fs.utimesSync(target, new Date(file.mtime), new Date(file.mtime));
  }
  for (const folder of ['DCIM/100APPLE', 'DCIM/101APPLE', 'DCIM', '.']) fs.utimesSync(path.join(storage, folder), FOLDER_TIME, FOLDER_TIME);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: npx tsx native/sim/mtp/build-iphone-ptp-image.ts OUTDIR [trusted|untrusted|locked]\n');
    process.exit(2);
  }
  buildIphonePtpImage(out, (process.argv[3] as IphoneTrust | undefined) ?? 'trusted');
  process.stdout.write(`wrote ${out}\n`);
}
