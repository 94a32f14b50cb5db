/** The feature-phone demo image through the CLI: --image and --sim go the whole way of a byte over AT. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, repoRoot, runCli } from './run-cli.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-at-cli-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const demo = path.join(repoRoot, 'images', 'demo-at');

describe('feature phone demo image on the CLI', () => {
  it('rescues with --image and exports every memory', () => {
    const vault = path.join(root, 'v1');
    const rescue = runCli(['rescue', '--image', demo, '--vault', vault, '--json']);
    expect(rescue.code, rescue.stderr).toBe(0);
    // 14 AT entries and 6 IrMC vCards, 4 entries folded into their vCards (see test/feature-phone-obex.test.ts).
    expect(jsonLines(rescue.stdout).at(-1)).toMatchObject({ type: 'summary', contacts: 16, events: 3, photos: 3 });
    const out = path.join(root, 'o1');
    expect(runCli(['export', '--vault', vault, '--out', out]).code).toBe(0);
    const vcf = fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf'), 'utf8');
    for (const name of ['Jürgen Müller', 'Ольга Петрова', '王芳', 'Ελένη Παπαδοπούλου']) expect(vcf).toContain(`FN:${name}`);
    expect(vcf).toContain('TEL;TYPE=VOICE,PREF:+8613800138000');
  });

  it('ends with exit 3 when the cable is pulled (--sim --unplug-after), and resumes', () => {
    const vault = path.join(root, 'v2');
    const cut = runCli(['rescue', '--sim', demo, '--vault', vault, '--unplug-after', '1500']);
    expect(cut.code, cut.stderr).toBe(3);
    expect(cut.stderr).toMatch(/AT link closed|lost/);
    const again = runCli(['rescue', '--sim', demo, '--vault', vault, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ type: 'summary', contacts: 16, events: 3, photos: 3 });
  });
});
