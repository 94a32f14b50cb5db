import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDeviceImage } from '../../adapters/image/image-source.ts';
import type { Contact } from '../../model/contact.ts';
import type { CalendarEvent } from '../../model/event.ts';
import { durationSeconds, parseDuration } from '../../export/ical-duration.ts';
import { writeIphoneBackup, type BackupSpec } from './backup-writer.ts';
import { DEMO_IPHONE, iphoneDemoSpec } from './iphone-demo-data.ts';

/**
 * Makes an iPhone backup folder for trying Lifeboat without an iPhone:
 *
 *   npx tsx native/sim/iphone-backup/write-backup.ts OUT [--image IMAGE]
 *       [--password-file FILE [--sha256-iterations N] [--sha1-iterations N]]
 *
 * Without --image it holds the in-code demo iPhone (iphone-demo-data.ts); with --image, the
 * contacts, calendar and photos of a device image (e.g. images/demo-android), as far as iOS's
 * databases can hold them (what they cannot is listed on stderr). With --password-file the
 * backup is encrypted with that password; Apple's iteration counts are the default (about ten
 * seconds to open), smaller ones make quick fixtures.
 */
export async function specFromImage(imageDir: string, onNote: (message: string) => void): Promise<BackupSpec> {
  const source = await openDeviceImage(imageDir);
  try {
    const id = await source.identity();
    const contacts: Contact[] = [];
    for await (const c of source.contacts()) contacts.push(c);
    const events: CalendarEvent[] = [];
    for await (const read of source.calendarEvents()) {
      const e = withEndInsteadOfDuration(read);
      if (!e || e.rdate.length || e.exrule.length || e.rrule.some((r) => /WKST|BYHOUR|BYMINUTE|BYSECOND/.test(r))) {
        onNote(`event ${read.sourceKey} (${read.title ?? 'untitled'}) left out: it uses RDATE, EXRULE or rule parts iOS's database does not hold`);
        continue;
      }
      events.push(e);
    }
    // A changed occurrence whose series was left out has nothing to belong to.
    const kept = new Set(events.map((e) => e.sourceKey));
    for (const e of [...events]) {
      if (e.original?.sourceKey !== undefined && !kept.has(e.original.sourceKey)) {
        onNote(`event ${e.sourceKey} left out: its series ${e.original.sourceKey} was left out`);
        events.splice(events.indexOf(e), 1);
      }
    }
    const cameraRoll: NonNullable<BackupSpec['cameraRoll']> = [];
    for await (const m of source.media()) {
      const chunks: Buffer[] = [];
      for await (const chunk of await source.openMedia(m)) chunks.push(chunk as Buffer);
      cameraRoll.push({ path: `100APPLE/${path.basename(m.path)}`, bytes: Buffer.concat(chunks), mtimeMs: m.mtimeMs });
    }
    const names = new Set<string>();
    for (const m of cameraRoll) {
      if (names.has(m.path)) throw new Error(`two photos are named ${m.path}; rename one in the image`);
      names.add(m.path);
    }
    return {
      device: { ...DEMO_IPHONE, deviceName: `${id.model} (from ${path.basename(path.resolve(imageDir))})`, serialNumber: `IMG${id.serial}`.slice(0, 12) },
      contacts,
      events,
      cameraRoll,
      date: new Date(),
    };
  } finally {
    await source.close();
  }
}

/** iOS keeps an end, never a duration (Android keeps DURATION for series): end = start + duration. */
function withEndInsteadOfDuration(e: CalendarEvent): CalendarEvent | undefined {
  // WKST=MO is RFC 5545's default: dropping it changes no occurrence (other week starts are refused below).
  e = { ...e, rrule: e.rrule.map((r) => r.replace(/;WKST=MO\b|\bWKST=MO;/, '')) };
  if (e.duration === undefined) return e;
  const parts = parseDuration(e.duration);
  if (!parts) return undefined;
  const seconds = durationSeconds(parts);
  const { duration: _dropped, ...rest } = e;
  if (e.start.kind === 'date') {
    const end = new Date(Date.UTC(e.start.year, e.start.month - 1, e.start.day) + Math.max(1, Math.round(seconds / 86_400)) * 86_400_000);
    return { ...rest, end: { kind: 'date', year: end.getUTCFullYear(), month: end.getUTCMonth() + 1, day: end.getUTCDate() } };
  }
  return { ...rest, end: { kind: 'instant', utcMillis: e.start.utcMillis + seconds * 1000, timeZone: e.start.timeZone } };
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      'password-file': { type: 'string' },
      'sha256-iterations': { type: 'string' },
      'sha1-iterations': { type: 'string' },
    },
  });
  const out = positionals[0];
  if (!out) throw new Error('usage: write-backup.ts OUT [--image IMAGE] [--password-file FILE [--sha256-iterations N] [--sha1-iterations N]]');
  const spec = values.image ? await specFromImage(values.image, (m) => process.stderr.write(`${m}\n`)) : iphoneDemoSpec();
  if (values['password-file']) {
    const password = fs.readFileSync(values['password-file'], 'utf8').split(/\r?\n/)[0] ?? '';
    spec.encryption = {
      password,
      ...(values['sha256-iterations'] ? { sha256Iterations: Number(values['sha256-iterations']) } : {}),
      ...(values['sha1-iterations'] ? { sha1Iterations: Number(values['sha1-iterations']) } : {}),
    };
  }
  const { files } = writeIphoneBackup(out, spec);
  process.stdout.write(`${out}: ${files} files, ${spec.contacts?.length ?? 0} contacts, ${spec.events?.length ?? 0} events, ${spec.cameraRoll?.length ?? 0} photos and videos${spec.encryption ? ', encrypted' : ''}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
