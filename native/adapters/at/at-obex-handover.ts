import { AtSession, type AtReply, type AtSessionOptions, type AtStatus } from '../../protocols/at/at-session.ts';
import type { ByteDuplex } from '../../protocols/at/byte-duplex.ts';
import { afterPrefix } from '../../protocols/at/at-fields.ts';
import type { DeviceSource } from '../device-source.ts';
import { SourceLostError } from '../errors.ts';
import { openObexPhone, type ObexPhoneOptions } from '../obex/obex-phone.ts';
import { lendAsStream } from './byte-duplex-stream.ts';

/** What the OBEX side of a feature phone serves once the AT adapter has switched the line. */
export type ObexParts = Pick<DeviceSource, 'contacts' | 'calendarEvents' | 'media' | 'openMedia' | 'close'>;

/**
 * THE OBEX HOOK. A feature phone's calendar, and often a richer phonebook and its pictures, are
 * reached over OBEX (IrMC sync, folder browsing) on the same serial port once the phone's own
 * switch (AT+CPROT=0, AT+MODE=22 or AT^SQWE=3, see findObexSwitch) has answered. The AT adapter
 * calls the hook once, after the phonebook has been read over AT (the rescue reads contacts
 * first), with the raw line right after the switch and `line`: `switchAgain` puts the line in
 * OBEX once more for a new connection (moving from IrMC to Folder Browsing takes one), and
 * `backToAt` leaves the phone in AT commands after the last DISCONNECT.
 */
export type ObexHandover = (link: ByteDuplex, line: ObexLine) => Promise<ObexParts>;

export interface ObexLine {
  switchAgain(): Promise<void>;
  backToAt(): Promise<void>;
}

/** The handover to Lifeboat's OBEX adapter (native/adapters/obex/obex-phone.ts). */
export function obexPhoneHandover(options: ObexPhoneOptions = {}): ObexHandover {
  return async (link, line) => {
    const lent = lendAsStream(link);
    lent.attach();
    const phone = openObexPhone(lent.stream, {
      ...options,
      async reconnectLine() {
        lent.release();
        try {
          await line.switchAgain();
        } finally {
          lent.attach();
        }
      },
    });
    return {
      contacts: (onSkip) => phone.contacts(onSkip),
      calendarEvents: (onSkip) => phone.calendarEvents(onSkip),
      media: () => phone.media(),
      openMedia: (entry, fromOffset) => phone.openMedia(entry, fromOffset),
      async close() {
        try {
          await phone.close();
        } finally {
          lent.release();
        }
        await line.backToAt();
      },
    };
  };
}

/**
 * How a phone's line is switched to OBEX, as the phone itself answered when asked (never from its
 * name): 27.007's AT+CPROT=0, else Motorola's AT+MODE=22, else Siemens' AT^SQWE=3 (the forms
 * gammu's atobex.c and obexftp's cobex use).
 */
export interface ObexSwitch {
  readonly command: 'AT+CPROT=0' | 'AT+MODE=22' | 'AT^SQWE=3';
  /** The answers that mean "OBEX from the next byte on": CONNECT (27.007), OK too for the vendor forms. */
  readonly entersOn: readonly AtStatus[];
  /**
   * How the phone gets back to AT commands: by itself after OBEX DISCONNECT (27.007, Motorola), or
   * only after the V.250 escape "+++" (Siemens: gammu sends it after DISCONNECT).
   */
  readonly leaves: 'disconnect' | 'escape';
}

const CPROT: ObexSwitch = { command: 'AT+CPROT=0', entersOn: ['connect'], leaves: 'disconnect' };
const MODE22: ObexSwitch = { command: 'AT+MODE=22', entersOn: ['connect', 'ok'], leaves: 'disconnect' };
const SQWE3: ObexSwitch = { command: 'AT^SQWE=3', entersOn: ['ok', 'connect'], leaves: 'escape' };

/**
 * Asks the phone how it switches to OBEX: AT+CPROT=? listing protocol 0; when it does not (most
 * answer ERROR), AT+MODE=? listing 22, then AT^SQWE=? listing 3. Undefined: no OBEX on this line.
 */
export async function findObexSwitch(session: AtSession): Promise<ObexSwitch | undefined> {
  if (listsValue(await session.command('AT+CPROT=?'), '+CPROT:', 0)) return CPROT;
  if (listsValue(await session.command('AT+MODE=?'), '+MODE:', 22)) return MODE22;
  if (listsValue(await session.command('AT^SQWE=?'), '^SQWE:', 3)) return SQWE3;
  return undefined;
}

/**
 * Whether a test command's answer lists `value` in its first field: "+CPROT: (0)", "+CPROT:
 * (0-1),(...)", Samsung's and Alcatel's '+CPROT: 0,"1.0",8', "+MODE: (0,2,22)", "^SQWE: (0-3)".
 */
function listsValue(reply: AtReply, prefix: string, value: number): boolean {
  if (reply.status !== 'ok') return false;
  for (const line of reply.lines) {
    const payload = afterPrefix(line, prefix);
    if (payload === undefined) continue;
    const first = /^\s*\(([^)]*)\)/.exec(payload)?.[1] ?? payload.split(',')[0] ?? '';
    const listed = first.split(',').some((part) => {
      const range = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
      if (!range) return false;
      const low = Number(range[1]);
      const high = range[2] === undefined ? low : Number(range[2]);
      return low <= value && value <= high;
    });
    if (listed) return true;
  }
  return false;
}

/** Sends the phone's switch; when it answers as it should, the AT session ends and the raw link is returned for OBEX. */
export async function switchToObex(session: AtSession, how: ObexSwitch): Promise<ByteDuplex | undefined> {
  const reply = await session.command(how.command, { idleTimeoutMs: 20_000 });
  if (!how.entersOn.includes(reply.status)) return undefined;
  return session.detach();
}

/**
 * The line between two OBEX connections and after the last one, for the phone's switch. After a
 * DISCONNECT a 27.007 or Motorola phone is back in AT commands, so switching again is the switch
 * alone; a Siemens phone is still in OBEX and hears "+++" first. A phone that does not answer as
 * it should has stopped being in step with us: the rescue ends as a lost phone (what was read is
 * safe) rather than guessing what the line now speaks.
 */
export function obexLine(link: ByteDuplex, how: ObexSwitch, options: { session?: AtSessionOptions; escapeGuardMs?: number } = {}): ObexLine {
  const escape = async (session: AtSession) => {
    const reply = await session.escapeToCommandMode(options.escapeGuardMs);
    if (reply.status !== 'ok') throw new Error(`it answered the escape "+++" with ${reply.finalLine}`);
  };
  return {
    async switchAgain() {
      const session = new AtSession(link, options.session);
      let reply;
      try {
        if (how.leaves === 'escape') await escape(session);
        reply = await session.command(how.command, { idleTimeoutMs: 20_000 });
      } catch (error) {
        if (!session.deadReason) session.detach();
        throw new SourceLostError(`the phone did not switch to OBEX again after a DISCONNECT (${(error as Error).message}); what was read before is safe: reconnect the phone and run again`);
      }
      session.detach();
      if (!how.entersOn.includes(reply.status)) {
        throw new SourceLostError(`the phone answered ${how.command} with ${reply.finalLine} after a DISCONNECT; what was read before is safe: reconnect the phone and run again`);
      }
    },
    async backToAt() {
      if (how.leaves !== 'escape') return;
      const session = new AtSession(link, options.session);
      try {
        await escape(session);
      } catch {
        // Best effort at the end of a run: what was read is safe, and a phone left in OBEX is back in AT commands after a replug.
      } finally {
        if (!session.deadReason) session.detach();
      }
    },
  };
}
