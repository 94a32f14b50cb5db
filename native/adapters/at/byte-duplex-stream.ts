import { Duplex } from 'node:stream';
import type { ByteDuplex } from '../../protocols/at/byte-duplex.ts';

export interface LentStream {
  /** The serial line as a Node stream, for the OBEX client. */
  readonly stream: Duplex;
  /** Takes the line's bytes (again) into the stream. */
  attach(): void;
  /** Gives the line back (to an AT session): its bytes no longer reach the stream. */
  release(): void;
}

/**
 * A serial line (ByteDuplex) lent to the OBEX client as a Node Duplex. The line stays the AT
 * source's: destroying the stream does not close it, and the line can be handed back to AT
 * commands between OBEX connections (a phone goes back to AT commands after DISCONNECT).
 * A line that ends closes the stream, which the OBEX client takes for a lost phone.
 */
export function lendAsStream(link: ByteDuplex): LentStream {
  let attached = false;
  const stream = new Duplex({
    read() {
      // Bytes are pushed as they come; a serial line has no way to be held back from here.
    },
    write(chunk: Buffer, _encoding, callback) {
      link.write(chunk).then(() => callback(), (error: Error) => callback(error));
    },
    destroy(error, callback) {
      callback(error);
    },
  });
  // Nobody may be listening between two OBEX connections; the client hears 'close' all the same.
  stream.on('error', () => undefined);
  return {
    stream,
    attach() {
      attached = true;
      link.onData((bytes) => {
        if (attached && !stream.destroyed) stream.push(Buffer.from(bytes));
      });
      link.onEnd((error) => {
        if (!stream.destroyed) stream.destroy(error);
      });
    },
    release() {
      attached = false;
      link.onData(() => undefined);
    },
  };
}
