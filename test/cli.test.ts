import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoImage, jsonLines, runCli } from './run-cli.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-cli-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(root, child));
    else out.push(child);
  }
  return out.sort();
}

describe('the demo image, end to end through the CLI', () => {
  it('rescues, skips on a second run, exports deterministically, verifies, and finds a changed byte', () => {
    const vault = path.join(dir, 'vault');
    const first = runCli(['rescue', '--image', demoImage, '--vault', vault, '--json']);
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    const lines = jsonLines(first.stdout);
    const summary = lines.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(summary.contacts).toBeGreaterThan(5);
    expect(summary.events).toBeGreaterThan(5);
    expect(summary.photos).toBeGreaterThan(3);
    expect(summary.skipped).toBe(0);
    expect(summary.transferredBytes).toBeGreaterThan(0);
    // Contacts before calendar before photos.
    const order = lines.filter((l) => l.type === 'category-start').map((l) => l.category);
    expect(order).toEqual(['contacts', 'calendar', 'photos']);

    const second = jsonLines(runCli(['rescue', '--image', demoImage, '--vault', vault, '--json']).stdout).at(-1)!;
    expect(second).toMatchObject({ contacts: summary.contacts, events: summary.events, photos: summary.photos, bytes: summary.bytes });
    expect(second.transferredBytes).toBe(0);
    expect(second.skipped).toBe((summary.contacts as number) + (summary.events as number) + (summary.photos as number));

    const outA = path.join(dir, 'export-a');
    const outB = path.join(dir, 'export-b');
    expect(runCli(['export', '--vault', vault, '--out', outA]).code).toBe(0);
    expect(runCli(['export', '--vault', vault, '--out', outB]).code).toBe(0);
    const files = listFiles(path.join(outA, 'data'));
    expect(files).toContain('contacts/contacts.vcf');
    expect(files).toContain('report.html');
    expect(files.some((f) => /^calendar\/.+\.ics$/.test(f))).toBe(true);
    expect(files.some((f) => /^photos\/\d{4}\/\d{2}\/.+/.test(f))).toBe(true);
    expect(listFiles(path.join(outB, 'data'))).toEqual(files);
    for (const f of files.filter((f) => f !== 'report.html')) {
      expect(fs.readFileSync(path.join(outB, 'data', f)).equals(fs.readFileSync(path.join(outA, 'data', f))), f).toBe(true);
    }

    expect(runCli(['verify', outA]).code).toBe(0);
    expect(runCli(['verify', vault]).code).toBe(0);
    const photo = files.find((f) => f.startsWith('photos/'))!;
    const target = path.join(outA, 'data', photo);
    const bytes = fs.readFileSync(target);
    bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0xff;
    fs.writeFileSync(target, bytes);
    const damaged = runCli(['verify', outA]);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain(`damaged: data/${photo}`);
  });

  it('keeps the phone folders with --photos as-on-device and writes vCard 4.0 on request', () => {
    const vault = path.join(dir, 'vault-2');
    expect(runCli(['rescue', '--image', demoImage, '--vault', vault, '--only', 'contacts,photos']).code).toBe(0);
    const out = path.join(dir, 'export-2');
    expect(runCli(['export', '--vault', vault, '--out', out, '--vcard', '4.0', '--photos', 'as-on-device']).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf'), 'utf8')).toContain('VERSION:4.0\r\n');
    expect(listFiles(path.join(out, 'data')).some((f) => f.startsWith('photos/DCIM/Camera/'))).toBe(true);
    expect(fs.readdirSync(path.join(out, 'data')).includes('calendar')).toBe(false);
  });

  it('asks which phone when a vault holds several (exit 2 with the serials)', () => {
    const vault = path.join(dir, 'vault-3');
    expect(runCli(['rescue', '--image', demoImage, '--vault', vault, '--only', 'contacts']).code).toBe(0);
    const other = path.join(dir, 'other-image');
    fs.cpSync(demoImage, other, { recursive: true });
    const device = JSON.parse(fs.readFileSync(path.join(other, 'device.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(path.join(other, 'device.json'), JSON.stringify({ ...device, serial: 'SECOND-PHONE' }));
    expect(runCli(['rescue', '--image', other, '--vault', vault, '--only', 'contacts']).code).toBe(0);
    const ambiguous = runCli(['export', '--vault', vault, '--out', path.join(dir, 'export-3')]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('SECOND-PHONE');
    expect(ambiguous.stderr).toContain(device.serial as string);
    expect(fs.existsSync(path.join(dir, 'export-3'))).toBe(false);
    expect(runCli(['export', '--vault', vault, '--out', path.join(dir, 'export-3'), '--device', 'SECOND-PHONE']).code).toBe(0);
  });

  it('says what to fix for bad usage (exit 2)', () => {
    const cases: string[][] = [
      [],
      ['frobnicate'],
      ['rescue', '--vault', path.join(dir, 'v')],
      ['rescue', '--image', path.join(dir, 'nope'), '--vault', path.join(dir, 'v')],
      ['rescue', '--image', demoImage, '--vault', path.join(dir, 'v'), '--only', 'sms'],
      ['rescue', '--image', demoImage, '--vault', path.join(dir, 'v'), '--bogus'],
      ['export', '--vault', path.join(dir, 'nope'), '--out', path.join(dir, 'o')],
      ['export', '--vault', path.join(dir, 'vault'), '--out', path.join(dir, 'o'), '--vcard', '2.1'],
      ['export', '--vault', path.join(dir, 'vault'), '--out', demoImage],
      ['verify', path.join(dir, 'nope')],
    ];
    for (const args of cases) {
      const res = runCli(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr.length, args.join(' ')).toBeGreaterThan(10);
      expect(res.stderr, args.join(' ')).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
  });
});
