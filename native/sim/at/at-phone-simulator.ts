import { encodeText, type AtCharset } from '../../protocols/at/at-charset.ts';
import { entryName, entryNumbers, type SimEntry, type SimMemory, type SimPhone } from './at-phone-file.ts';
import type { AtHostileMode } from './at-hostile.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import { createObexServer, type ObexServer } from '../obex/obex-server.ts';
import { ObexRequestFraming } from './obex-request-framing.ts';

export interface AtPhoneOptions {
  identity: DeviceIdentity;
  phone: SimPhone;
  hostile?: AtHostileMode;
  /** Milliseconds between bytes in the "dribble" mode (set it just under the reader's idle timeout). */
  dribbleMs?: number;
  /** What the phone says (commands, answers' summaries) for the console of `simulate`. */
  log?: (line: string) => void;
  /**
   * Bytes that come after the switch to OBEX (AT+CPROT=0, or the flavour's AT+MODE=22 / AT^SQWE=3) go here. Default: the OBEX simulator
   * (native/sim/obex) serving the image's obex/ folder; `backToAt` puts the line in command mode again.
   */
  obexServer?: (send: (bytes: Uint8Array) => void, backToAt: () => void) => { receive(bytes: Uint8Array): void; close(): void };
  /** V.250 S12: the silence before and after "+++" that takes a Siemens phone out of OBEX (default 1000 ms). */
  escapeGuardMs?: number;
}

/**
 * Commands that would change the phone; the simulator refuses them and keeps a list for tests.
 * ATZ is not among them: it only restores the line's settings (echo, error format, character set),
 * as every phone answers it (obexftp opens with it).
 */
const WRITING = /^AT(\+CPBW|\+CMGW|\+CMGD|\+CMGS|\+CMSS|\+CSCA=|\+CCLK=|\+CALA=|\+CFUN=(?!1$)|\+CLCK|\+CPWD|\+CPIN=|\+CKPD|&F|D|A$|H|\^SBNW|\+SPBW|\+MPBW)/i;

const MOTOROLA_KIND: Record<string, number> = { work: 0, home: 1, general: 2, mobile: 3, fax: 4, pager: 5 };

/**
 * A feature phone's AT command interpreter (ITU-T V.250, 3GPP TS 27.007), fed the bytes a host
 * writes and answering through `send`: echo (on at power-on, as phones start), verbose result
 * codes, +CME ERROR after AT+CMEE=1, identity, battery, character sets, phonebook memories and
 * the vendor phonebook commands of its flavour. Answers the way gammu and 27.007 expect them:
 * "\r\n<line>\r\n" per information line, then "\r\nOK\r\n".
 */
export class AtPhoneSimulator {
  readonly #options: AtPhoneOptions;
  readonly #send: (bytes: Uint8Array) => void;
  #input: number[] = [];
  /** The line's bytes as they came (before backspace edits), for the echo. */
  #rawLine: number[] = [];
  #echo = true;
  #cmee = 0;
  #charset: string;
  #memory: string;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;
  #hostileStarted = false;
  #timers = new Set<NodeJS.Timeout>();
  #obex: { receive(bytes: Uint8Array): void; close(): void } | undefined;
  #obexFraming = new ObexRequestFraming();
  /** When the host last wrote, and the "+" of a possible escape held back until its guard time has passed. */
  #lastHostBytesAt = 0;
  #heldPlus = 0;
  #escapeTimer: NodeJS.Timeout | undefined;
  /** How often the line went to OBEX and came back, for tests and the console. */
  readonly obexSessions: { entered: number; leftBy: string[] } = { entered: 0, leftBy: [] };
  /** Commands that would have written to the phone (none should ever come from Lifeboat). */
  readonly refusedWrites: string[] = [];
  /** Every command line received, in order. */
  readonly received: string[] = [];

  constructor(options: AtPhoneOptions, send: (bytes: Uint8Array) => void) {
    this.#options = options;
    this.#send = (bytes) => {
      if (!this.#stopped) send(bytes);
    };
    this.#charset = options.phone.initialCharset;
    this.#memory = Object.keys(options.phone.memories)[0] ?? 'SM';
  }

  stop(): void {
    this.#obex?.close();
    this.#obex = undefined;
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Whether the line speaks OBEX now (after the switch, until DISCONNECT or, on a Siemens phone, the escape "+++"). */
  get inObex(): boolean {
    return this.#obex !== undefined;
  }

  receive(bytes: Uint8Array): void {
    if (this.#stopped) return;
    const quietMs = Date.now() - this.#lastHostBytesAt;
    this.#lastHostBytesAt = Date.now();
    if (this.#obex && this.#leavesObexByEscape() && this.#escapeBytes(bytes, quietMs)) return;
    for (let i = 0; i < bytes.length; i++) {
      if (this.#obex) {
        const rest = bytes.subarray(i);
        // A pty cannot show a client closing it (no DTR to drop): text starting with "AT" where
        // an OBEX request should begin is a new host, and the phone is back in command mode.
        if (this.#obexFraming.atRequestStart() && (rest[0] === 0x41 || rest[0] === 0x61)) {
          this.#leaveObex('AT command text where an OBEX request should start');
        } else {
          this.#obexFraming.see(rest);
          this.#obex.receive(rest);
          return;
        }
      }
      const byte = bytes[i]!;
      if (byte === 0x0d) {
        const line = Buffer.from(this.#input).toString('latin1');
        const echo = Buffer.from([...this.#rawLine, 0x0d]).toString('latin1');
        this.#input = [];
        this.#rawLine = [];
        this.#busy = this.#busy.then(() => this.#commandLine(line, echo));
      } else if (byte === 0x0a && this.#input.length === 0) {
        // LF after CR: part of the line end
      } else {
        if (this.#rawLine.length < 4096) this.#rawLine.push(byte);
        if (byte === 0x08) this.#input.pop(); // V.250 S5: backspace edits the line
        else if (this.#input.length < 4096) this.#input.push(byte);
      }
    }
  }

  async #commandLine(line: string, echo: string): Promise<void> {
    if (this.#stopped) return;
    // V.250: what comes before the "AT" prefix is ignored (obexftp's probe is an OBEX ABORT
    // packet carrying "ATZ\r"); a line without it is no command.
    const at = line.search(/AT/i);
    if (at < 0) return;
    const command = line.slice(at).trim();
    this.received.push(command);
    // The echo repeats the line as it came, junk and all, as a modem echoes each character.
    if (this.#echo) this.#raw(echo);
    this.#options.log?.(`<- ${command}`);
    const delay = this.#delayFor(command);
    if (delay > 0) await this.#sleep(delay);
    if (this.#stopped) return;
    if (this.#options.hostile && this.#hostileApplies(command)) {
      this.#hostile(command);
      return;
    }
    const fixed = this.#options.phone.quirks.errors?.[command];
    if (fixed !== undefined) {
      this.#final(fixed);
      return;
    }
    if (WRITING.test(command)) {
      this.refusedWrites.push(command);
      this.#error(3);
      return;
    }
    const answer = this.#answer(command);
    if (answer === undefined) {
      this.#error(4);
      return;
    }
    for (const l of answer.lines) this.#raw(`\r\n${l}\r\n`);
    this.#final(answer.final ?? 'OK');
    if (answer.then) answer.then();
  }

  #answer(command: string): { lines: string[]; final?: string; then?: () => void } | undefined {
    const { identity, phone } = this.#options;
    const upper = command.toUpperCase();
    const ok = (...lines: string[]) => ({ lines });
    const err = (code: number) => ({ lines: [], final: this.#errorText(code) });
    if (upper === 'AT') return ok();
    if (upper === 'ATZ' || upper === 'ATZ0') {
      this.#powerOnSettings();
      return ok();
    }
    let m: RegExpExecArray | null;
    if ((m = /^ATE([01]?)$/.exec(upper))) {
      this.#echo = m[1] === '1';
      return ok();
    }
    if ((m = /^AT\+CMEE=([012])$/.exec(upper))) {
      this.#cmee = Number(m[1]);
      return ok();
    }
    if (upper === 'AT+CMEE?') return ok(`+CMEE: ${this.#cmee}`);
    if (upper === 'ATI' || upper === 'ATI0') return ok(identity.manufacturer, identity.model);
    if (upper === 'ATI3' || upper === 'AT+CGMI' || upper === 'AT+GMI') return ok(identity.manufacturer);
    if (upper === 'ATI4' || upper === 'AT+CGMM' || upper === 'AT+GMM') return ok(identity.model);
    if (upper === 'ATI5' || upper === 'AT+CGMR' || upper === 'AT+GMR') return ok(phone.firmware);
    if (upper === 'AT+CGSN' || upper === 'AT+GSN') return ok(identity.serial);
    if (/^AT\+CG(MI|MM|MR|SN)=\?$/.test(upper)) return ok();
    if (upper === 'AT+CBC') return identity.battery === null ? err(4) : ok(`+CBC: 0,${identity.battery}`);
    if (upper === 'AT+CBC=?') return ok('+CBC: (0-3),(0-100)');
    if (upper === 'AT+CPIN?') return ok('+CPIN: READY');
    // Already at full functionality: asking for it changes nothing (gammu does at start).
    if (upper === 'AT+CFUN=1') return ok();
    if (upper === 'AT+CFUN?') return ok('+CFUN: 1');
    if (upper === 'AT+CSCS=?') return ok(`+CSCS: (${phone.charsets.map((c) => `"${c}"`).join(',')})`);
    if (upper === 'AT+CSCS?') return ok(`+CSCS: "${this.#charset}"`);
    if ((m = /^AT\+CSCS="([^"]*)"$/i.exec(command))) {
      const wanted = phone.charsets.find((c) => c.toUpperCase() === m![1]!.toUpperCase());
      if (!wanted) return err(4);
      this.#charset = wanted;
      return ok();
    }
    if (upper === 'AT+CPBS=?') return phone.quirks.noMemoryList ? { lines: [], final: 'ERROR' } : ok(`+CPBS: (${Object.keys(phone.memories).map((k) => `"${k}"`).join(',')})`);
    if (upper === 'AT+CPBS?') {
      const memory = phone.memories[this.#memory];
      if (!memory) return err(3);
      if (this.#options.hostile === 'wrong-counts') return ok(`+CPBS: "${this.#memory}",7,3`);
      return ok(`+CPBS: "${this.#memory}",${memory.entries.length},${memory.capacity}`);
    }
    if ((m = /^AT\+CPBS="([A-Z]{2})"$/i.exec(command))) {
      const name = m[1]!.toUpperCase();
      if (!phone.memories[name]) return err(3);
      this.#memory = name;
      return ok();
    }
    const obexSwitch = this.#obexSwitch(upper);
    if (obexSwitch) return obexSwitch;
    const memory = phone.memories[this.#memory];
    const vendorMemory = this.#vendorReadsThisMemory();
    if (upper === 'AT+CPBR=?') {
      if (!memory) return err(3);
      if (vendorMemory) return { lines: [], final: 'ERROR' };
      if (this.#options.hostile === 'wrong-counts') return ok(`+CPBR: (1-1000000),${memory.numberLength},${memory.textLength}`);
      return ok(`+CPBR: (${memory.first}-${memory.first + memory.capacity - 1}),${memory.numberLength},${memory.textLength}`);
    }
    if ((m = /^AT\+CPBR=(\d+)(?:,(\d+))?$/.exec(upper))) {
      if (!memory) return err(3);
      if (vendorMemory) return { lines: [], final: 'ERROR' };
      return this.#readRange(memory, Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), (e) => this.#cpbrLine(e));
    }
    if (phone.flavour === 'samsung') {
      if (upper === 'AT+SPBR=?') return memory ? ok(`+SPBR: (${memory.first}-${memory.first + memory.capacity - 1}),${memory.numberLength},${memory.textLength}`) : err(3);
      if ((m = /^AT\+SPBR=(\d+)$/.exec(upper))) {
        if (!memory) return err(3);
        return this.#readRange(memory, Number(m[1]), undefined, (e) => this.#spbrLine(e));
      }
    }
    if (phone.flavour === 'motorola') {
      if (upper === 'AT+MPBR=?') {
        return memory ? ok(`+MPBR: ${memory.first}-${memory.first + memory.capacity - 1},${memory.numberLength},${memory.textLength},14,0-1,64,(255),(0),(0-1),(1-11),(255),25,(0-1,255),264,(0),62,62,32,32,32,32,50,264`) : err(3);
      }
      if ((m = /^AT\+MPBR=(\d+)(?:,(\d+))?$/.exec(upper))) {
        if (!memory) return err(3);
        return this.#readRange(memory, Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), (e) => this.#mpbrLine(e));
      }
    }
    if (phone.flavour === 'siemens') {
      const me = phone.memories.ME;
      if (upper === 'AT^SBNR=?') return me ? ok(`^SBNR: ("vcf",(${me.first}-${me.first + me.capacity - 1})),("vcs",(0-49))`) : err(4);
      if ((m = /^AT\^SBNR="VCF",(\d+)$/.exec(upper))) {
        if (!me) return err(4);
        const index = Number(m[1]);
        if (index < me.first || index >= me.first + me.capacity) return err(21);
        const entry = me.entries.find((e) => e.index === index);
        if (!entry) return ok();
        return ok(`^SBNR: "vcf",${index},1,1`, Buffer.from(siemensVcard(entry), 'utf8').toString('hex').toUpperCase());
      }
    }
    return undefined;
  }

  /** Samsung, Motorola and Siemens phones read phone memory (ME) with their own command only. */
  #vendorReadsThisMemory(): boolean {
    return this.#options.phone.flavour !== 'standard' && this.#memory === 'ME';
  }

  #readRange(memory: SimMemory, from: number, to: number | undefined, format: (e: SimEntry) => string[]): { lines: string[]; final?: string } {
    const last = memory.first + memory.capacity - 1;
    const end = to ?? from;
    if (from < memory.first || end > last || end < from) return { lines: [], final: this.#errorText(21) };
    if (to !== undefined && to !== from && this.#options.phone.quirks.noRangeReads) return { lines: [], final: 'ERROR' };
    const lines: string[] = [];
    for (const entry of memory.entries) if (entry.index >= from && entry.index <= end) lines.push(...format(entry));
    if (this.#options.hostile === 'wrong-counts' && lines.length > 0) {
      lines.push(...format({ ...memory.entries[0]!, index: end + 5000 }));
      lines.push(lines[0]!);
    }
    if (lines.length === 0 && to === undefined && this.#options.phone.quirks.emptySlot === 'not-found') return { lines: [], final: this.#errorText(22) };
    return { lines };
  }

  #text(text: string): string {
    return encodeText(text, charsetOf(this.#charset));
  }

  #number(number: string): string {
    return this.#options.phone.quirks.numbersInCharset ? this.#text(number) : number;
  }

  #cpbrLine(entry: SimEntry): string[] {
    const first = entryNumbers(entry)[0]?.number ?? '';
    const type = entry.type ?? (first.startsWith('+') ? 145 : 129);
    // With type 145 phones store and send the digits without the "+".
    const digits = type === 145 ? first.replace(/^\+/, '') : first;
    const trailer = this.#options.phone.quirks.cpbrTrailer ?? '';
    return [`+CPBR: ${entry.index},"${this.#number(digits)}",${type},"${this.#text(entryName(entry))}"${trailer}`];
  }

  #spbrLine(entry: SimEntry): string[] {
    const slots: Record<string, string> = {};
    const order = ['mobile', 'home', 'work', 'fax', 'other'];
    for (const n of entryNumbers(entry)) {
      const kind = order.includes(n.kind ?? '') ? n.kind! : order.find((k) => !slots[k])!;
      if (kind && !slots[kind]) slots[kind] = n.number;
    }
    const utf8 = (text: string | undefined) => {
      const value = text ?? '';
      return `${Buffer.byteLength(value, 'utf8')},${Buffer.from(value, 'utf8').toString('latin1')}`;
    };
    const first = entry.firstName ?? entry.name ?? '';
    const numbers = order.map((k) => `"${this.#number(slots[k] ?? '')}"`).join(',');
    return [`+SPBR: ${entry.index},${numbers},"${entry.email ? this.#text(entry.email) : ''}","${utf8(first)}","${utf8(entry.lastName)}","${utf8(entry.note)}","0,"`];
  }

  #mpbrLine(entry: SimEntry): string[] {
    const n = entryNumbers(entry)[0];
    const number = n?.number ?? '';
    const type = entry.type ?? (number.startsWith('+') ? 145 : 129);
    const digits = type === 145 ? number.replace(/^\+/, '') : number;
    const kind = MOTOROLA_KIND[n?.kind ?? 'general'] ?? 2;
    return [`+MPBR: ${entry.index},"${this.#number(digits)}",${type},"${this.#text(entryName(entry))}",${kind},0,255,0,0,1,255,255,0,"",0,0,"","","","","","","",""`];
  }

  /**
   * AT+CPROT (27.007: protocol 0 = OBEX) or the vendor form of the phone's flavour instead:
   * Motorola AT+MODE=22, Siemens AT^SQWE=3 (mode 3 = OBEX; AT^SQWE? reads the mode), the forms
   * gammu's atobex.c and obexftp switch with. These two flavours model phones that have only their
   * own switch, so AT+CPROT answers ERROR there. Offered only when the image has an obex/ folder.
   * Samsung lists its protocols as Alcatel does (`+CPROT: 0,"1.0",8`).
   */
  #obexSwitch(upper: string): { lines: string[]; final?: string; then?: () => void } | undefined {
    const { phone } = this.#options;
    const refuse = { lines: [], final: 'ERROR' };
    const enter = (final: string) => ({ lines: [], final, then: () => this.#enterObex() });
    const vendorSwitch = phone.flavour === 'motorola' || phone.flavour === 'siemens';
    if (upper === 'AT+CPROT=?') {
      if (!phone.obex || vendorSwitch) return refuse;
      return { lines: [phone.flavour === 'samsung' ? '+CPROT: 0,"1.0",8' : '+CPROT: (0)'] };
    }
    if (upper === 'AT+CPROT=0') return phone.obex && !vendorSwitch ? enter('CONNECT') : refuse;
    if (phone.flavour === 'motorola') {
      if (upper === 'AT+MODE=?') return { lines: [phone.obex ? '+MODE: (0,2,22)' : '+MODE: (0,2)'] };
      if (upper === 'AT+MODE=22') return phone.obex ? enter('CONNECT') : refuse;
    }
    if (phone.flavour === 'siemens' && phone.obex) {
      if (upper === 'AT^SQWE?') return { lines: ['^SQWE: 0'] };
      if (upper === 'AT^SQWE=?') return { lines: ['^SQWE: (0-3)'] };
      if (upper === 'AT^SQWE=0') return { lines: [] };
      // Siemens phones answer OK (not CONNECT) and speak OBEX from the next byte on (obexftp, gammu).
      if (upper === 'AT^SQWE=3') return enter('OK');
    }
    return undefined;
  }

  /**
   * Siemens phones leave OBEX (AT^SQWE=3) only by the V.250 escape, as gammu's atobex.c expects:
   * "+++" after a pause, where an OBEX request would begin, and nothing after it for the guard
   * time; then OK, in AT commands. True when the bytes were taken as (part of) the escape.
   */
  #escapeBytes(bytes: Uint8Array, quietMs: number): boolean {
    const guardMs = this.#options.escapeGuardMs ?? 1000;
    const allPlus = bytes.every((b) => b === 0x2b);
    if (this.#escapeTimer) clearTimeout(this.#escapeTimer);
    this.#escapeTimer = undefined;
    const startsEscape = this.#heldPlus > 0 || (quietMs >= guardMs && this.#obexFraming.atRequestStart());
    if (startsEscape && allPlus && this.#heldPlus + bytes.length <= 3) {
      this.#heldPlus += bytes.length;
      if (this.#heldPlus === 3) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.#escapeTimer = undefined;
          this.#heldPlus = 0;
          this.#leaveObex('escape "+++"');
          this.#raw('\r\nOK\r\n');
        }, guardMs);
        this.#timers.add(timer);
        this.#escapeTimer = timer;
      }
      return true;
    }
    if (this.#heldPlus > 0) {
      // Not an escape after all: the held bytes were OBEX data.
      const held = new Uint8Array(this.#heldPlus).fill(0x2b);
      this.#heldPlus = 0;
      this.#obexFraming.see(held);
      this.#obex?.receive(held);
    }
    return false;
  }

  #leavesObexByEscape(): boolean {
    return this.#options.phone.flavour === 'siemens';
  }

  #enterObex(): void {
    const { phone } = this.#options;
    this.obexSessions.entered++;
    this.#options.log?.('-- switched to OBEX');
    this.#obexFraming = new ObexRequestFraming();
    const backToAt = () => this.#leaveObex('OBEX DISCONNECT');
    const send = (bytes: Uint8Array) => this.#send(bytes);
    if (this.#options.obexServer) {
      this.#obex = this.#options.obexServer(send, backToAt);
      return;
    }
    if (!phone.obexDir) return;
    const server: ObexServer = createObexServer({
      rootDir: phone.obexDir,
      send,
      maxPacketLength: phone.obexPacketLength,
      maxResponsePacketLength: phone.obexPacketLength,
      onDisconnect: () => {
        if (this.#obex === server && !this.#leavesObexByEscape()) backToAt();
      },
      log: (message) => this.#options.log?.(`obex: ${message}`),
    });
    this.#obex = server;
  }

  /**
   * Back to command mode, as phones do after OBEX DISCONNECT (gammu re-sends AT+CPROT=0 before
   * each new OBEX connection, counting on it). Settings (echo, CMEE, character set) stay.
   */
  #leaveObex(why: string): void {
    const obex = this.#obex;
    if (!obex) return;
    this.#obex = undefined;
    this.obexSessions.leftBy.push(why);
    this.#options.log?.(`-- back to AT commands (${why})`);
    obex.close();
  }

  /** ATZ: the line's settings as at power-on. */
  #powerOnSettings(): void {
    this.#echo = true;
    this.#cmee = 0;
    this.#charset = this.#options.phone.initialCharset;
    this.#memory = Object.keys(this.#options.phone.memories)[0] ?? 'SM';
  }

  #hostileApplies(command: string): boolean {
    if (this.#hostileStarted) return this.#options.hostile === 'never-answers';
    const read = /^AT(\+CPBR=\d|\+SPBR=\d|\+MPBR=\d|\^SBNR="vcf",\d)/i.test(command);
    const trigger = this.#options.hostile === 'never-answers' ? /^AT\+CPBS=\?$/i.test(command) || read : read;
    if (!trigger || this.#options.hostile === 'wrong-counts') return false;
    this.#hostileStarted = true;
    return true;
  }

  #hostile(command: string): void {
    const mode = this.#options.hostile!;
    this.#options.log?.(`!! hostile ${mode} on ${command}`);
    if (mode === 'never-answers') return;
    const chunk = 4096;
    const loop = (make: () => string | Buffer, everyMs: number) => {
      const tick = () => {
        if (this.#stopped) return;
        const piece = make();
        this.#send(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
        this.#later(tick, everyMs);
      };
      tick();
    };
    if (mode === 'endless-line') loop(() => 'A'.repeat(chunk), 1);
    else if (mode === 'endless-answer') {
      let i = 1;
      loop(() => {
        let text = '';
        for (let k = 0; k < 50; k++) text += `\r\n+CPBR: ${i++},"5550100",129,"${this.#text('Again')}"\r\n`;
        return text;
      }, 1);
    } else if (mode === 'garbage') {
      let seed = 12345;
      loop(() => {
        const bytes = Buffer.alloc(chunk);
        for (let k = 0; k < chunk; k++) {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          bytes[k] = seed >> 16 & 0xff;
        }
        return bytes;
      }, 1);
    } else if (mode === 'dribble') {
      loop(() => '+', this.#options.dribbleMs ?? 9_000);
    }
  }

  #delayFor(command: string): number {
    let delay = 0;
    for (const [prefix, ms] of Object.entries(this.#options.phone.quirks.slow ?? {})) {
      if (command.toUpperCase().startsWith(prefix.toUpperCase())) delay = Math.max(delay, ms);
    }
    return delay;
  }

  #error(code: number): void {
    this.#final(this.#errorText(code));
  }

  /** +CME ERROR only after AT+CMEE=1 (or 2); plain ERROR before, as 27.007 §9.1 says. */
  #errorText(code: number): string {
    if (this.#cmee === 1) return `+CME ERROR: ${code}`;
    if (this.#cmee === 2) return `+CME ERROR: ${CME_TEXT[code] ?? 'unknown'}`;
    return 'ERROR';
  }

  #final(text: string): void {
    this.#raw(`\r\n${text}\r\n`);
    this.#options.log?.(`-> ${text}`);
  }

  #raw(text: string): void {
    this.#send(Buffer.from(text, 'latin1'));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.#later(resolve, ms));
  }

  #later(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }
}

const CME_TEXT: Record<number, string> = { 3: 'operation not allowed', 4: 'operation not supported', 21: 'invalid index', 22: 'not found' };

function charsetOf(name: string): AtCharset {
  const upper = name.toUpperCase();
  if (upper === 'UCS2' || upper === 'UCS-2') return 'UCS2';
  if (upper === 'UTF-8' || upper === 'UTF8') return 'UTF-8';
  if (upper === 'HEX') return 'HEX';
  if (upper === '8859-1') return '8859-1';
  if (upper === 'IRA') return 'IRA';
  return 'GSM';
}

/** A Siemens phone's vCard 2.1 for ^SBNR (UTF-8 with CHARSET where the text is not ASCII). */
function siemensVcard(entry: SimEntry): string {
  const name = entryName(entry);
  const charset = /[^\x20-\x7e]/.test(name) ? ';CHARSET=UTF-8' : '';
  const lines = ['BEGIN:VCARD', 'VERSION:2.1', `N${charset}:${entry.lastName ?? name};${entry.firstName ?? ''}`, `FN${charset}:${name}`];
  for (const n of entryNumbers(entry)) lines.push(`TEL;${(n.kind ?? 'voice').toUpperCase() === 'MOBILE' ? 'CELL' : (n.kind ?? 'VOICE').toUpperCase()}:${n.number}`);
  if (entry.email) lines.push(`EMAIL;INTERNET:${entry.email}`);
  lines.push('END:VCARD');
  return `${lines.join('\r\n')}\r\n`;
}
