/**
 * A feature phone over AT commands (3GPP TS 27.007) as a DeviceSource: who it is (+CGMI, +CGMM,
 * +CGMR, +CGSN), its battery (+CBC), and every phonebook memory it offers (+CPBS=?), read in
 * small chunks (+CPBR=a,b) in the best character set it has (UCS2, then UTF-8, then GSM).
 * Phones without a usable +CPBR are read with the vendor command they answer to: Samsung +SPBR,
 * Motorola +MPBR, Siemens ^SBNR (chosen from the phone's answers, never from its name).
 *
 * Read-only by construction: the session sends only commands of at-allowlist.ts. A phone that
 * goes away, stops answering or floods the line ends the run as SourceLostError with what
 * happened; an entry or a memory the phone will not give is skipped with the reason.
 */
import type { Contact } from '../../model/contact.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia } from '../../model/media.ts';
import { chooseCharset, type AtCharset } from '../../protocols/at/at-charset.ts';
import { AtLinkLostError, AtSessionDeadError, cmeErrorCode } from '../../protocols/at/at-errors.ts';
import {
  AtParseError,
  parseBattery,
  parseCharsetList,
  parseCpbrLine,
  parseIdentityLine,
  parseMemoryList,
  parseMemoryStatus,
  parseMpbrLine,
  parseReadRange,
  parseSbnrRange,
  parseSbnrVcard,
  parseSpbrLine,
  type PhonebookEntry,
  type ReadRange,
} from '../../protocols/at/at-phonebook.ts';
import { AtSession, type AtReply, type AtSessionOptions } from '../../protocols/at/at-session.ts';
import type { ByteDuplex } from '../../protocols/at/byte-duplex.ts';
import { readVCards } from '../../readers/vcard-reader.ts';
import type { DeviceSource } from '../device-source.ts';
import { SourceLostError } from '../errors.ts';
import { entryToContact } from './at-contact.ts';
import { memoriesToRead, memoryName } from './at-memories.ts';
import { mergeAtWithVCards } from './at-obex-merge.ts';
import { findObexSwitch, obexLine, switchToObex, type ObexHandover, type ObexParts, type ObexSwitch } from './at-obex-handover.ts';

export interface AtSourceOptions {
  /** For people, e.g. "feature phone on /dev/ttyACM0". */
  label?: string;
  /** The USB ids when the port is known to belong to a USB device (0 when unknown). */
  usb?: { vendorId: number; productId: number };
  session?: AtSessionOptions;
  /** Entries asked for in one +CPBR=a,b (small: some phones fail or stall on long answers). */
  chunkSize?: number;
  /** Most slots read from one memory, whatever range the phone claims. */
  maxSlotsPerMemory?: number;
  /** See at-obex-handover.ts. Without it, a phone that offers OBEX is told about in the skip notes. */
  obexHandover?: ObexHandover;
  /** The pause before and after the escape "+++" that brings a Siemens phone back from OBEX (V.250 S12: 1 s). */
  obexEscapeGuardMs?: number;
}

type Reader = 'cpbr' | 'spbr' | 'mpbr' | 'sbnr';

/** The vendor phonebook commands a phone answered to (asked once, when +CPBR=? first fails). */
interface VendorSupport {
  spbr?: ReadRange | 'no-range';
  mpbr?: ReadRange;
  sbnr?: ReadRange;
}

/** An AT DeviceSource, and whether its phone offers OBEX (then calendar and pictures come too). */
export interface AtDeviceSource extends DeviceSource {
  /** Known only with an `obexHandover` (AT+CPROT=? and the vendor forms are asked then); false without one. */
  readonly offersObex: boolean;
  /** The switch the phone named (AT+CPROT=0, AT+MODE=22 or AT^SQWE=3), when it offers OBEX. */
  readonly obexSwitch?: ObexSwitch['command'];
}

export async function openAtSource(link: ByteDuplex, options: AtSourceOptions = {}): Promise<AtDeviceSource> {
  const session = new AtSession(link, options.session);
  const chunkSize = Math.max(1, options.chunkSize ?? 20);
  const maxSlots = options.maxSlotsPerMemory ?? 10_000;
  const label = options.label ?? 'feature phone over AT commands';

  let identity: DeviceIdentity;
  try {
    identity = await readIdentity(session, options.usb);
  } catch (error) {
    await session.close();
    throw lost(error, 'identifying the phone');
  }

  let charset: AtCharset | undefined;
  let vendor: VendorSupport | undefined;
  let obex: ObexParts | undefined;
  /** How this phone switches to OBEX (undefined: not asked yet; null: it has no switch). */
  let obexSwitch: ObexSwitch | null | undefined;
  /** Why the line could not be switched to OBEX, once tried. */
  let obexRefused: string | undefined;
  if (options.obexHandover) {
    try {
      obexSwitch = (await findObexSwitch(session)) ?? null;
    } catch (error) {
      await session.close();
      throw lost(error, 'asking the phone whether it speaks OBEX');
    }
  }

  async function negotiateCharset(): Promise<AtCharset> {
    if (charset) return charset;
    const list = await session.command('AT+CSCS=?');
    const offered = list.status === 'ok' ? parseCharsetList(list.lines) : [];
    const choice = chooseCharset(offered);
    if (choice) {
      const set = await session.command(`AT+CSCS="${choice.spelling}"`);
      if (set.status === 'ok') return (charset = choice.charset);
    }
    // No list, or the phone refused its own best set: read in whatever it is set to now.
    const current = await session.command('AT+CSCS?');
    const now = current.status === 'ok' ? chooseCharset(parseCharsetList(current.lines))?.charset : undefined;
    return (charset = now ?? 'GSM');
  }

  async function vendorSupport(): Promise<VendorSupport> {
    if (vendor) return vendor;
    vendor = {};
    const spbr = await session.command('AT+SPBR=?');
    if (spbr.status === 'ok') vendor.spbr = parseReadRange(spbr.lines, '+SPBR:') ?? 'no-range';
    const mpbr = await session.command('AT+MPBR=?');
    if (mpbr.status === 'ok') {
      const range = parseReadRange(mpbr.lines, '+MPBR:');
      if (range) vendor.mpbr = range;
    }
    const sbnr = await session.command('AT^SBNR=?');
    if (sbnr.status === 'ok') {
      const range = parseSbnrRange(sbnr.lines);
      if (range) vendor.sbnr = range;
    }
    return vendor;
  }

  async function* readMemory(memory: string, onSkip: (reason: string) => void): AsyncGenerator<Contact> {
    const select = await session.command(`AT+CPBS="${memory}"`, { idleTimeoutMs: 30_000 });
    if (select.status !== 'ok') {
      onSkip(`${memoryName(memory)} (${memory}): the phone would not open it (${select.finalLine})`);
      return;
    }
    const status = await session.command('AT+CPBS?');
    const counts = status.status === 'ok' ? parseMemoryStatus(status.lines) : undefined;

    let reader: Reader = 'cpbr';
    let range: ReadRange | undefined;
    const test = await session.command('AT+CPBR=?');
    if (test.status === 'ok') range = parseReadRange(test.lines, '+CPBR:');
    if (!range) {
      const support = await vendorSupport();
      const fromCounts = counts?.total ? { first: 1, last: counts.total } : undefined;
      if (memory === 'ME' && support.sbnr) {
        reader = 'sbnr';
        range = support.sbnr;
      } else if (support.spbr) {
        reader = 'spbr';
        range = support.spbr === 'no-range' ? fromCounts : support.spbr;
      } else if (support.mpbr) {
        reader = 'mpbr';
        range = support.mpbr;
      }
      if (!range) {
        if (counts?.used === 0) return; // nothing stored, nothing lost
        onSkip(
          `${memoryName(memory)} (${memory}): the phone answered AT+CPBR=? with ${test.status === 'ok' ? 'no range' : test.finalLine} and no vendor phonebook command (+SPBR, +MPBR, ^SBNR) either, so its entries cannot be read`,
        );
        return;
      }
    }
    if (range.first > MAX_SLOT_NUMBER) {
      onSkip(`${memoryName(memory)} (${memory}): the phone claims its slots start at ${range.first}, which no phonebook has; nothing was read`);
      return;
    }
    let last = Math.min(range.last, MAX_SLOT_NUMBER);
    if (last - range.first + 1 > maxSlots) {
      last = range.first + maxSlots - 1;
      onSkip(`${memoryName(memory)} (${memory}): the phone claims slots ${range.first}-${range.last}; only the first ${maxSlots} were read`);
    }
    const cs = await negotiateCharset();
    const seen = new Map<number, PhonebookEntry>();
    const found: PhonebookEntry[] = [];
    const keep = (entry: PhonebookEntry, from: number, to: number) => {
      if (entry.index < from || entry.index > to) {
        onSkip(`${memoryName(memory)} (${memory}): the phone sent entry ${entry.index} when asked for ${from}-${to}; it was left out`);
        return;
      }
      const earlier = seen.get(entry.index);
      if (earlier) {
        // Motorola lists each number of a person as its own line with the same index.
        for (const n of entry.numbers) if (!earlier.numbers.some((m) => m.number === n.number)) earlier.numbers.push(n);
        for (const e of entry.emails) if (!earlier.emails.includes(e)) earlier.emails.push(e);
        for (const note of entry.notes) if (!earlier.notes.includes(note)) earlier.notes.push(note);
        return;
      }
      seen.set(entry.index, entry);
      found.push(entry);
    };

    const step = reader === 'spbr' || reader === 'sbnr' ? 1 : chunkSize;
    const pastTheEnd = (index: number) =>
      onSkip(`${memoryName(memory)} (${memory}): the phone says slot ${index} does not exist although it claimed slots up to ${range!.last}; reading stopped there`);
    reading: for (let from = range.first; from <= last; from += step) {
      const to = Math.min(last, from + step - 1);
      const reply = await session.command(readCommand(reader, from, to), { idleTimeoutMs: 30_000 });
      if (reply.status === 'ok') {
        parseInto(reply, reader, cs, memory, from, to, keep, onSkip);
      } else if (from !== to) {
        // Some phones refuse a range but give each slot alone.
        for (let index = from; index <= to; index++) {
          const single = await session.command(readCommand(reader, index, index), { idleTimeoutMs: 30_000 });
          if (cmeErrorCode(single.finalLine) === 21) {
            while (found.length > 0) yield entryToContact(found.shift()!, memory);
            pastTheEnd(index);
            break reading;
          }
          if (single.status === 'ok') parseInto(single, reader, cs, memory, index, index, keep, onSkip);
          else if (!isEmptySlotAnswer(single)) onSkip(`${memoryName(memory)} (${memory}) entry ${index}: the phone answered ${single.finalLine}`);
        }
      } else if (!isEmptySlotAnswer(reply)) {
        onSkip(`${memoryName(memory)} (${memory}) entry ${from}: the phone answered ${reply.finalLine}`);
      }
      // Entries go out as each chunk arrives, so a pulled cable keeps what was read.
      while (found.length > 0) yield entryToContact(found.shift()!, memory);
    }
  }

  async function* atContacts(onSkip: (reason: string) => void): AsyncGenerator<Contact> {
    await negotiateCharset();
    const list = await session.command('AT+CPBS=?');
    let offered = list.status === 'ok' ? parseMemoryList(list.lines) : [];
    if (offered.length === 0) {
      // Samsung phones among others answer ERROR here but have both; gammu assumes the same.
      offered = ['SM', 'ME'];
    }
    const { read, skipped } = memoriesToRead(offered);
    for (const s of skipped) onSkip(`${memoryName(s.memory)} (${s.memory}) not read: ${s.why}`);
    for (const memory of read) yield* readMemory(memory, onSkip);
  }

  async function* contacts(onSkip: (reason: string) => void): AsyncGenerator<Contact> {
    try {
      if (!obexSwitch || !options.obexHandover) {
        yield* atContacts(onSkip);
        return;
      }
      // The phonebook over IrMC comes after the AT one and may hold the same people, richer:
      // the AT entries wait (they are few) so that each person goes out once (at-obex-merge.ts).
      // A phone lost before the merge leaves no contacts this run, so two runs never disagree.
      const fromAt: Contact[] = [];
      for await (const c of atContacts(onSkip)) fromAt.push(c);
      const part = await obexPart(onSkip);
      const fromObex: Contact[] = [];
      if (part) for await (const c of part.contacts(onSkip)) fromObex.push(c);
      yield* mergeAtWithVCards(fromAt, fromObex);
    } catch (error) {
      throw lost(error, 'reading the phonebook');
    }
  }

  async function obexPart(onSkip?: (reason: string) => void): Promise<ObexParts | undefined> {
    if (obex || !options.obexHandover || !obexSwitch) return obex;
    if (obexRefused) return undefined;
    const raw = await switchToObex(session, obexSwitch);
    if (!raw) {
      obexRefused = `the phone lists OBEX but did not switch to it (${obexSwitch.command})`;
      onSkip?.(`${obexRefused}: its calendar, pictures and IrMC phonebook were not read`);
      return undefined;
    }
    obex = await options.obexHandover(raw, obexLine(raw, obexSwitch, { session: options.session, escapeGuardMs: options.obexEscapeGuardMs }));
    return obex;
  }

  return {
    description: `${label} (${identity.manufacturer} ${identity.model})`,
    offersObex: Boolean(obexSwitch),
    ...(obexSwitch ? { obexSwitch: obexSwitch.command } : {}),
    async identity() {
      return structuredClone(identity);
    },
    contacts(onSkip = () => undefined) {
      return contacts(onSkip);
    },
    async *calendarEvents(onSkip = () => undefined): AsyncGenerator<CalendarEvent> {
      try {
        const part = await obexPart(onSkip);
        if (part) {
          yield* part.calendarEvents(onSkip);
          return;
        }
        if (options.obexHandover) return; // no OBEX on this phone, or it would not switch (said in a skip)
        if (obexSwitch === undefined && !session.deadReason) obexSwitch = (await findObexSwitch(session)) ?? null;
        if (obexSwitch) onSkip(`this phone keeps its calendar behind OBEX (${obexSwitch.command}), which this AT reader does not speak yet`);
      } catch (error) {
        throw lost(error, 'asking the phone about its calendar');
      }
    },
    async *media(): AsyncGenerator<FoundMedia> {
      let part: ObexParts | undefined;
      try {
        part = await obexPart();
      } catch (error) {
        throw lost(error, 'switching the phone to OBEX for its pictures');
      }
      if (part) yield* part.media();
    },
    async openMedia(entry, fromOffset) {
      if (!obex) throw new Error('this phone gives no media over AT commands');
      return obex.openMedia(entry, fromOffset);
    },
    async close() {
      await obex?.close().catch(() => undefined);
      await session.close();
    },
  };

  function parseInto(
    reply: AtReply,
    reader: Reader,
    cs: AtCharset,
    memory: string,
    from: number,
    to: number,
    keep: (entry: PhonebookEntry, from: number, to: number) => void,
    onSkip: (reason: string) => void,
  ): void {
    if (reader === 'sbnr') {
      const vcard = parseSbnrVcard(reply.lines);
      if (!vcard) return;
      const [card] = readVCards(vcard, { sourceKeyPrefix: `${memory}:${from}` });
      if (!card) return;
      keep(
        {
          index: from,
          name: card.displayName ?? '',
          firstName: card.name?.given,
          lastName: card.name?.family,
          numbers: card.phones.map((p) => ({ number: p.value, kind: p.type })),
          emails: card.emails.map((e) => e.value),
          notes: card.notes,
        },
        from,
        to,
      );
      return;
    }
    const parse = reader === 'cpbr' ? parseCpbrLine : reader === 'spbr' ? parseSpbrLine : parseMpbrLine;
    for (const line of reply.lines) {
      try {
        const entry = parse(line, cs);
        if (entry) keep(entry, from, to);
      } catch (error) {
        if (error instanceof AtParseError || (error as Error).name === 'AtCharsetError') {
          onSkip(`${memoryName(memory)} (${memory}): ${(error as Error).message}`);
        } else throw error;
      }
    }
  }
}

/** The allowlist takes slot numbers of up to six digits; no phone has more slots. */
const MAX_SLOT_NUMBER = 999_999;

function readCommand(reader: Reader, from: number, to: number): string {
  switch (reader) {
    case 'cpbr':
      return from === to ? `AT+CPBR=${from}` : `AT+CPBR=${from},${to}`;
    case 'mpbr':
      return from === to ? `AT+MPBR=${from}` : `AT+MPBR=${from},${to}`;
    case 'spbr':
      return `AT+SPBR=${from}`;
    case 'sbnr':
      return `AT^SBNR="vcf",${from}`;
  }
}

/** How phones say "nothing in this slot" to a single read: OK alone, or not found / invalid index / empty. */
function isEmptySlotAnswer(reply: AtReply): boolean {
  if (reply.status === 'ok') return true;
  const code = cmeErrorCode(reply.finalLine);
  return code === 21 || code === 22 || code === 28 || code === 100;
}

async function readIdentity(session: AtSession, usb: AtSourceOptions['usb']): Promise<DeviceIdentity> {
  await session.wake(); // an ERROR here (garbage before it) is fine: the line is awake
  await session.command('ATE0');
  await session.command('AT+CMEE=1');
  const ask = async (command: string, prefix: string, fallback?: string): Promise<string | undefined> => {
    const reply = await session.command(command);
    if (reply.status === 'ok') {
      const value = parseIdentityLine(reply.lines, prefix);
      if (value) return value;
    }
    if (fallback) {
      const second = await session.command(fallback);
      if (second.status === 'ok') return parseIdentityLine(second.lines, prefix);
    }
    return undefined;
  };
  const manufacturer = (await ask('AT+CGMI', '+CGMI:', 'ATI3')) ?? 'unknown';
  const model = (await ask('AT+CGMM', '+CGMM:', 'ATI4')) ?? 'unknown';
  const firmware = await ask('AT+CGMR', '+CGMR:');
  // The serial number a feature phone has is its IMEI; the vault keeps each phone apart by it.
  const serial = ((await ask('AT+CGSN', '+CGSN:')) ?? '').replace(/^IMEI\s*:?\s*/i, '').trim();
  const battery = await session.command('AT+CBC');
  return {
    transport: 'at',
    vendorId: usb?.vendorId ?? 0,
    productId: usb?.productId ?? 0,
    manufacturer,
    model,
    serial: serial || `${manufacturer}-${model}`.replace(/\s+/g, '-'),
    battery: battery.status === 'ok' ? parseBattery(battery.lines) : null,
    ...(firmware ? { extra: { firmware } } : {}),
  };
}

function lost(error: unknown, doing: string): unknown {
  if (error instanceof AtLinkLostError || error instanceof AtSessionDeadError) {
    return new SourceLostError(`${error.message} (while ${doing}); what was read before is safe: reconnect the phone and run again`);
  }
  return error;
}
