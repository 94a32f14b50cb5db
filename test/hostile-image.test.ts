import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyContact } from '../native/model/contact.ts';
import { writeContactsDb } from '../native/sim/android-provider-writer.ts';
import { makeJpeg } from '../native/sim/jpeg-fixture.ts';
import { jsonLines, runCli } from './run-cli.ts';

let dir: string;
let image: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-hostile-'));
  image = path.join(dir, 'image');
  const camera = path.join(image, 'storage', 'DCIM', 'Camera');
  fs.mkdirSync(camera, { recursive: true });
  fs.mkdirSync(path.join(image, 'providers'));
  fs.writeFileSync(
    path.join(image, 'device.json'),
    JSON.stringify({
      transport: 'adb',
      vendorId: 1,
      productId: 2,
      manufacturer: '<script>alert(1)</script>',
      model: '"><img src=x onerror=alert(2)>',
      serial: '../../escape',
      battery: 5,
    }),
  );
  const jpeg = (n: number) => makeJpeg({ dateTimeOriginal: `2021:0${n}:0${n} 10:00:00` });
  const names = ['a\nb.jpg', '100%.jpg', 'CON.jpg', '<img src=x onerror=alert(3)>.jpg', `${'long'.repeat(60)}.jpg`, '.hidden.jpg', ' spaced .jpg'];
  names.forEach((name, i) => fs.writeFileSync(path.join(camera, name), jpeg((i % 8) + 1)));
  fs.symlinkSync('/etc/passwd', path.join(camera, 'link.jpg'));
  fs.symlinkSync('/', path.join(camera, 'rootdir'));
  execFileSync('mkfifo', [path.join(camera, 'pipe.jpg')]); // reading a FIFO would hang forever

  const evil = emptyContact('evil');
  evil.displayName = 'END:VCARD\r\nBEGIN:VCARD\r\nFN:Injected';
  evil.notes = ['x'.repeat(2_000_000), '<script>alert(4)</script>;,\\'];
  evil.phones = [{ value: '+1 555 0100', type: 'mobile' }];
  const plain = emptyContact('plain');
  plain.emails = [{ value: 'only@example.com', type: 'home' }];
  writeContactsDb(path.join(image, 'providers', 'contacts2.db'), [evil, plain]);
  fs.writeFileSync(path.join(image, 'providers', 'calendar.db'), 'this is not a database at all'.repeat(100));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a hostile device image', () => {
  it('gives clear errors, saves what it can, and writes nothing outside the vault and OUT', () => {
    const before = fs.readdirSync(dir).sort();
    const vault = path.join(dir, 'vault');
    const rescue = runCli(['rescue', '--image', image, '--vault', vault, '--json']);
    expect(rescue.code).toBe(2); // the calendar database is broken: bad input, named
    expect(rescue.stderr).toMatch(/calendar/);
    expect(rescue.stderr).not.toMatch(/\n\s+at /);
    const summary = jsonLines(rescue.stdout).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', contacts: 2, events: 0 });
    expect(summary.photos).toBe(7); // the regular files only: no symlink, no FIFO

    const out = path.join(dir, 'out');
    const exported = runCli(['export', '--vault', vault, '--out', out]);
    expect(exported.stderr).not.toMatch(/\n\s+at /);
    expect(exported.code).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual([...before, 'out', 'vault'].sort());
    expect(runCli(['verify', out]).code).toBe(0);

    const photos = fs.readdirSync(path.join(out, 'data/photos'), { recursive: true }).map(String);
    for (const p of photos) {
      expect(p).not.toMatch(/[\n%<>:]/);
      expect(path.basename(p)).not.toMatch(/^(CON|con)(\.|$)/);
    }
    const vcf = fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf'), 'utf8');
    expect(vcf.match(/^BEGIN:VCARD\r$/gm)).toHaveLength(2); // the injected text stayed a value
    expect(vcf).toContain('only@example.com');
    const report = fs.readFileSync(path.join(out, 'data/report.html'), 'utf8');
    expect(report).not.toContain('<script>');
    expect(report).not.toContain('<img');
    expect(report).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(report).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });
});
