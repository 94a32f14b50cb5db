/**
 * Real peers on one simulated feature phone, through the CLI as a person runs it
 * (`lifeboat simulate --image images/demo-at --tty`): gammu reads its phonebooks over AT, Debian's
 * obexftp switches the same line to OBEX (its probe, ATZ, AT+GMI, AT+CPROT=0) and lists and gets
 * its pictures and its IrMC telecom/pb.vcf and telecom/cal.vcs; after each, the phone is back in
 * AT commands. Then Lifeboat rescues the same pty and its export must hold everything they read.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFolderListing } from '../native/protocols/obex/obex-folder-listing.ts';
import { readVCalendar } from '../native/readers/vcalendar-reader.ts';
import { readVCards } from '../native/readers/vcard-reader.ts';
import { files, repoRoot, runCli } from './run-cli.ts';
import { simulateOnTty } from './simulate-on-tty.ts';
import { validateICalendarWithPython, validateVCardsWithPython } from './validators/python-validators.ts';

const image = path.join(repoRoot, 'images', 'demo-at');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-obexftp-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  for (const [tool, pkg] of [['obexftp', 'obexftp'], ['gammu', 'gammu']]) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`]);
    if (found.status !== 0) throw new Error(`${tool} is missing; install it: apt-get install -y ${pkg}`);
  }
});

const sha = (bytes: Buffer) => crypto.createHash('sha256').update(bytes).digest('hex');

/** obexftp ends with exit(-ret): 255 when the operation succeeded. */
function obexftp(pty: string, args: string[], cwd: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('obexftp', ['-t', pty, ...args], { cwd, encoding: 'buffer', timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: number }).code : 0;
      if (code !== 255 || /failed/.test(stderr.toString())) reject(new Error(`obexftp ${args.join(' ')} ended ${code}: ${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}

describe('gammu, obexftp and Lifeboat on the same simulated feature phone (simulate --tty)', () => {
  it('everything obexftp and gammu read is in Lifeboat\'s export of the same pty', async () => {
    const sim = await simulateOnTty(image);
    try {
      const rc = path.join(tmp, 'gammurc');
      fs.writeFileSync(rc, `[gammu]\ndevice = ${sim.pty}\nconnection = at19200\n`);
      const gammu = (...args: string[]) => execFileSync('gammu', ['-c', rc, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      expect(gammu('identify')).toMatch(/IMEI\s*:\s*356938035643809/);

      const got = path.join(tmp, 'obexftp');
      fs.mkdirSync(got);
      // Folder Browsing: the tree, then each picture.
      const root = parseFolderListing(await obexftp(sim.pty, ['-l'], got)).entries.map((e) => e.name);
      expect(root.sort()).toEqual(['Pictures', 'Sounds']); // telecom/ is IrMC's, not shown
      const pictures = parseFolderListing(await obexftp(sim.pty, ['-l', 'Pictures'], got)).entries;
      expect(pictures.map((e) => e.name).sort()).toEqual(['Camera', 'Image000.jpg', 'Image001.jpg', 'readme.txt']);
      const camera = parseFolderListing(await obexftp(sim.pty, ['-l', 'Pictures/Camera'], got)).entries;
      const wanted = [...pictures.filter((e) => e.name.endsWith('.jpg')).map((e) => `Pictures/${e.name}`), ...camera.map((e) => `Pictures/Camera/${e.name}`)];
      expect(wanted).toHaveLength(3);
      const byObexftp = new Map<string, string>();
      for (const rel of wanted) {
        await obexftp(sim.pty, ['-g', rel], got);
        const bytes = fs.readFileSync(path.join(got, path.basename(rel)));
        expect(bytes.equals(fs.readFileSync(path.join(image, 'obex', rel))), rel).toBe(true);
        byObexftp.set(rel, sha(bytes));
      }
      // IrMC sync: the phonebook and the calendar objects.
      for (const name of ['telecom/pb.vcf', 'telecom/cal.vcs']) await obexftp(sim.pty, ['-U', 'sync', '-g', name], got);
      const pb = fs.readFileSync(path.join(got, 'pb.vcf'));
      const cal = fs.readFileSync(path.join(got, 'cal.vcs'));
      expect(pb.equals(fs.readFileSync(path.join(image, 'obex/telecom/pb.vcf')))).toBe(true);

      // The phone is back in AT commands after obexftp's DISCONNECTs: gammu reads on.
      expect(gammu('getallmemory', 'SM')).toMatch(/Memory SM, Location 1/);

      const vault = path.join(tmp, 'vault');
      const rescue = runCli(['rescue', '--device', `at:${sim.pty}`, '--vault', vault]);
      expect(rescue.code, `${rescue.stderr}\nsimulator:\n${sim.log()}`).toBe(0);
      const out = path.join(tmp, 'export');
      const exported = runCli(['export', '--vault', vault, '--out', out]);
      expect(exported.code, exported.stderr).toBe(0);
      // And once more after Lifeboat: the line is in AT commands again.
      expect(gammu('identify')).toMatch(/Nokia/);

      const photos = new Set(files(path.join(out, 'data/photos')).map((rel) => sha(fs.readFileSync(path.join(out, 'data/photos', rel)))));
      for (const [rel, digest] of byObexftp) expect(photos.has(digest), rel).toBe(true);

      const vcf = fs.readFileSync(path.join(out, 'data/contacts/contacts.vcf'));
      const py = validateVCardsWithPython(vcf.toString('utf8'));
      if (!py.ok) throw new Error(py.error);
      const cards = readVCards(vcf, { sourceKeyPrefix: 'export' });
      const norm = (n: string) => n.replace(/[\s\-./()]/g, '');
      for (const person of readVCards(pb, { sourceKeyPrefix: 'obexftp' })) {
        const match = cards.find((c) => c.displayName === person.displayName && person.phones.every((p) => c.phones.some((q) => norm(q.value) === norm(p.value))));
        expect(match, `${person.displayName} in the export`).toBeDefined();
        for (const e of person.emails) expect(match!.emails.map((m) => m.value)).toContain(e.value);
        for (const n of person.notes) expect(match!.notes.map((m) => m.replace(/\r\n/g, '\n'))).toContain(n.replace(/\r\n/g, '\n'));
      }

      const ics = fs.readdirSync(path.join(out, 'data/calendar')).map((f) => fs.readFileSync(path.join(out, 'data/calendar', f), 'utf8'));
      const events = ics.flatMap((text) => {
        const parsed = validateICalendarWithPython(text);
        if (!parsed.ok) throw new Error(parsed.error);
        return parsed.items;
      });
      for (const event of readVCalendar(cal, { sourceKeyPrefix: 'obexftp', calendarName: 'obexftp' })) {
        const match = events.find((e) => e.summary === event.title);
        expect(match, `${event.title} in the export`).toBeDefined();
        if (event.location) expect(match!.location).toBe(event.location);
      }
      expect(events).toHaveLength(3);
    } finally {
      await sim.stop();
    }
  }, 300_000);
});
