import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPhoneImage } from '../native/api/test-phone-image.ts';
import { demoContacts, demoEvents } from '../native/sim/images/demo-data.ts';
import { demoImage, files, repoRoot } from './run-cli.ts';

/**
 * Store mode from the command line: staff, a whole session (rescue, handoff, verify, key
 * destroyed, receipt), the audit log's verify, and the plaintext scan over every byte the CLI
 * process wrote to any file, seen by strace (write, pwrite64, writev, ...). The phone runs in
 * another process (`simulate --adb-tcp`), so every traced byte is the store PC's own.
 */
let dir: string;
let env: Record<string, string>;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-store-cli-'));
  env = { XDG_DATA_HOME: path.join(dir, 'data'), TMPDIR: path.join(dir, 'tmp') };
  fs.mkdirSync(env.TMPDIR!);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MAIN = path.join(repoRoot, 'native/cli/main.ts');

function cli(args: string[], input = '', prefix: string[] = []) {
  const command = prefix.length ? prefix[0]! : process.execPath;
  const argv = [...prefix.slice(1), ...(prefix.length ? [process.execPath] : []), '--import', 'tsx', MAIN, ...args];
  const res = spawnSync(command, argv, { cwd: repoRoot, env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 180_000 });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

describe('store mode CLI', () => {
  it('adds staff, refuses a wrong PIN, runs a whole session, and verifies the audit log (and catches an edit and a removal)', () => {
    const store = path.join(dir, 'store');
    expect(cli(['store', 'staff', 'add', '--staff', 'alice', '--store-dir', store], '4711\n').code).toBe(0);
    expect(fs.readFileSync(path.join(store, 'staff.json'), 'utf8')).not.toContain('4711');
    const wrong = cli(['rescue', '--store', '--sim', demoImage, '--handoff', path.join(dir, 'usb0'), '--staff', 'alice', '--store-dir', store], '1234\n');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/wrong PIN/);
    expect(cli(['rescue', '--store', '--image', demoImage, '--handoff', path.join(dir, 'usb0'), '--staff', 'alice', '--store-dir', store], '4711\n').stderr).toMatch(/not folders/);

    const usb = path.join(dir, 'usb1');
    const run = cli(['rescue', '--store', '--sim', demoImage, '--handoff', usb, '--staff', 'alice', '--store-dir', store], '4711\n');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Session:\s+s-\d{8}-[0-9a-f]{8}/);
    expect(run.stdout).toMatch(/Contacts:\s+12/);
    expect(run.stdout).toMatch(/Session key destroyed: \d{4}-\d\d-\d\dT/);
    const [bag] = fs.readdirSync(usb);
    expect(cli(['verify', path.join(usb, bag!)]).code).toBe(0);
    expect(fs.readFileSync(path.join(usb, bag!, 'store-receipt.txt'), 'utf8')).toBe(run.stdout);
    expect(fs.readdirSync(path.join(store, 'sessions'))).toEqual([]);

    const log = path.join(store, 'audit.jsonl');
    const ok = cli(['audit', 'verify', '--log', log]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^OK: \d+ line\(s\)/);
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    const edited = path.join(dir, 'audit-edited.jsonl');
    fs.writeFileSync(edited, [...lines.slice(0, 3), lines[3]!.replace(/"staff":"alice"|"seq":4/, (m) => (m.startsWith('"seq') ? '"seq":4 ' : '"staff":"mallory"')), ...lines.slice(4)].join('\n'));
    const e = cli(['audit', 'verify', '--log', edited]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/broken at line 4/);
    const removed = path.join(dir, 'audit-removed.jsonl');
    fs.writeFileSync(removed, [...lines.slice(0, 2), ...lines.slice(3)].join('\n'));
    const r = cli(['audit', 'verify', '--log', removed]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken at line 3: .*removed/);
  }, 240_000);

  it('writes no byte of the customer to any file but the customer\'s medium (every write traced with strace)', async () => {
    const strace = spawnSync('strace', ['-V'], { encoding: 'utf8' });
    if (strace.error) throw new Error('strace is needed for the plaintext scan of store mode: install it: apt-get install -y strace');
    // The demo phone plus two large camera photos (noise, so their bytes span several sealed records).
    const image = await makeTestPhoneImage(path.join(dir, 'phone'), { serial: 'TRACE0001SER', photos: 2, photoEdge: 500 });
    const store = path.join(dir, 'store-traced');
    expect(cli(['store', 'staff', 'add', '--staff', 'bob', '--store-dir', store], '0815\n').code).toBe(0);

    // The phone: the demo image served over ADB on TCP by its own process.
    const phone = spawn(process.execPath, ['--import', 'tsx', MAIN, 'simulate', '--image', image, '--adb-tcp', '127.0.0.1:0'], {
      cwd: repoRoot,
      env: { ...process.env, TMPDIR: path.join(dir, 'phone-tmp') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    fs.mkdirSync(path.join(dir, 'phone-tmp'));
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        phone.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve(out.split('\n')[0]!.trim());
        });
        phone.once('exit', () => reject(new Error('the simulated phone ended')));
      });
      const usb = path.join(dir, 'usb-traced');
      const trace = path.join(dir, 'trace.txt');
      const run = cli(
        ['rescue', '--store', '--device', `adb-tcp:${address}`, '--handoff', usb, '--staff', 'bob', '--store-dir', store],
        '0815\n',
        ['strace', '-f', '-y', '-xx', '-s', '1000000', '-e', 'trace=write,pwrite64,writev,pwritev,pwritev2,copy_file_range,sendfile,splice', '-o', trace],
      );
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.code).toBe(0);

      const written = writesByFile(fs.readFileSync(trace, 'utf8'));
      const toMedium = [...written.keys()].filter((f) => f.startsWith(usb + path.sep));
      const elsewhere = [...written.keys()].filter((f) => !f.startsWith(usb + path.sep));
      // The traced process did write: sealed files of the session (written under tmp/ or partial/,
      // then renamed into blobs/), the audit log, and the bag on the medium.
      const sessionBytes = elsewhere.filter((f) => f.includes(`${path.sep}sessions${path.sep}`)).reduce((n, f) => n + written.get(f)!.length, 0);
      expect(sessionBytes).toBeGreaterThan(100_000);
      expect(elsewhere.some((f) => f.endsWith('audit.jsonl'))).toBe(true);
      expect(toMedium.length).toBeGreaterThan(5);

      const needles = knownPlaintext(image);
      const hits = (paths: string[]) => paths.flatMap((f) => needles.filter((n) => written.get(f)!.includes(n.bytes)).map((n) => `${f}: ${n.label}`));
      // The needles are real: the bag on the customer's medium holds them.
      expect(hits(toMedium).length).toBeGreaterThan(20);
      // And no other file got any of them: not the session's, not temporary ones, not the app's.
      expect(hits(elsewhere)).toEqual([]);
      // No data went to a file by a call whose bytes the trace cannot show.
      expect(fs.readFileSync(trace, 'utf8')).not.toMatch(/(copy_file_range|sendfile|splice)\([^)]*<\//);
      expect(files(path.join(store, 'sessions'))).toEqual([]);
    } finally {
      phone.kill('SIGINT');
    }
  }, 300_000);
});

/** Every byte written to each regular file, in the order written, from `strace -f -y -xx` output. */
function writesByFile(trace: string): Map<string, Buffer> {
  const out = new Map<string, Buffer[]>();
  const decode = (hex: string) => Buffer.from(hex.replace(/\\x/g, ''), 'hex');
  for (const line of trace.split('\n')) {
    const m = /^\d+\s+(?:write|pwrite64|writev|pwritev|pwritev2)\(\d+<((?:\\x[0-9a-f]{2})+)>,\s*(.*)$/.exec(line);
    if (!m) continue;
    const file = decode(m[1]!).toString('utf8');
    if (!file.startsWith('/') || file.startsWith('/dev/') || file.startsWith('/proc/')) continue;
    const data = [...m[2]!.matchAll(/"((?:\\x[0-9a-f]{2})*)"/g)].map((q) => decode(q[1]!));
    const list = out.get(file) ?? [];
    list.push(...data);
    out.set(file, list);
  }
  return new Map([...out].map(([file, parts]) => [file, Buffer.concat(parts)]));
}

function knownPlaintext(image: string): { label: string; bytes: Buffer }[] {
  const needles: { label: string; bytes: Buffer }[] = [];
  const text = (label: string, s: string | undefined) => s && s.length >= 5 && needles.push({ label, bytes: Buffer.from(s, 'utf8') });
  for (const c of demoContacts()) {
    text('contact name', c.displayName);
    for (const p of c.phones) text('phone number', p.value);
    for (const e of c.emails) text('e-mail', e.value);
  }
  for (const e of demoEvents()) {
    text('event title', e.title);
    text('event place', e.location);
  }
  text('serial', JSON.parse(fs.readFileSync(path.join(image, 'device.json'), 'utf8')).serial);
  text('EXIF model', 'SM-G991B');
  text('EXIF time', '2024:03:14 09:30:12');
  for (const file of files(path.join(image, 'storage'))) {
    if (!/\.(jpe?g|png|mp4)$/i.test(file)) continue;
    const bytes = fs.readFileSync(path.join(image, 'storage', file));
    for (let at = Math.min(200, bytes.length - 16); at + 16 <= bytes.length; at += Math.max(16, Math.floor(bytes.length / 6))) {
      needles.push({ label: `bytes of ${file} at ${at}`, bytes: bytes.subarray(at, at + 16) });
    }
  }
  return needles;
}
