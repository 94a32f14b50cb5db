/**
 * The ADB part of `npm run bench` (issue 4):
 *  (d) rescue --sim at --link-rate 40 of the 2 GiB photo image: photo throughput (bytes of the
 *      photos phase / its time, from the arrival of the --json `category-start` and
 *      `category-done` lines) against 95% of the link, and peak memory against 300 MB;
 *  (e) over TCP from one `simulate` process: Lifeboat pulling DCIM against the real `adb pull`
 *      of DCIM, two rounds alternating, best of each;
 *  (f) rescue --sim of 10,000 contacts + 5,000 events: the whole command, and session open
 *      (the `device` line) to the calendar's `category-done` line.
 * Every child gets XDG_DATA_HOME (Lifeboat's ADB key) and HOME (adb's key) under .bench/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { writeCalendarDb, writeContactsDb } from '../native/sim/android-provider-writer.ts';
import { syntheticContacts, syntheticEvents } from './synthetic-phone.ts';
import { freePort } from '../native/util/free-port.ts';
import { at, runLifeboatJson } from './json-run.ts';

export interface AdbBenchContext {
  root: string;
  work: string;
  /** The photo image of the full pool (2 GiB) and one of half of it (1 GiB). */
  fullImage: string;
  halfImage: string;
  gib: (bytes: number) => string;
  deviceJson: (serial: string) => string;
  log: (msg: string) => void;
}

const LINK_RATE = Number(process.env.BENCH_LINK_RATE ?? 40);
const ADB_CONTACTS = Number(process.env.BENCH_ADB_CONTACTS ?? 10_000);
const ADB_EVENTS = Number(process.env.BENCH_ADB_EVENTS ?? 5_000);
const ADB = process.env.BENCH_ADB ?? '/usr/bin/adb';

const s = (ms: number) => (ms / 1000).toFixed(2);
const mb = (bytes: number) => (bytes / 1e6).toFixed(0);

export async function adbBenchmarks(ctx: AdbBenchContext): Promise<string[][]> {
  const xdg = path.join(ctx.work, 'adb-xdg');
  const home = path.join(ctx.work, 'adb-home');
  fs.mkdirSync(xdg, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const childEnv = { ...process.env, XDG_DATA_HOME: xdg };
  const vault = path.join(ctx.work, 'vault-adb');
  const freshVault = () => {
    fs.rmSync(vault, { recursive: true, force: true });
    spawnSync('sync');
    return vault;
  };

  const lifeboatJson = (args: string[]) => runLifeboatJson(ctx.root, ctx.work, childEnv, args);

  const rows: string[][] = [];

  // (d) The simulator behind the virtual USB device, the link at 40 MB/s.
  ctx.log(`(d) rescue --sim --link-rate ${LINK_RATE} of ${ctx.fullImage} ...`);
  const d = await lifeboatJson(['rescue', '--sim', ctx.fullImage, '--vault', freshVault(), '--link-rate', String(LINK_RATE), '--only', 'photos']);
  const start = at(d, 'category-start', 'photos');
  const done = at(d, 'category-done', 'photos');
  const photoBytes = Number(done.event.bytes);
  const phaseMBps = photoBytes / 1e6 / ((done.ms - start.ms) / 1000);
  const wholeMBps = photoBytes / 1e6 / (d.wallMs / 1000);
  const share = phaseMBps / LINK_RATE;
  rows.push([
    `(d) rescue --sim --link-rate ${LINK_RATE}, ${ctx.gib(photoBytes)} GiB (${String(done.event.saved)} photos)`,
    `photos phase ${s(done.ms - start.ms)} s: ${phaseMBps.toFixed(1)} MB/s = ${(share * 100).toFixed(1)}% of the link; whole run ${s(d.wallMs)} s (${wholeMBps.toFixed(1)} MB/s)`,
    `peak ${mb(d.maxRssBytes)} MB (target: at most 300 MB)`,
    `≥ 95%: ${share >= 0.95 ? 'yes' : 'NO'}, ≤ 300 MB: ${d.maxRssBytes <= 300e6 ? 'yes' : 'NO'}`,
  ]);
  ctx.log(`(d) ${rows.at(-1)!.slice(1).join(' | ')}`);

  // (e) One simulator on TCP, no link rate; Lifeboat and the real adb client take turns.
  const sim = await startSimulator(ctx, ctx.halfImage, childEnv);
  const adbPort = await freePort();
  const adbEnv = { ...process.env, HOME: home, ANDROID_ADB_SERVER_PORT: String(adbPort) };
  const adb = (args: string[]) => spawnSync(ADB, args, { env: adbEnv, encoding: 'utf8', timeout: 120_000 });
  const lbTimes: number[] = [];
  const adbTimes: number[] = [];
  const lbPhases: string[] = [];
  let dcimBytes = 0;
  try {
    await connectAdb(adb, sim.address, ctx.log);
    const out = path.join(ctx.work, 'adb-pull');
    const lifeboatRound = async (round: number) => {
      ctx.log(`(e) round ${round + 1}: lifeboat rescue --device adb-tcp:${sim.address} --only photos ...`);
      const lb = await lifeboatJson(['rescue', '--device', `adb-tcp:${sim.address}`, '--vault', freshVault(), '--only', 'photos']);
      lbTimes.push(lb.wallMs);
      const opened = at(lb, 'device').ms;
      const start = at(lb, 'category-start', 'photos').ms;
      const done = at(lb, 'category-done', 'photos');
      dcimBytes = Number(done.event.bytes);
      lbPhases.push(`list ${s(start - opened)}, transfer ${s(done.ms - start)}`);
    };
    const adbRound = (round: number) => {
      ctx.log(`(e) round ${round + 1}: adb pull /sdcard/DCIM ...`);
      fs.rmSync(out, { recursive: true, force: true });
      fs.mkdirSync(out, { recursive: true });
      spawnSync('sync');
      const t = performance.now();
      const pull = adb(['-s', sim.address, 'pull', '/sdcard/DCIM', out]);
      adbTimes.push(performance.now() - t);
      if (pull.status !== 0) throw new Error(`adb pull exited ${pull.status}: ${pull.stderr}`);
      ctx.log(`(e) adb pull: ${pull.stdout.trim().split('\n').at(-1)}`);
    };
    // Two rounds, the order swapped in the second, so neither side always meets the simulator first.
    for (let round = 0; round < 2; round++) {
      if (round % 2 === 0) {
        await lifeboatRound(round);
        adbRound(round);
      } else {
        adbRound(round);
        await lifeboatRound(round);
      }
    }
    fs.rmSync(out, { recursive: true, force: true });
  } finally {
    adb(['kill-server']);
    sim.child.kill('SIGTERM');
  }
  const bestLb = Math.min(...lbTimes);
  const bestAdb = Math.min(...adbTimes);
  rows.push([
    `(e) DCIM over TCP from the simulator, ${ctx.gib(dcimBytes)} GiB: rescue --device adb-tcp`,
    `${s(bestLb)} s (${(dcimBytes / 1e6 / (bestLb / 1000)).toFixed(0)} MB/s), runs ${lbTimes.map(s).join(' / ')} s`,
    `adb pull /sdcard/DCIM: ${s(bestAdb)} s (${(dcimBytes / 1e6 / (bestAdb / 1000)).toFixed(0)} MB/s), runs ${adbTimes.map(s).join(' / ')} s`,
    bestLb <= bestAdb ? 'no slower: yes' : 'no slower: NO',
  ]);
  ctx.log(`(e) ${rows.at(-1)!.slice(1).join(' | ')}; Lifeboat phases (s): ${lbPhases.join(' / ')}`);

  // (f) Contacts and calendar through the simulator (no link rate).
  ctx.log(`(f) writing ${ADB_CONTACTS} contacts and ${ADB_EVENTS} events in Android's schema ...`);
  const image = path.join(ctx.work, 'image-adb-records');
  fs.rmSync(image, { recursive: true, force: true });
  fs.mkdirSync(path.join(image, 'providers'), { recursive: true });
  fs.writeFileSync(path.join(image, 'device.json'), ctx.deviceJson('BENCH-ADB-RECORDS'));
  writeContactsDb(path.join(image, 'providers', 'contacts2.db'), syntheticContacts(ADB_CONTACTS));
  writeCalendarDb(path.join(image, 'providers', 'calendar.db'), syntheticEvents(ADB_EVENTS));
  ctx.log('(f) rescue --sim --only contacts,calendar ...');
  const f = await lifeboatJson(['rescue', '--sim', image, '--vault', freshVault(), '--only', 'contacts,calendar']);
  const opened = at(f, 'device');
  const contactsDone = at(f, 'category-done', 'contacts');
  const calendarDone = at(f, 'category-done', 'calendar');
  rows.push([
    `(f) rescue --sim of ${ADB_CONTACTS.toLocaleString('en')} contacts + ${ADB_EVENTS.toLocaleString('en')} events`,
    `session open → calendar durable ${s(calendarDone.ms - opened.ms)} s (contacts ${s(contactsDone.ms - opened.ms)} s); whole command ${s(f.wallMs)} s`,
    `peak ${mb(f.maxRssBytes)} MB`,
    `${String(contactsDone.event.saved)} contacts, ${String(calendarDone.event.saved)} events`,
  ]);
  ctx.log(`(f) ${rows.at(-1)!.slice(1).join(' | ')}; process start → session open ${s(opened.ms)} s, spawn to exit ${s(f.spawnWallMs)} s`);
  fs.rmSync(vault, { recursive: true, force: true });
  return rows;
}

/** `simulate --adb-tcp 127.0.0.1:0`: resolves with the address once the first stdout line is in. */
async function startSimulator(ctx: AdbBenchContext, image: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ctx.root, 'native/cli/main.ts'), 'simulate', '--image', image, '--adb-tcp', '127.0.0.1:0', '--auth', 'trust-all'], {
    cwd: ctx.root,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`simulate exited ${code} before saying its address`)));
  });
  return { child, address };
}

async function connectAdb(adb: (args: string[]) => ReturnType<typeof spawnSync>, address: string, log: (msg: string) => void) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    adb(['connect', address]);
    const state = adb(['-s', address, 'get-state']);
    if (String(state.stdout).trim() === 'device') return;
    if (Date.now() > deadline) throw new Error(`adb never saw ${address} as a device: ${String(state.stdout)}${String(state.stderr)}`);
    log(`(e) adb: ${String(state.stderr).trim() || String(state.stdout).trim()}; retrying`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

