import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

const DEMO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'images', 'demo-android');

export interface TestPhoneOptions {
  serial: string;
  model?: string;
  battery?: number | null;
  /** Extra camera photos (real JPEGs of noise, so they do not compress away), each about photoEdge² × 0.6 bytes. */
  photos?: number;
  photoEdge?: number;
}

/**
 * A copy of the demo phone with another serial (so two can be plugged in at once), another
 * battery level, and optionally many large photos (so a rescue lasts long enough to watch its
 * progress, pull its cable or cancel it). For tests and benchmarks of the app.
 */
export async function makeTestPhoneImage(dir: string, opts: TestPhoneOptions): Promise<string> {
  fs.cpSync(DEMO, dir, { recursive: true, preserveTimestamps: true });
  const deviceJson = path.join(dir, 'device.json');
  const device = JSON.parse(fs.readFileSync(deviceJson, 'utf8')) as Record<string, unknown>;
  device.serial = opts.serial;
  if (opts.model) device.model = opts.model;
  if (opts.battery !== undefined) device.battery = opts.battery;
  fs.writeFileSync(deviceJson, `${JSON.stringify(device, null, 2)}\n`);
  const count = opts.photos ?? 0;
  if (count > 0) {
    const camera = path.join(dir, 'storage', 'DCIM', 'Camera');
    const edge = opts.photoEdge ?? 1000;
    // Photos differ in colour (so thumbnails differ) and in noise (so the vault keeps each).
    for (let i = 0; i < count; i++) {
      const jpeg = await sharp({
        create: { width: edge, height: Math.round(edge * 0.75), channels: 3, background: { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 151) % 256 }, noise: { type: 'gaussian', mean: 128, sigma: 40 + (i % 7) } },
      })
        .tint({ r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 151) % 256 })
        .jpeg({ quality: 80 })
        .toBuffer();
      const file = path.join(camera, `PXL_2025${String((i % 12) + 1).padStart(2, '0')}01_${String(100000 + i)}.jpg`);
      fs.writeFileSync(file, jpeg);
      const when = new Date(Date.UTC(2025, i % 12, 1 + (i % 28), 12, 0, 0));
      fs.utimesSync(file, when, when);
    }
  }
  return dir;
}
