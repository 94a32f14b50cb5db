import fs from 'node:fs';
import path from 'node:path';
import { makeJpeg, makeMp4 } from '../jpeg-fixture.ts';

export interface IphoneImageOptions {
  udid?: string;
  battery?: number | null;
  /** Bytes of one large video, so reads take several AFC requests (and a pull can cut one). */
  bigVideoBytes?: number;
}

/**
 * A small iPhone as a device image: device.json (transport "iphone") and storage/DCIM in
 * Apple's layout (100APPLE, 101APPLE; IMG_nnnn names; a JPEG with EXIF, a HEIC-named JPEG is
 * not made: only real formats), for the live-iPhone simulator's tests.
 */
export function makeIphoneImage(dir: string, options: IphoneImageOptions = {}): string {
  const dcim = path.join(dir, 'storage', 'DCIM');
  fs.mkdirSync(path.join(dcim, '100APPLE'), { recursive: true });
  fs.mkdirSync(path.join(dcim, '101APPLE'), { recursive: true });
  const udid = options.udid ?? '00008110-001A2B3C4D5E601E';
  fs.writeFileSync(
    path.join(dir, 'device.json'),
    `${JSON.stringify(
      {
        transport: 'iphone',
        vendorId: 0x05ac,
        productId: 0x12a8,
        manufacturer: 'Apple Inc.',
        model: 'iPhone 13',
        serial: 'F2LSIM0001XY',
        udid,
        deviceName: "Ada's iPhone",
        productType: 'iPhone14,5',
        productVersion: '17.5.1',
        battery: options.battery === undefined ? 64 : options.battery,
      },
      null,
      2,
    )}\n`,
  );
  const photo = (name: string, date: string, fill: number) =>
    fs.writeFileSync(path.join(dcim, name), makeJpeg({ width: 64, height: 48, dateTimeOriginal: date, offsetTimeOriginal: '+02:00', make: 'Apple', model: 'iPhone 13', fillByte: fill }));
  photo('100APPLE/IMG_0001.JPG', '2024:05:01 10:00:00', 40);
  photo('100APPLE/IMG_0002.JPG', '2024:05:02 11:30:00', 90);
  photo('101APPLE/IMG_0101.JPG', '2024:06:10 18:45:10', 200);
  const clip = makeMp4({ creationTime: new Date(Date.UTC(2024, 5, 11, 9, 0, 0)) });
  const videoBytes = Math.max(options.bigVideoBytes ?? 3 * 1024 * 1024 + 12345, clip.length);
  const video = Buffer.alloc(videoBytes);
  clip.copy(video, 0);
  for (let i = clip.length; i < videoBytes; i++) video[i] = (i * 31 + 7) & 0xff; // varied, so a misplaced byte shows
  fs.writeFileSync(path.join(dcim, '101APPLE', 'IMG_0102.MOV'), video);
  // Photos' sidecar: not a photo, sniffed out by the rescue.
  fs.writeFileSync(path.join(dcim, '100APPLE', 'IMG_0002.AAE'), '<?xml version="1.0"?><plist version="1.0"><dict/></plist>\n');
  return dir;
}
