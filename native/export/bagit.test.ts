import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadInputError } from '../adapters/errors.ts';
import { BagWriter, decodeManifestPath, encodeManifestPath } from './bagit.ts';
import { verifyBag } from './verify-bag.ts';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-bag-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function makeBag(out: string): Promise<void> {
  const bag = await BagWriter.create(out);
  await bag.writeText(['contacts', 'contacts.vcf'], 'BEGIN:VCARD\r\nEND:VCARD\r\n');
  await bag.writeText(['photos', '2024', '03', 'Grüße.jpg'], 'jpeg bytes', new Date('2024-03-01T12:00:00Z'));
  await bag.finish({ 'Bag-Software-Agent': 'test' });
}

describe('BagWriter and verifyBag', () => {
  it('writes a bag that sha256sum and verifyBag both accept', async () => {
    const out = path.join(dir, 'bag');
    await makeBag(out);
    expect(fs.readFileSync(path.join(out, 'bagit.txt'), 'utf8')).toBe('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n');
    expect(fs.readFileSync(path.join(out, 'bag-info.txt'), 'utf8')).toContain('Payload-Oxum: 34.2\n');
    expect(fs.statSync(path.join(out, 'data/photos/2024/03/Grüße.jpg')).mtime.toISOString()).toBe('2024-03-01T12:00:00.000Z');
    // coreutils reads the manifest independently of our code.
    const check = execFileSync('sha256sum', ['-c', 'manifest-sha256.txt'], { cwd: out, encoding: 'utf8' });
    expect(check).toContain('data/contacts/contacts.vcf: OK');
    execFileSync('sha256sum', ['-c', 'tagmanifest-sha256.txt'], { cwd: out });
    expect(await verifyBag(out)).toEqual([]);
  });

  it('finds a changed byte, a missing file, an extra file and an edited tag file', async () => {
    const out = path.join(dir, 'bag');
    await makeBag(out);
    const photo = path.join(out, 'data/photos/2024/03/Grüße.jpg');
    const bytes = fs.readFileSync(photo);
    bytes[0] = bytes[0]! ^ 1;
    fs.writeFileSync(photo, bytes);
    expect(await verifyBag(out)).toEqual([expect.stringMatching(/^damaged: data\/photos\/2024\/03\/Grüße\.jpg/)]);
    fs.rmSync(photo);
    fs.writeFileSync(path.join(out, 'data/extra.txt'), 'x');
    fs.appendFileSync(path.join(out, 'bag-info.txt'), 'Contact-Name: someone\n');
    const problems = await verifyBag(out);
    expect(problems).toContain('missing: data/photos/2024/03/Grüße.jpg');
    expect(problems).toContain('not in manifest: data/extra.txt');
    expect(problems).toContain('damaged: bag-info.txt (tag file changed)');
  });

  it('refuses a folder that is not empty, and paths that would leave the bag', async () => {
    fs.writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    await expect(BagWriter.create(dir)).rejects.toBeInstanceOf(BadInputError);
    expect(fs.readdirSync(dir)).toEqual(['keep.txt']);
    const bag = await BagWriter.create(path.join(dir, 'empty'));
    for (const bad of [['..', 'x'], ['a/b'], [''], ['a\\b']]) {
      await expect(bag.writeText(bad, 'x')).rejects.toThrow(/unsafe path segment/);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['empty', 'keep.txt']);
  });

  it('rejects a manifest that points outside the bag', async () => {
    const out = path.join(dir, 'bag');
    await makeBag(out);
    fs.appendFileSync(path.join(out, 'manifest-sha256.txt'), `${'0'.repeat(64)}  ../../etc/passwd\n`);
    expect(await verifyBag(out)).toContain('unsafe: manifest names a path outside the bag: ../../etc/passwd');
  });

  it('percent-encodes CR, LF and % in manifest paths (RFC 8493 2.1.3)', () => {
    const odd = 'data/a%b\r\nc';
    expect(encodeManifestPath(odd)).toBe('data/a%25b%0D%0Ac');
    expect(decodeManifestPath(encodeManifestPath(odd))).toBe(odd);
  });
});
