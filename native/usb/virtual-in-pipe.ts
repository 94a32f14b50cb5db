/**
 * One bulk (or interrupt) IN endpoint of a virtual device, with USB's packet rules, because
 * protocol code depends on them and a simulator that hid them would let bugs through:
 *
 * - The device side writes messages (`write`); each is cut into packets of `packetSize` bytes,
 *   the last one short. A message whose length is a multiple of packetSize ends with no short
 *   packet unless the device writes a zero-length message (a ZLP) after it: then the host's
 *   transfer does not end there and runs on into the next message, as on a real bus.
 * - The host reads transfers (`read(length)`): a transfer takes packets until it holds `length`
 *   bytes or a short packet (including a ZLP) arrives. A packet larger than the room left
 *   ends the transfer with status "babble"; the bytes that did not fit are lost.
 * - Both sides wait for each other: a read waits for packets, and a write's promise resolves
 *   only when the host has taken all of its packets (backpressure).
 */
import type { UsbTransferStatus } from './usb-device.ts';

interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

interface PendingRead {
  readonly length: number;
  filled: number;
  readonly chunks: Uint8Array[];
  readonly resolve: (result: InPipeReadResult) => void;
  readonly reject: (error: Error) => void;
}

export interface InPipeReadResult {
  /** A fresh copy of the bytes read (never a view on the device's buffers). */
  readonly data: Uint8Array;
  readonly status: UsbTransferStatus;
}

export class VirtualInPipe {
  #writes: PendingWrite[] = [];
  #reads: PendingRead[] = [];
  #halted = false;

  constructor(readonly packetSize: number) {
    if (!(Number.isInteger(packetSize) && packetSize > 0)) throw new RangeError(`packet size must be a positive integer, got ${packetSize}`);
  }

  /** Device side: queue one message. The device may reuse `data` only after the promise resolves. */
  write(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#writes.push({ data, offset: 0, resolve, reject });
      this.#pump();
    });
  }

  /** Host side: one transfer of at most `length` bytes. */
  read(length: number): Promise<InPipeReadResult> {
    if (!(Number.isInteger(length) && length >= 0)) return Promise.reject(new RangeError(`transfer length must be a non-negative integer, got ${length}`));
    if (this.#halted) return Promise.resolve({ data: new Uint8Array(0), status: 'stall' });
    return new Promise((resolve, reject) => {
      this.#reads.push({ length, filled: 0, chunks: [], resolve, reject });
      this.#pump();
    });
  }

  /** The device stalls the endpoint: pending and later reads end with "stall" until clearHalt. */
  halt(): void {
    this.#halted = true;
    for (const read of this.#reads.splice(0)) read.resolve({ data: new Uint8Array(0), status: 'stall' });
  }

  clearHalt(): void {
    this.#halted = false;
  }

  get halted(): boolean {
    return this.#halted;
  }

  /** Bytes the device has queued and the host has not read yet. */
  get queuedBytes(): number {
    return this.#writes.reduce((sum, w) => sum + w.data.length - w.offset, 0);
  }

  /** Ends every pending host read (the host closed the device or released the interface). */
  failReads(error: Error): void {
    for (const read of this.#reads.splice(0)) read.reject(error);
  }

  /** Ends every pending device write (the cable was pulled). */
  failWrites(error: Error): void {
    for (const write of this.#writes.splice(0)) write.reject(error);
  }

  #pump(): void {
    const size = this.packetSize;
    while (this.#reads.length > 0 && this.#writes.length > 0) {
      const read = this.#reads[0]!;
      const write = this.#writes[0]!;
      const remaining = write.data.length - write.offset;
      const room = read.length - read.filled;

      // Fast path: as many whole packets as both sides allow, in one copy.
      const whole = Math.min(Math.floor(remaining / size), Math.floor(room / size)) * size;
      if (whole > 0) {
        this.#take(read, write, whole);
        if (read.filled === read.length) this.#finish(read, 'ok');
      } else {
        // One packet: short (the message's last), a ZLP (an empty message), or too big for the room.
        const packet = Math.min(size, remaining);
        if (packet > room) {
          this.#take(read, write, room);
          write.offset += packet - room;
          this.#finish(read, 'babble');
        } else {
          this.#take(read, write, packet);
          if (packet < size || read.filled === read.length) this.#finish(read, 'ok');
        }
      }
      // A message is done once all its bytes left; an empty message is done after its one ZLP.
      if (write.offset >= write.data.length) {
        this.#writes.shift();
        write.resolve();
      }
    }
  }

  #take(read: PendingRead, write: PendingWrite, bytes: number): void {
    // A copy, not a view: the write may resolve (and its buffer be reused) before this read ends.
    // (Buffer's own slice() is a view, so copy through a plain Uint8Array.)
    if (bytes > 0) read.chunks.push(new Uint8Array(write.data.subarray(write.offset, write.offset + bytes)));
    read.filled += bytes;
    write.offset += bytes;
  }

  #finish(read: PendingRead, status: UsbTransferStatus): void {
    this.#reads.shift();
    const only = read.chunks.length === 1 ? read.chunks[0]! : undefined;
    if (only !== undefined) {
      read.resolve({ data: only, status });
      return;
    }
    const data = new Uint8Array(read.filled);
    let at = 0;
    for (const chunk of read.chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    read.resolve({ data, status });
  }
}
