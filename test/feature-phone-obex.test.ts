/**
 * The demo feature phone whole: its phonebook over AT commands, then, on the same line after
 * AT+CPROT=0, its IrMC phonebook and calendar and its pictures over OBEX. Rescued with
 * `--image` and `--sim` (the cable pulled in the OBEX phase, then resumed), exported, and the
 * export read back by validators that share no code with Lifeboat.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readVCards } from '../native/readers/vcard-reader.ts';
import { contentLineProblems } from './validators/content-checks.ts';
import { validateICalendarWithPython, validateVCardsWithPython } from './validators/python-validators.ts';
import { files, jsonLines, repoRoot, runCli } from './run-cli.ts';

const image = path.join(repoRoot, 'images', 'demo-at');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-feature-phone-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sha = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');
/** The pictures the image's obex/ folder holds (by content: the export renames nothing but sorts by date). */
const pictures = files(path.join(image, 'obex'))
  .filter((rel) => rel.endsWith('.jpg'))
  .map((rel) => ({ rel, sha: sha(fs.readFileSync(path.join(image, 'obex', rel))) }));

function summaryOf(stdout: string) {
  return jsonLines(stdout).find((l) => l.type === 'summary') as Record<string, number | string>;
}

function exported(vault: string, name: string) {
  const out = path.join(tmp, name);
  const run = runCli(['export', '--vault', vault, '--out', out]);
  expect(run.code, run.stderr).toBe(0);
  const vcf = fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf'), 'utf8');
  const icsFiles = fs.readdirSync(path.join(out, 'data/calendar'));
  const ics = icsFiles.map((f) => fs.readFileSync(path.join(out, 'data/calendar', f), 'utf8'));
  const photos = files(path.join(out, 'data/photos')).map((rel) => sha(fs.readFileSync(path.join(out, 'data/photos', rel))));
  return { out, vcf, ics, photos };
}

describe('the demo feature phone: AT phonebook, then OBEX on the same line', () => {
  it('rescue --image: contacts merged without duplicates or losses, calendar and pictures; the export passes the validators', () => {
    const vault = path.join(tmp, 'image-vault');
    const run = runCli(['rescue', '--image', image, '--vault', vault, '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(summaryOf(run.stdout)).toMatchObject({ contacts: 16, events: 3, photos: 3, status: 'done' });

    const { vcf, ics, photos } = exported(vault, 'image-export');
    expect(photos.sort()).toEqual(pictures.map((p) => p.sha).sort());

    // The merge: ME 1, ME 2, ME 5 and SM 2 are in richer vCards (once each, with where they lived);
    // ME 21 has a number the vCard of the same name lacks, so both are kept.
    const cards = readVCards(Buffer.from(vcf), { sourceKeyPrefix: 'export' });
    const named = (name: string) => cards.filter((c) => c.displayName === name);
    expect(named('Dr. Ngozi Okafor')).toHaveLength(1);
    expect(named('Dr. Ngozi Okafor')[0]!.phones.map((p) => p.value).sort()).toEqual(['+23412345678', '+23418765432']);
    expect(named('Dr. Ngozi Okafor')[0]!.emails.map((e) => e.value)).toEqual(['ngozi.okafor@example.ng']);
    expect(named('Dr. Ngozi Okafor')[0]!.notes).toContain('Also in the phone memory phonebook (ME), entry 1.');
    expect(named('Jürgen Müller')).toHaveLength(1);
    expect(named('Jürgen Müller')[0]!.notes).toContain('Also in the SIM card phonebook (SM), entry 2.');
    expect(named('Piotr Wiśniewski')[0]!.notes).toEqual(expect.arrayContaining([expect.stringMatching(/^Klucz u sąsiada\r?\npod wycieraczką$/)]));
    expect(named('Søren Kierkegård')).toHaveLength(1);
    expect(named('Ελένη Παπαδοπούλου').map((c) => c.phones.map((p) => p.value))).toEqual(expect.arrayContaining([['+302101234567'], ['+302109876543']]));
    expect(named('Anna Schmidt')).toHaveLength(2); // SIM entry and the dialled-calls entry, as before
    expect(named('Mia Lindqvist')[0]!.dates).toMatchObject([{ type: 'birthday', year: 1985, month: 2, day: 14 }]);
    // Nothing of the AT phonebook is lost: every number of the image's memories is in the export.
    const phonebook = JSON.parse(fs.readFileSync(path.join(image, 'phonebook.json'), 'utf8')) as { memories: Record<string, { entries: { number?: string }[] }> };
    const exportedNumbers = new Set(cards.flatMap((c) => c.phones.map((p) => p.value.replace(/\s/g, ''))));
    for (const memory of Object.values(phonebook.memories)) for (const e of memory.entries) if (e.number) expect(exportedNumbers, e.number).toContain(e.number);

    expect(contentLineProblems(vcf)).toEqual([]);
    const py = validateVCardsWithPython(vcf);
    if (!py.ok) throw new Error(py.error);
    expect(py.items).toHaveLength(16);

    expect(ics).toHaveLength(1);
    expect(contentLineProblems(ics[0]!)).toEqual([]);
    const events = validateICalendarWithPython(ics[0]!);
    if (!events.ok) throw new Error(events.error);
    const bySummary = Object.fromEntries(events.items.map((e) => [e.summary, e]));
    expect(Object.keys(bySummary).sort()).toEqual(['Kaffee mit Ελένη', 'Zahnarzt Dr. Müller', '花見 (hanami)']);
    expect(bySummary['Zahnarzt Dr. Müller']!.location).toBe('Königstraße 12, München');
    expect(bySummary['Zahnarzt Dr. Müller']!.description).toBe('Versichertenkarte mitbringen.\nNüchtern erscheinen!');
    expect(bySummary['Kaffee mit Ελένη']!.rrule.join(';')).toMatch(/FREQ=WEEKLY/);
  }, 120_000);

  it('rescue --sim with the cable pulled in the OBEX phase (mid-picture) ends with exit 3, and the next run resumes to the same export', () => {
    const vault = path.join(tmp, 'sim-vault');
    // Far enough for the AT phonebook, pb.vcf and cal.vcs, and into the 180 kB picture.
    const cut = runCli(['rescue', '--sim', image, '--vault', vault, '--unplug-after', '60000', '--json']);
    expect(cut.code, cut.stderr).toBe(3);
    const first = summaryOf(cut.stdout);
    expect(first).toMatchObject({ contacts: 16, events: 3 });
    expect(Number(first.photos)).toBeLessThan(3);
    expect(cut.stderr).toMatch(/OBEX|cable|link/i);

    const again = runCli(['rescue', '--sim', image, '--vault', vault, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const second = summaryOf(again.stdout);
    expect(second).toMatchObject({ contacts: 16, events: 3, photos: 3, status: 'done' });
    // The picture cut in half went on from its kept bytes: fewer bytes came than the whole image holds.
    expect(Number(second.transferredBytes)).toBeLessThan(182_973);
    const { photos, vcf } = exported(vault, 'sim-export');
    expect(photos.sort()).toEqual(pictures.map((p) => p.sha).sort());
    expect(readVCards(Buffer.from(vcf), { sourceKeyPrefix: 'x' })).toHaveLength(16);
  }, 120_000);
});
