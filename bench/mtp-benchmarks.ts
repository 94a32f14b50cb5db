/**
 * The MTP part of `npm run bench` (issue 5):
 *  (g) rescue --sim at --link-rate 40 of the 2 GiB photo image served by the MTP simulator (as
 *      Android's responder answers: GetPartialObject64, photos only): photo throughput against
 *      95% of the link, and peak memory against 300 MB, measured as (d) is for ADB.
 * The side-by-side with libmtp's mtp-getfile needs QEMU's MTP responder: it is the lab's (e2e/usb-lab).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { at, runLifeboatJson } from './json-run.ts';

export interface MtpBenchContext {
  root: string;
  work: string;
  /** A photo image (device.json + storage/) whose storage is reused by hard links. */
  photoImage: string;
  gib: (bytes: number) => string;
  log: (msg: string) => void;
}

const LINK_RATE = Number(process.env.BENCH_LINK_RATE ?? 40);
const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

export async function mtpBenchmarks(ctx: MtpBenchContext): Promise<string[][]> {
  const image = mtpImageOf(ctx.photoImage, path.join(ctx.work, 'image-mtp'));
  const vault = path.join(ctx.work, 'vault-mtp');
  fs.rmSync(vault, { recursive: true, force: true });
  ctx.log(`(g) rescue --sim --link-rate ${LINK_RATE} of ${image} (MTP) ...`);
  const env = { ...process.env, XDG_DATA_HOME: path.join(ctx.work, 'mtp-xdg') };
  const g = await runLifeboatJson(ctx.root, ctx.work, env, ['rescue', '--sim', image, '--vault', vault, '--link-rate', String(LINK_RATE), '--only', 'photos']);
  const start = at(g, 'category-start', 'photos');
  const done = at(g, 'category-done', 'photos');
  const photoBytes = Number(done.event.bytes);
  const phaseMBps = photoBytes / 1e6 / ((done.ms - start.ms) / 1000);
  const share = phaseMBps / LINK_RATE;
  fs.rmSync(vault, { recursive: true, force: true });
  const row = [
    `(g) rescue --sim (MTP) --link-rate ${LINK_RATE}, ${ctx.gib(photoBytes)} GiB (${String(done.event.saved)} photos)`,
    `photos phase ${s(done.ms - start.ms)} s: ${phaseMBps.toFixed(1)} MB/s = ${(share * 100).toFixed(1)}% of the link; whole run ${s(g.wallMs)} s`,
    `peak ${mb(g.maxRssBytes)} MB (target: at most 300 MB)`,
    `≥ 95%: ${share >= 0.95 ? 'yes' : 'NO'}, ≤ 300 MB: ${g.maxRssBytes <= 300e6 ? 'yes' : 'NO'}`,
  ];
  ctx.log(`(g) ${row.slice(1).join(' | ')}`);
  return [row];
}

/** The same photos as an MTP phone: a device.json of its own, storage/ by hard links (no extra disk). */
function mtpImageOf(photoImage: string, dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'device.json'),
    JSON.stringify({ transport: 'mtp', mtpStyle: 'android', vendorId: 0x18d1, productId: 0x4ee1, manufacturer: 'Bench', model: 'MTP Phone', serial: 'BENCH-MTP', battery: 80 }),
  );
  const from = path.join(photoImage, 'storage');
  for (const rel of fs.readdirSync(from, { recursive: true, encoding: 'utf8' }).sort()) {
    const source = path.join(from, rel);
    const target = path.join(dir, 'storage', rel);
    if (fs.statSync(source).isDirectory()) fs.mkdirSync(target, { recursive: true });
    else fs.linkSync(source, target);
  }
  return dir;
}
