import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli } from './run-cli.ts';

/**
 * An object of 4 GiB and more over MTP, the whole way: ObjectInfo says 0xFFFFFFFF and the size
 * comes from the ObjectSize property, the data container's length field says 0xFFFFFFFF and the
 * transfer ends with a short packet, and a cable pulled past the 4 GiB mark resumes with
 * GetPartialObject64 from an offset that does not fit in 32 bits. The video is a sparse file,
 * so the test costs disk time only for what the vault writes.
 */
const FOUR_GIB = 2 ** 32;
const SIZE = FOUR_GIB + 3 * 1024 * 1024 + 7;
const CUT_AT = FOUR_GIB + 1_000_000;

let dir: string;
let image: string;
let video: string;
const env = () => ({ XDG_DATA_HOME: path.join(dir, 'data-home') });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-mtp-4gib-'));
  image = path.join(dir, 'image');
  fs.mkdirSync(path.join(image, 'storage', 'DCIM', 'Camera'), { recursive: true });
  fs.writeFileSync(
    path.join(image, 'device.json'),
    JSON.stringify({ transport: 'mtp', mtpStyle: 'android', vendorId: 0x18d1, productId: 0x4ee1, manufacturer: 'Google', model: 'Pixel 7', serial: 'BIGVIDEO01', battery: 80 }),
  );
  video = path.join(image, 'storage', 'DCIM', 'Camera', 'VID_20240601_120000.mp4');
  const fd = fs.openSync(video, 'w');
  try {
    // An MP4 header, marks on both sides of the 4 GiB line and at the end: a transfer that
    // wraps its offset at 32 bits or drops the last short packet changes the hash.
    fs.writeSync(fd, Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex'), 0, 24, 0);
    fs.writeSync(fd, Buffer.from('before the 4 GiB line|after it'), 0, 30, FOUR_GIB - 21);
    fs.writeSync(fd, Buffer.from('the end'), 0, 7, SIZE - 7);
  } finally {
    fs.closeSync(fd);
  }
}, 60_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('an MTP object of 4 GiB and more', () => {
  it('is rescued byte for byte, and a cable pulled past 4 GiB resumes there with GetPartialObject64', async () => {
    expect(fs.statSync(video).size).toBe(SIZE);
    const vault = path.join(dir, 'vault');
    const cut = runCli(['rescue', '--sim', image, '--vault', vault, '--json', '--unplug-after', String(CUT_AT)], { env: env() });
    expect(cut.code, cut.stderr).toBe(3);
    const lost = jsonLines(cut.stdout).at(-1)!;
    expect(lost).toMatchObject({ type: 'summary', status: 'lost', photos: 0 });
    expect(lost.transferredBytes as number).toBeGreaterThan(FOUR_GIB);

    const again = runCli(['rescue', '--sim', image, '--vault', vault, '--json'], { env: env() });
    expect(again.code, again.stderr).toBe(0);
    const done = jsonLines(again.stdout).at(-1)!;
    expect(done).toMatchObject({ type: 'summary', status: 'done', photos: 1 });
    // Only what the first run did not get crossed the link again.
    expect(done.transferredBytes as number).toBeLessThan(SIZE - FOUR_GIB);
    expect((lost.transferredBytes as number) + (done.transferredBytes as number)).toBe(SIZE);

    const expected = await sha256Of(video);
    const blob = path.join(vault, 'blobs', expected.slice(0, 2), expected);
    expect(fs.existsSync(blob), `blob ${expected} in the vault`).toBe(true);
    expect(fs.statSync(blob).size).toBe(SIZE);
    expect(runCli(['verify', vault]).code).toBe(0);
  }, 600_000);
});
