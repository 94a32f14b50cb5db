import { assertAllowedCommand } from './at-allowlist.ts';
import type { ByteDuplex } from './byte-duplex.ts';
import { AtCommandError, AtLinkLostError, AtSessionDeadError } from './at-errors.ts';

/** A command of wake() went unanswered; the session goes on. */
export class AtNoAnswerError extends Error {
  override readonly name = 'AtNoAnswerError';
}

/** How one command ended. */
export type AtStatus = 'ok' | 'error' | 'cme-error' | 'cms-error' | 'connect' | 'no-carrier';

/**
 * A phone's whole answer to one command. Lines are byte strings (latin1: one character per byte),
 * because what they mean depends on the character set of the link (GSM 7-bit, UTF-8, UCS2 hex);
 * at-charset.ts turns a field into text.
 */
export interface AtReply {
  command: string;
  /** Information lines in order, echo and empty lines left out. */
  lines: string[];
  status: AtStatus;
  finalLine: string;
}

export interface AtSessionOptions {
  /** No byte from the phone for this long while it owes an answer: it is gone. Slow phones take seconds for a SIM read. */
  idleTimeoutMs?: number;
  /** One answer may take at most this long altogether, even when bytes keep trickling in. */
  answerTimeoutMs?: number;
  /** Longest line accepted (a UCS2 name of 255 characters is about 1 KiB). */
  maxLineBytes?: number;
  /** Most bytes one answer may hold (a chunk of phonebook entries is a few KiB). */
  maxAnswerBytes?: number;
  /** Most lines one answer may hold. */
  maxAnswerLines?: number;
}

export const AT_DEFAULTS: Required<AtSessionOptions> = {
  idleTimeoutMs: 10_000,
  answerTimeoutMs: 60_000,
  maxLineBytes: 16 * 1024,
  maxAnswerBytes: 1024 * 1024,
  maxAnswerLines: 10_000,
};

/** V.250's escape sequence (S2 = "+", three times); see escapeToCommandMode(). */
const ESCAPE = '+++';

interface Pending {
  command: string;
  lines: string[];
  bytes: number;
  sawEchoCheck: boolean;
  resolve: (reply: AtReply) => void;
  reject: (error: Error) => void;
  idleTimer: NodeJS.Timeout;
  answerTimer: NodeJS.Timeout;
}

/**
 * An AT command session (ITU-T V.250, 3GPP TS 27.007) over a byte link: one command at a time,
 * the answer framed into lines, the phone's echo dropped, the final result code recognised.
 * Only commands on the read-only allowlist can be sent. A phone that sends too much or too
 * little is cut off with a clear error instead of filling memory or hanging the rescue.
 */
export class AtSession {
  readonly #link: ByteDuplex;
  readonly #options: Required<AtSessionOptions>;
  #partial: number[] = [];
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #dead: Error | undefined;
  /** The last byte was a CR: a following LF belongs to the same line end. */
  #lastWasCr = false;

  constructor(link: ByteDuplex, options: AtSessionOptions = {}) {
    this.#link = link;
    this.#options = { ...AT_DEFAULTS, ...options };
    link.onData((bytes) => this.#receive(bytes));
    link.onEnd((error) => this.#die(new AtLinkLostError(`the phone's AT link closed${error ? ` (${error.message})` : ''}`)));
  }

  get deadReason(): Error | undefined {
    return this.#dead;
  }

  /**
   * Wakes the line: "AT" until the phone answers, each try given `tryMs`. A phone that sleeps,
   * finds its baud rate or still holds bytes from the last program may miss the first one; only
   * after every try went unanswered is the phone taken to be gone.
   */
  async wake(tries = 3, tryMs = 3_000): Promise<void> {
    for (let i = 1; ; i++) {
      try {
        await this.command('AT', { idleTimeoutMs: tryMs, quietTimeout: i < tries });
        return;
      } catch (error) {
        if (!(error instanceof AtNoAnswerError)) throw error;
      }
    }
  }

  /** Sends one allowed command and waits for its final result code; ERROR answers resolve (see `status`). */
  command(command: string, options: { idleTimeoutMs?: number; quietTimeout?: boolean } = {}): Promise<AtReply> {
    try {
      assertAllowedCommand(command);
    } catch (error) {
      return Promise.reject(error);
    }
    const run = this.#queue.then(() => this.#run(command, options));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The V.250 escape: "+++" with nothing else on the line for `guardMs` before and after it (S12,
   * 1 s by default) takes a line in data mode back to AT commands, and the phone answers OK. A
   * Siemens phone switched to OBEX with AT^SQWE=3 stays in OBEX after DISCONNECT until it hears
   * this (gammu's atobex.c sends it the same way). It is no command (no "AT", no CR): a fixed
   * sequence that changes only what the line speaks, so it needs no allowlist entry.
   */
  escapeToCommandMode(guardMs = 1000): Promise<AtReply> {
    const run = this.#queue.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, guardMs));
      return this.#run(ESCAPE, { idleTimeoutMs: guardMs + this.#options.idleTimeoutMs });
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Like command(), but an ERROR answer is thrown as AtCommandError. */
  async expectOk(command: string, options: { idleTimeoutMs?: number } = {}): Promise<AtReply> {
    const reply = await this.command(command, options);
    if (reply.status !== 'ok') throw new AtCommandError(command, reply.finalLine);
    return reply;
  }

  /**
   * Ends the session without closing the link and gives the link back, for the protocol the
   * phone switched to (OBEX after AT+CPROT=0 answered CONNECT). Its bytes go to whoever calls
   * onData next.
   */
  detach(): ByteDuplex {
    if (this.#dead) throw this.#dead;
    this.#dead = new AtSessionDeadError('the AT link was handed over to another protocol');
    this.#link.onData(() => undefined);
    return this.#link;
  }

  async close(): Promise<void> {
    this.#die(new AtSessionDeadError('the AT session was closed'));
    await this.#link.close().catch(() => undefined);
  }

  #run(command: string, options: { idleTimeoutMs?: number; quietTimeout?: boolean }): Promise<AtReply> {
    if (this.#dead) return Promise.reject(this.#dead);
    // Whatever came in while nobody asked (a late answer, a RING) belongs to no command.
    this.#partial = [];
    const idleMs = options.idleTimeoutMs ?? this.#options.idleTimeoutMs;
    return new Promise<AtReply>((resolve, reject) => {
      const pending: Pending = {
        command,
        lines: [],
        bytes: 0,
        sawEchoCheck: false,
        resolve,
        reject,
        idleTimer: setTimeout(() => {
          if (options.quietTimeout) this.#giveUp(new AtNoAnswerError(`the phone did not answer ${command} within ${seconds(idleMs)}`));
          else this.#timeout(`did not answer ${command} within ${seconds(idleMs)}`);
        }, idleMs),
        answerTimer: setTimeout(
          () => this.#timeout(`was still answering ${command} after ${seconds(this.#options.answerTimeoutMs)}; Lifeboat stopped waiting`),
          this.#options.answerTimeoutMs,
        ),
      };
      this.#pending = pending;
      this.#link.write(Buffer.from(command === ESCAPE ? ESCAPE : `${command}\r`, 'latin1')).catch((error: Error) => {
        this.#die(new AtLinkLostError(`cannot write to the phone's AT link: ${error.message}`));
      });
    });
  }

  #receive(bytes: Uint8Array): void {
    if (this.#dead) return;
    const pending = this.#pending;
    if (pending) {
      pending.bytes += bytes.length;
      if (pending.bytes > this.#options.maxAnswerBytes) {
        this.#die(new AtSessionDeadError(`the phone's answer to ${pending.command} grew past ${this.#options.maxAnswerBytes} bytes without an end; Lifeboat stopped reading it`));
        return;
      }
      pending.idleTimer.refresh();
    }
    for (const byte of bytes) {
      if (byte === 0x0d || byte === 0x0a) {
        const continuesLineEnd = byte === 0x0a && this.#lastWasCr;
        this.#lastWasCr = byte === 0x0d;
        if (continuesLineEnd) continue;
        const line = Buffer.from(this.#partial).toString('latin1');
        this.#partial = [];
        this.#line(line);
        if (this.#dead) return;
        continue;
      }
      this.#lastWasCr = false;
      if (this.#partial.length >= this.#options.maxLineBytes) {
        const what = pending ? `while answering ${pending.command}` : 'unasked';
        this.#partial = [];
        this.#die(new AtSessionDeadError(`the phone sent a line longer than ${this.#options.maxLineBytes} bytes ${what}; Lifeboat stopped reading it`));
        return;
      }
      this.#partial.push(byte);
    }
  }

  #line(raw: string): void {
    const pending = this.#pending;
    if (!pending) return; // nobody asked: an unsolicited result code or a late answer
    const line = raw.replace(/[ \t]+$/, '');
    if (line.trim() === '') return;
    if (!pending.sawEchoCheck) {
      pending.sawEchoCheck = true;
      // With echo on (ATE1, the power-on default) the phone repeats the command first.
      if (line.trim().toUpperCase() === pending.command.toUpperCase()) return;
    }
    const status = finalStatus(line);
    if (status) {
      this.#finish({ command: pending.command, lines: pending.lines, status, finalLine: line.trim() });
      return;
    }
    if (pending.lines.length >= this.#options.maxAnswerLines) {
      this.#die(new AtSessionDeadError(`the phone's answer to ${pending.command} ran past ${this.#options.maxAnswerLines} lines without an end; Lifeboat stopped reading it`));
      return;
    }
    pending.lines.push(line);
  }

  #finish(reply: AtReply): void {
    const pending = this.#pending!;
    this.#pending = undefined;
    clearTimeout(pending.idleTimer);
    clearTimeout(pending.answerTimer);
    pending.resolve(reply);
  }

  /** Ends the pending command without ending the session (used by wake()). */
  #giveUp(error: Error): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    clearTimeout(pending.idleTimer);
    clearTimeout(pending.answerTimer);
    pending.reject(error);
  }

  #timeout(what: string): void {
    this.#die(new AtSessionDeadError(`the phone ${what}`));
  }

  #die(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) {
      clearTimeout(pending.idleTimer);
      clearTimeout(pending.answerTimer);
      pending.reject(error);
    }
    this.#partial = [];
    if (!(error instanceof AtLinkLostError)) void this.#link.close().catch(() => undefined);
  }
}

/** V.250 / 27.007 final result codes in verbose form (ATV1, the default every phone starts in). */
function finalStatus(line: string): AtStatus | undefined {
  const text = line.trim();
  if (text === 'OK') return 'ok';
  if (text === 'ERROR' || text === 'COMMAND NOT SUPPORT' || text.startsWith('MODEM ERROR')) return 'error';
  if (text.startsWith('+CME ERROR')) return 'cme-error';
  if (text.startsWith('+CMS ERROR')) return 'cms-error';
  if (text === 'CONNECT' || text.startsWith('CONNECT ')) return 'connect';
  if (text === 'NO CARRIER') return 'no-carrier';
  return undefined;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
