/**
 * The least of a modem's AT command state that lets a serial OBEX client reach OBEX: echo, ATZ,
 * AT+GMI / AT+CGMI, AT+CPROT=? and AT+CPROT=0 (answered CONNECT, after which the line speaks
 * OBEX until a DISCONNECT, when it goes back to commands). Like a modem, it ignores what comes
 * before "AT" on a line (obexftp opens with an OBEX ABORT carrying "ATZ\r" to learn which mode the
 * line is in). The feature-phone simulator's full AT side lives in native/sim/at; this stand-in
 * keeps the OBEX proof against obexftp independent of it.
 */
import { createObexServer, type ObexServer, type ObexServerOptions } from './obex-server.ts';

export interface AtFrontOptions extends Omit<ObexServerOptions, 'send' | 'onDisconnect'> {
  readonly send: (bytes: Uint8Array) => void;
  /** What AT+GMI / AT+CGMI answer. */
  readonly manufacturer?: string;
  /** Every command line seen, for tests. */
  readonly transcript?: string[];
}

export interface AtFront {
  receive(bytes: Uint8Array): void;
  readonly mode: 'at' | 'obex';
  readonly obex: ObexServer;
  close(): void;
}

const MAX_LINE = 512;

export function createAtFront(options: AtFrontOptions): AtFront {
  let mode: 'at' | 'obex' = 'at';
  let line = '';
  const say = (text: string) => options.send(Buffer.from(text, 'latin1'));
  const obex = createObexServer({ ...options, onDisconnect: () => (mode = 'at') });

  const command = (raw: string) => {
    const at = raw.search(/AT/i);
    if (at < 0) return;
    const cmd = raw.slice(at);
    options.transcript?.push(cmd);
    const upper = cmd.toUpperCase().replace(/\s+/g, '');
    if (upper === 'AT' || upper === 'ATZ' || /^ATE[01]?$/.test(upper) || upper === 'AT&F') return say('\r\nOK\r\n');
    if (upper === 'AT+GMI' || upper === 'AT+CGMI') return say(`\r\n${options.manufacturer ?? 'Lifeboat Mobile'}\r\n\r\nOK\r\n`);
    if (upper === 'AT+CPROT=?') return say('\r\n+CPROT: 0\r\n\r\nOK\r\n');
    if (upper === 'AT+CPROT=0') {
      say('\r\nCONNECT\r\n');
      mode = 'obex';
      return;
    }
    say('\r\nERROR\r\n');
  };

  return {
    get mode() {
      return mode;
    },
    obex,
    receive(bytes: Uint8Array) {
      let i = 0;
      while (i < bytes.length) {
        if (mode === 'obex') {
          obex.receive(bytes.subarray(i));
          return;
        }
        const c = bytes[i++]!;
        // Echo (E1, the power-on default) is per character, as a modem does: whatever came, not only commands.
        if (c !== 0x0a) options.send(Uint8Array.of(c));
        if (c === 0x0d || c === 0x0a) {
          const text = line;
          line = '';
          command(text);
        } else if (line.length < MAX_LINE) line += String.fromCharCode(c);
      }
    },
    close() {
      obex.close();
    },
  };
}
