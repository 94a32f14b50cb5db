import { Duplex } from 'node:stream';

/**
 * Two connected in-memory duplexes: what one writes, the other reads, chunk for chunk. The
 * simulator's tests use it as a cable; a virtual USB device can use it to hand bulk transfers over.
 */
export function memoryDuplexPair(): [Duplex, Duplex] {
  let left!: Duplex;
  let right!: Duplex;
  const make = (other: () => Duplex) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        const peer = other();
        if (!peer.destroyed) peer.push(Buffer.from(chunk));
        callback();
      },
      final(callback) {
        other().push(null);
        callback();
      },
      destroy(error, callback) {
        const peer = other();
        if (!peer.destroyed) peer.destroy();
        callback(error);
      },
    });
  left = make(() => right);
  right = make(() => left);
  return [left, right];
}
