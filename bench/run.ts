/**
 * `npm run bench`: the speed and memory figures README keeps.
 *  (a) rescue --image of 2 GiB of photos against `cp -r` + `sha256sum` of the same files, one run;
 *  (b) peak memory of that rescue as the image grows (0.5, 1, 2 GiB);
 *  (c) rescue and export of 100,000 contacts and 50,000 events: time and memory;
 *  (d)-(f) the ADB benchmarks (bench/adb-benchmarks.ts);
 *  (g) the MTP benchmark (bench/mtp-benchmarks.ts).
 * `BENCH_ONLY=image` runs (a)-(c) alone, `BENCH_ONLY=adb` (d)-(f), `BENCH_ONLY=mtp` (g).
 * `--update-readme` writes the table into README.md (whole runs only). Work files go to .bench/ (git-ignored).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCalendarDb, writeContactsDb } from '../native/sim/android-provider-writer.ts';
import { makeJpeg } from '../native/sim/jpeg-fixture.ts';
import { adbBenchmarks } from './adb-benchmarks.ts';
import { mtpBenchmarks } from './mtp-benchmarks.ts';
import { syntheticContacts, syntheticEvents } from './synthetic-phone.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(root, '.bench');
const PHOTO_BYTES = 4 * 1024 * 1024;
const PHOTO_COUNT = Number(process.env.BENCH_PHOTOS ?? 512); // 512 × 4 MiB = 2 GiB
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const ONLY = process.env.BENCH_ONLY ?? '';

interface Stats {
  code: number;
  wallMs: number;
  maxRssBytes: number;
}

function log(msg: string) {
  process.stderr.write(`${msg}\n`);
}

function lifeboat(args: string[]): Stats {
  const statsFile = path.join(work, `stats-${process.pid}.json`);
  fs.rmSync(statsFile, { force: true });
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measured-cli.ts'), ...args], {
    cwd: root,
    env: { ...process.env, BENCH_STATS: statsFile },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (res.status !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${res.status}`);
  return JSON.parse(fs.readFileSync(statsFile, 'utf8')) as Stats;
}

function timed(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function deviceJson(serial: string) {
  return JSON.stringify({ transport: 'adb', vendorId: 0x18d1, productId: 0x4ee7, manufacturer: 'Bench', model: 'Phone', serial, battery: 80 });
}

/** Photo files: a real JPEG head with EXIF, then incompressible bytes up to 4 MiB. */
function makePhotoPool(): string {
  const pool = path.join(work, 'photo-pool');
  if (fs.existsSync(path.join(pool, `IMG_${String(PHOTO_COUNT - 1).padStart(5, '0')}.jpg`))) return pool;
  fs.rmSync(pool, { recursive: true, force: true });
  fs.mkdirSync(pool, { recursive: true });
  for (let i = 0; i < PHOTO_COUNT; i++) {
    const month = String((i % 12) + 1).padStart(2, '0');
    const head = makeJpeg({ dateTimeOriginal: `2023:${month}:15 12:00:00`, offsetTimeOriginal: '+02:00' });
    fs.writeFileSync(path.join(pool, `IMG_${String(i).padStart(5, '0')}.jpg`), Buffer.concat([head, randomBytes(PHOTO_BYTES - head.length)]));
  }
  return pool;
}

/** A device image whose storage holds the first `count` photos of the pool (hard links: no extra disk). */
function photoImage(pool: string, count: number): string {
  const dir = path.join(work, `image-${count}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const camera = path.join(dir, 'storage', 'DCIM', 'Camera');
  fs.mkdirSync(camera, { recursive: true });
  fs.writeFileSync(path.join(dir, 'device.json'), deviceJson(`BENCH-PHOTOS-${count}`));
  for (const name of fs.readdirSync(pool).sort().slice(0, count)) fs.linkSync(path.join(pool, name), path.join(camera, name));
  return dir;
}

function warm(dir: string) {
  // Both contenders read from the page cache, so the comparison is of the work, not of the disk's cold reads.
  execFileSync('sh', ['-c', `cat ${JSON.stringify(dir)}/* > /dev/null`]);
}

function cpAndHash(src: string): number {
  const dst = path.join(work, 'cp-copy');
  fs.rmSync(dst, { recursive: true, force: true });
  const ms = timed(() => {
    execFileSync('cp', ['-r', src, dst]);
    execFileSync('sh', ['-c', 'sha256sum -b * > /dev/null'], { cwd: dst });
  });
  fs.rmSync(dst, { recursive: true, force: true });
  return ms;
}

function rescueFresh(image: string, only?: string): Stats {
  const vault = path.join(work, 'vault');
  fs.rmSync(vault, { recursive: true, force: true });
  execFileSync('sync');
  const args = ['rescue', '--image', image, '--vault', vault];
  if (only) args.push('--only', only);
  return lifeboat(args);
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(0);
const s = (ms: number) => (ms / 1000).toFixed(2);

async function main() {
  if (!['', 'adb', 'image', 'mtp'].includes(ONLY)) throw new Error(`BENCH_ONLY must be image, adb or mtp, not "${ONLY}"`);
  if (ONLY && process.argv.includes('--update-readme')) {
    throw new Error('--update-readme writes the whole table: run without BENCH_ONLY');
  }
  fs.mkdirSync(work, { recursive: true });
  const rows: string[][] = [];

  log(`making ${PHOTO_COUNT} photos of 4 MiB ...`);
  const pool = makePhotoPool();
  const sizes = [PHOTO_COUNT / 4, PHOTO_COUNT / 2, PHOTO_COUNT].map(Math.round);
  const images = new Map(sizes.map((n) => [n, photoImage(pool, n)]));
  const full = images.get(PHOTO_COUNT)!;
  const gib = (n: number) => ((n * PHOTO_BYTES) / 2 ** 30).toFixed(2);

  if (ONLY === '' || ONLY === 'image') await imageBenchmarks(rows, full, images, sizes, gib);
  if (ONLY === '' || ONLY === 'adb') {
    rows.push(
      ...(await adbBenchmarks({
        root,
        work,
        fullImage: full,
        halfImage: images.get(sizes[1]!)!,
        gib: (bytes) => (bytes / 2 ** 30).toFixed(2),
        deviceJson,
        log,
      })),
    );
  }
  if (ONLY === '' || ONLY === 'mtp') {
    rows.push(...(await mtpBenchmarks({ root, work, photoImage: full, gib: (bytes) => (bytes / 2 ** 30).toFixed(2), log })));
  }
  printTable(rows);
}

async function imageBenchmarks(rows: string[][], full: string, images: Map<number, string>, sizes: number[], gib: (n: number) => string) {
  // (a) Two rounds, alternating, so neither side always runs first.
  warm(path.join(full, 'storage/DCIM/Camera'));
  const cpTimes: number[] = [];
  const lbTimes: number[] = [];
  let fullStats: Stats | undefined;
  for (let round = 0; round < 2; round++) {
    log(`(a) round ${round + 1}: cp -r + sha256sum ...`);
    execFileSync('sync');
    cpTimes.push(cpAndHash(path.join(full, 'storage/DCIM/Camera')));
    log(`(a) round ${round + 1}: lifeboat rescue ...`);
    fullStats = rescueFresh(full, 'photos');
    lbTimes.push(fullStats.wallMs);
  }
  const bestCp = Math.min(...cpTimes);
  const bestLb = Math.min(...lbTimes);
  const totalBytes = PHOTO_COUNT * PHOTO_BYTES;
  rows.push([
    `(a) rescue --image, ${gib(PHOTO_COUNT)} GiB (${PHOTO_COUNT} photos)`,
    `${s(bestLb)} s (${(totalBytes / 1e6 / (bestLb / 1000)).toFixed(0)} MB/s), runs ${lbTimes.map(s).join(' / ')} s`,
    `cp -r + sha256sum: ${s(bestCp)} s, runs ${cpTimes.map(s).join(' / ')} s`,
    bestLb <= bestCp ? 'no slower: yes' : 'no slower: NO',
  ]);

  // (b) Peak memory as the image grows.
  const peaks: string[] = [];
  for (const n of sizes) {
    const stats = n === PHOTO_COUNT && fullStats ? fullStats : rescueFresh(images.get(n)!, 'photos');
    peaks.push(`${gib(n)} GiB: ${mb(stats.maxRssBytes)} MB`);
  }
  rows.push(['(b) peak memory of that rescue', peaks.join(', '), 'target: at most 300 MB and flat', '']);
  fs.rmSync(path.join(work, 'vault'), { recursive: true, force: true });

  // (c) 100,000 contacts and 50,000 events.
  log(`(c) writing ${CONTACTS} contacts and ${EVENTS} events in Android's schema ...`);
  const big = path.join(work, 'image-records');
  fs.rmSync(big, { recursive: true, force: true });
  fs.mkdirSync(path.join(big, 'providers'), { recursive: true });
  fs.writeFileSync(path.join(big, 'device.json'), deviceJson('BENCH-RECORDS'));
  writeContactsDb(path.join(big, 'providers', 'contacts2.db'), syntheticContacts(CONTACTS));
  writeCalendarDb(path.join(big, 'providers', 'calendar.db'), syntheticEvents(EVENTS));
  const rescue = rescueFresh(big);
  const out = path.join(work, 'export');
  fs.rmSync(out, { recursive: true, force: true });
  const exp = lifeboat(['export', '--vault', path.join(work, 'vault'), '--out', out]);
  const vcf = fs.statSync(path.join(out, 'data/contacts/contacts.vcf')).size;
  rows.push([
    `(c) rescue of ${CONTACTS.toLocaleString('en')} contacts + ${EVENTS.toLocaleString('en')} events`,
    `${s(rescue.wallMs)} s`,
    `peak ${mb(rescue.maxRssBytes)} MB`,
    '',
  ]);
  rows.push([
    `(c) export of the same`,
    `${s(exp.wallMs)} s`,
    `peak ${mb(exp.maxRssBytes)} MB`,
    `contacts.vcf ${mb(vcf)} MB`,
  ]);
}

function printTable(rows: string[][]) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}:`,
    '',
    '| benchmark | Lifeboat | reference / memory | result |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  process.stdout.write(`${table}\n`);
  if (process.argv.includes('--update-readme')) {
    const readme = path.join(root, 'README.md');
    const text = fs.readFileSync(readme, 'utf8');
    const start = '<!-- bench:start -->';
    const end = '<!-- bench:end -->';
    const block = `${start}\n${table}\n${end}`;
    const next = text.includes(start)
      ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block)
      : text.replace('BENCH_TABLE', block);
    fs.writeFileSync(readme, next);
    log('README.md updated');
  }
}

await main();
