/**
 * Issue 5's side-by-side, in the USB lab (QEMU guest, real kernel, real xHCI bus): from QEMU's
 * own MTP responder (usb-mtp, rootdir = the files below), libmtp's `mtp-getfile` of each file
 * against Lifeboat's MTP pull (`rescue --device usb:... --only photos`, the photos phase timed
 * from its --json lines: category-start to category-done). Two sets, one guest each:
 * a folder of 300 photos of 64 KiB, and 4 files of 8 MiB. Both tools' bytes are checked.
 *
 *   sudo npx tsx bench/lab-mtp-bench.ts          (root: the lab installs packages and boots QEMU)
 *   BENCH_LAB_SETS=BIG sudo npx tsx bench/lab-mtp-bench.ts   (one set alone)
 *
 * Times are under QEMU's software emulation (TCG) on this machine: they compare the two tools on
 * the same bus, not what a real phone would give.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeJpeg } from '../native/sim/jpeg-fixture.ts';
import { guestScript, jsonLines } from '../e2e/usb-lab/lab-fixtures.ts';
import { prepareLab } from '../e2e/usb-lab/qemu-guest.ts';

interface BenchSet {
  label: string;
  count: number;
  bytes: number;
  prefix: string;
}

const ALL_SETS: BenchSet[] = [
  { label: '300 photos × 64 KiB', count: 300, bytes: 64 * 1024, prefix: 'IMG' },
  { label: '4 files × 8 MiB', count: 4, bytes: 8 * 1024 * 1024, prefix: 'BIG' },
];
/** `BENCH_LAB_SETS=BIG` (or IMG) runs one set alone. */
const SETS = ALL_SETS.filter((set) => !process.env.BENCH_LAB_SETS || process.env.BENCH_LAB_SETS.split(',').includes(set.prefix));

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (bytes: number, ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(2)} MB/s`;

async function main(): Promise<void> {
  const lab = await prepareLab();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-lab-mtp-bench-'));
  const rows: string[] = [];
  try {
    for (const set of SETS) {
      const rootdir = path.join(work, set.prefix);
      const folder = path.join(rootdir, 'DCIM', 'Camera');
      fs.mkdirSync(folder, { recursive: true });
      const expected = new Map<string, string>();
      for (let i = 0; i < set.count; i++) {
        const head = makeJpeg({ dateTimeOriginal: `2024:05:${String(1 + (i % 28)).padStart(2, '0')} 10:00:00` });
        const bytes = Buffer.concat([head, randomBytes(set.bytes - head.length)]);
        const name = `${set.prefix}_${String(i).padStart(4, '0')}.jpg`;
        fs.writeFileSync(path.join(folder, name), bytes);
        expected.set(name, sha256(bytes));
      }
      const totalBytes = set.count * set.bytes;
      process.stderr.write(`lab-mtp-bench: ${set.label} (${(totalBytes / 1e6).toFixed(1)} MB) ...\n`);
      const run = await lab.run({
        timeoutSeconds: 1500,
        memoryMiB: 1536,
        qemuArgs: ['-device', 'qemu-xhci,id=xhci', '-device', `usb-mtp,id=mtp0,bus=xhci.0,port=1,rootdir=${rootdir},desc=Lifeboat bench,readonly=on`],
        script: guestScript('mtp-bench.sh'),
      });
      if (run.exitCode !== 0) throw new Error(`the guest failed (${run.exitCode}):\n${run.output.slice(-3000)}`);

      // libmtp: every file, byte for byte.
      const sums = new Map(run.read('getfile-sums.txt').trim().split('\n').map((line) => [line.slice(66).trim(), line.slice(0, 64)] as const));
      const wrong = [...expected].filter(([name, sum]) => sums.get(name) !== sum).map(([name]) => name);
      if (wrong.length > 0) throw new Error(`mtp-getfile gave wrong or no bytes for ${wrong.length} files (${wrong.slice(0, 3).join(', ')})`);
      const getfileMs = Number(run.read('getfile.ms').trim());

      // Lifeboat: the photos phase, every file in the vault.
      if (run.read('rescue.rc').trim() !== '0') throw new Error(`rescue failed: ${run.read('rescue.err').slice(-2000)}`);
      const lines = run.read('lifeboat-times.jsonl').trim().split('\n').map((line) => JSON.parse(line) as { ms: number; event?: Record<string, unknown>; exit?: number });
      const start = lines.find((l) => l.event?.type === 'category-start' && l.event.category === 'photos');
      const done = lines.find((l) => l.event?.type === 'category-done' && l.event.category === 'photos');
      const end = lines.at(-1)!;
      if (!start || !done) throw new Error('the rescue printed no photos phase');
      const summary = jsonLines(lines.map((l) => JSON.stringify(l.event ?? {})).join('\n')).findLast((e) => e.type === 'summary');
      const blobs = new Set(run.read('vault-blobs.txt').split('\n').filter(Boolean));
      const missing = [...expected].filter(([, sum]) => !blobs.has(sum));
      if (missing.length > 0 || summary?.photos !== set.count) throw new Error(`Lifeboat rescued ${String(summary?.photos)} of ${set.count} photos`);
      const phaseMs = done.ms - start.ms;

      rows.push(
        `${set.label}: mtp-getfile of each file ${seconds(getfileMs)} (${rate(totalBytes, getfileMs)}); ` +
          `Lifeboat photos phase ${seconds(phaseMs)} (${rate(totalBytes, phaseMs)}), whole rescue command ${seconds(end.ms)}; ` +
          `Lifeboat ${(getfileMs / phaseMs).toFixed(1)}× faster (phase) / ${(getfileMs / end.ms).toFixed(1)}× (whole command)`,
      );
      process.stderr.write(`lab-mtp-bench: ${rows.at(-1)}\n`);
      fs.rmSync(rootdir, { recursive: true, force: true });
    }
  } finally {
    lab.cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  }
  process.stdout.write(`QEMU usb-mtp in the lab guest (TCG), same files, both checked byte for byte:\n${rows.map((r) => `  ${r}`).join('\n')}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`lab-mtp-bench: ${error.message}\n`);
  process.exitCode = 1;
});
