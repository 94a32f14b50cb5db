import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../adapters/errors.ts';
import { openDeviceImage } from '../adapters/image/image-source.ts';
import { runRescue } from '../rescue/rescue-run.ts';
import { Vault, type ItemKind } from '../vault/vault.ts';
import { jsonLines, runCli } from '../../test/run-cli.ts';
import { exportBag, type ExportOptions } from './export-bag.ts';
import { verifyBag } from './verify-bag.ts';

const DEMO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'images', 'demo-android');
const SERIAL = 'LBDEMO0001';

let dir: string;
let vault: Vault;
let n = 0;
/** Item ids of the demo phone by a readable handle: contact display name, event title, photo path. */
const ids = { contact: new Map<string, number>(), event: new Map<string, number>(), media: new Map<string, number>() };
let otherPhoneContactId: number;
let full: { out: string; vcf: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-selection-'));
  vault = await Vault.open(path.join(dir, 'vault'), { create: true });
  const source = await openDeviceImage(DEMO);
  try {
    await runRescue({ source, vault, categories: ['contacts', 'calendar', 'photos'] });
  } finally {
    await source.close();
  }
  const device = vault.device(SERIAL)!;
  const handles: Record<ItemKind, string> = { contact: '$.displayName', event: '$.title', media: '$.entry.path' };
  for (const kind of ['contact', 'event', 'media'] as const) {
    for (const { id, sourceKey, fields } of vault.latestItemFields(device.id, kind, [handles[kind]])) ids[kind].set(String(fields[0] ?? sourceKey), id);
  }
  // Something the rescue could not read: a full export lists it, a selection of some photos must not.
  const run = vault.startRun(device.id, 'test', ['photos'], 50);
  vault.recordSkip(run, 'media', 'DCIM/Camera/broken.jpg', 'the phone stopped sending this file');
  vault.finishRun(run, 'done', null);
  // A second phone in the same vault: its items are not the first phone's to choose.
  const other = vault.registerDevice({ transport: 'adb', vendorId: 1, productId: 2, manufacturer: 'Other', model: 'Phone', serial: 'OTHER0001', battery: null });
  const otherRun = vault.startRun(other.id, 'test', ['contacts'], null);
  vault.putRecords(otherRun, other.id, 'contact', [{ sourceKey: 'x', record: { displayName: 'Somebody Else' } }]);
  otherPhoneContactId = [...vault.latestItemFields(other.id, 'contact', [])][0]!.id;
  vault.finishRun(otherRun, 'done', null);

  const out = path.join(dir, 'full');
  await exportBag(options(out));
  full = { out, vcf: fs.readFileSync(path.join(out, 'data', 'contacts', 'contacts.vcf'), 'utf8') };
}, 60_000);

afterAll(() => {
  vault?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function options(out: string, only?: unknown): ExportOptions {
  return { vault, out, serial: SERIAL, vcardVersion: '3.0', photoLayout: 'by-date', ...(only === undefined ? {} : { only: only as ExportOptions['only'] }) };
}

function id(kind: ItemKind, handle: string): number {
  const found = ids[kind].get(handle);
  if (found === undefined) throw new Error(`the demo phone has no ${kind} "${handle}" (it has: ${[...ids[kind].keys()].join(', ')})`);
  return found;
}

function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The cards of a .vcf file, each from BEGIN to END (lines unfolded are not needed: whole cards are compared). */
function cards(vcf: string): string[] {
  return vcf.split(/(?=BEGIN:VCARD\r\n)/).filter((c) => c.startsWith('BEGIN:VCARD'));
}

describe('exportBag with a selection', () => {
  it('writes exactly the chosen items, in the same form as an export of everything, and the bag verifies', async () => {
    const chosenPhotos = ['DCIM/Camera/IMG_20231224_190000.jpg', 'Movies/VID_20240501_120000.mp4', 'Pictures/Screenshots/Screenshot_20240402-101500.png'];
    const out = path.join(dir, `sel-${++n}`);
    const result = await exportBag(
      options(out, {
        contacts: [id('contact', 'Jean-Luc Picard'), id('contact', 'Marco Rossi')],
        events: [id('event', 'Dentist')],
        photos: chosenPhotos.map((p) => id('media', p)),
      }),
    );
    expect(result).toMatchObject({ contacts: 2, events: 1, calendars: 1, photos: 3 });
    expect(result.chosen).toEqual({ contacts: { chosen: 2, of: 12 }, events: { chosen: 1, of: 10 }, photos: { chosen: 3, of: 8 } });
    expect(await verifyBag(out)).toEqual([]);

    // Contacts: the two chosen cards, byte for byte as the export of everything writes them.
    const vcf = fs.readFileSync(path.join(out, 'data', 'contacts', 'contacts.vcf'), 'utf8');
    const written = cards(vcf);
    expect(written).toHaveLength(2);
    expect(written.map((c) => /^FN:(.*)$/m.exec(c)?.[1])).toEqual(['Jean-Luc Picard', 'Marco Rossi']);
    for (const card of written) expect(cards(full.vcf)).toContain(card);

    // Calendar: one file, one event.
    const ics = filesUnder(path.join(out, 'data', 'calendar'));
    expect(ics).toHaveLength(1);
    const text = fs.readFileSync(path.join(out, 'data', 'calendar', ics[0]!), 'utf8');
    expect(text.match(/^BEGIN:VEVENT\r$/gm)).toHaveLength(1);
    expect(text).toContain('SUMMARY:Dentist\r\n');

    // Photos: the chosen files' bytes, nothing else.
    const photos = filesUnder(path.join(out, 'data', 'photos'));
    expect(photos).toHaveLength(3);
    const want = chosenPhotos.map((p) => sha256(path.join(DEMO, 'storage', p))).sort();
    expect(photos.map((p) => sha256(path.join(out, 'data', 'photos', p))).sort()).toEqual(want);

    // The manifest names exactly what is there: three photos, one calendar, contacts, receipt.
    const manifest = fs.readFileSync(path.join(out, 'manifest-sha256.txt'), 'utf8').trim().split('\n');
    expect(manifest).toHaveLength(6);
    const oxum = /Payload-Oxum: (\d+)\.(\d+)/.exec(fs.readFileSync(path.join(out, 'bag-info.txt'), 'utf8'))!;
    expect(Number(oxum[2])).toBe(6);

    // The receipt says it is a selection, with how many of each, and lists nothing unchosen as missing.
    const receipt = fs.readFileSync(path.join(out, 'data', 'report.html'), 'utf8');
    expect(receipt).toContain('This export holds a selection');
    expect(receipt).toContain('2 of 12 contacts chosen');
    expect(receipt).toContain('1 of 10 calendar events chosen');
    expect(receipt).toContain('3 of 8 photos and videos chosen');
    expect(receipt).not.toContain('broken.jpg');
    expect(receipt).toContain('1 thing(s) the rescue could not read belong to categories exported only in part');
    expect(fs.readFileSync(path.join(full.out, 'data', 'report.html'), 'utf8')).toContain('broken.jpg');
  });

  it('writes no file for a category chosen empty or left out, and the bag still verifies', async () => {
    const out = path.join(dir, `sel-${++n}`);
    const result = await exportBag(options(out, { contacts: [], photos: [id('media', 'DCIM/Camera/PXL_20240314_083012345.jpg')] }));
    expect(result).toMatchObject({ contacts: 0, events: 0, calendars: 0, photos: 1 });
    expect(filesUnder(path.join(out, 'data')).filter((f) => !f.startsWith('photos/'))).toEqual(['report.html']);
    expect(await verifyBag(out)).toEqual([]);
    const receipt = fs.readFileSync(path.join(out, 'data', 'report.html'), 'utf8');
    expect(receipt).toContain('0 of 12 contacts chosen');
    expect(receipt).toContain('0 of 10 calendar events chosen');
    expect(receipt).toContain('not in this export (none chosen)');

    // Nothing chosen at all: a bag holding only its receipt, still whole.
    const empty = path.join(dir, `sel-${++n}`);
    await exportBag(options(empty, {}));
    expect(filesUnder(path.join(empty, 'data'))).toEqual(['report.html']);
    expect(await verifyBag(empty)).toEqual([]);
    expect(fs.readFileSync(path.join(empty, 'bag-info.txt'), 'utf8')).toMatch(/Payload-Oxum: \d+\.1\n/);
  });

  it('"all" writes a category as the export of everything does; { except } leaves out just those', async () => {
    const out = path.join(dir, `sel-${++n}`);
    const left = 'DCIM/Camera/IMG-20240101-WA0001.jpg';
    const result = await exportBag(options(out, { contacts: 'all', photos: { except: [id('media', left)] } }));
    expect(fs.readFileSync(path.join(out, 'data', 'contacts', 'contacts.vcf'), 'utf8')).toBe(full.vcf);
    expect(result.chosen).toMatchObject({ contacts: { chosen: 12, of: 12 }, photos: { chosen: 7, of: 8 } });
    const photos = filesUnder(path.join(out, 'data', 'photos')).map((p) => sha256(path.join(out, 'data', 'photos', p)));
    expect(photos).toHaveLength(7);
    expect(photos).not.toContain(sha256(path.join(DEMO, 'storage', left)));
    expect(fs.existsSync(path.join(out, 'data', 'calendar'))).toBe(false);
    expect(await verifyBag(out)).toEqual([]);
  });

  it('a chosen repeating event brings its changed occurrences along, with the series UID', async () => {
    const out = path.join(dir, `sel-${++n}`);
    const result = await exportBag(options(out, { events: [id('event', 'Weekly team sync')] }));
    expect(result.chosen!.events).toEqual({ chosen: 2, of: 10 });
    const [file] = filesUnder(path.join(out, 'data', 'calendar'));
    const text = fs.readFileSync(path.join(out, 'data', 'calendar', file!), 'utf8');
    expect(text.match(/^BEGIN:VEVENT\r$/gm)).toHaveLength(2);
    expect(text).toContain('RECURRENCE-ID');
    const uids = new Set([...text.matchAll(/^UID:(.*)\r$/gm)].map((m) => m[1]));
    expect(uids.size).toBe(1);
  });

  it('refuses ids that are not this phone\'s items, and selections of the wrong shape, before making the folder', async () => {
    const wrong: [unknown, RegExp][] = [
      [{ contacts: [999_999] }, /names contact 999999, which this vault does not hold for phone LBDEMO0001/],
      [{ contacts: [id('event', 'Dentist')] }, /names contact \d+, which this vault does not hold/],
      [{ photos: { except: [id('contact', 'Mama')] } }, /names photo or video \d+, which this vault does not hold/],
      [{ contacts: [otherPhoneContactId] }, /names contact \d+, which this vault does not hold for phone LBDEMO0001/],
      [{ contacts: [1.5] }, /not an item id/],
      [{ contacts: ['7'] }, /not an item id/],
      [{ contacts: 'some' }, /must be "all", a list of item ids, or \{ except: \[ids\] \}/],
      [{ photos: { except: 'x' } }, /must be "all"/],
      [{ music: 'all' }, /"music", which is not one of contacts, events, photos/],
      [[1, 2], /must be an object/],
    ];
    for (const [only, message] of wrong) {
      const out = path.join(dir, `refused-${++n}`);
      const err = await exportBag(options(out, only)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(only)).toBeInstanceOf(BadInputError);
      expect((err as Error).message).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    }
  });

  it('without a selection the result and receipt are as before: no counts of what was chosen', async () => {
    const out = path.join(dir, `sel-${++n}`);
    const result = await exportBag(options(out));
    expect(result).not.toHaveProperty('chosen');
    expect(result).toMatchObject({ contacts: 12, events: 10, photos: 8 });
    expect(fs.readFileSync(path.join(out, 'data', 'report.html'), 'utf8')).not.toMatch(/selection|chosen/i);
  });
});

describe('export --only (whole categories, from the command line)', () => {
  it('writes just the named categories, says so, and the bag verifies; a wrong word is exit 2', () => {
    const out = path.join(dir, `cli-${++n}`);
    const run = runCli(['export', '--vault', vault.dir, '--device', SERIAL, '--out', out, '--only', 'photos,contacts', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonLines(run.stdout).at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', contacts: 12, events: 0, calendars: 0, photos: 8 });
    expect(summary.chosen).toEqual({ contacts: { chosen: 12, of: 12 }, events: { chosen: 0, of: 10 }, photos: { chosen: 8, of: 8 } });
    expect(run.stderr).toContain('only: contacts, photos (the rest was not chosen)');
    expect(fs.readdirSync(path.join(out, 'data')).sort()).toEqual(['contacts', 'photos', 'report.html']);
    expect(runCli(['verify', out]).code).toBe(0);

    const wrong = runCli(['export', '--vault', vault.dir, '--device', SERIAL, '--out', path.join(dir, `cli-${++n}`), '--only', 'music']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('"music" is not a category');
  }, 60_000);
});
