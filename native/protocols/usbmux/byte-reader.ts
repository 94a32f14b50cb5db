import type { Readable } from 'node:stream';

/**
 * Exact-length reads from a stream socket (a usbmuxd connection, a lockdown or AFC channel, plain
 * or TLS). At most `highWaterBytes` beyond the bytes asked for are held: above it the socket is
 * paused, so a peer that sends without being asked fills its own buffers, not ours.
 */
export class ByteReader {
  readonly #stream: Readable;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #ended = false;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #highWaterBytes: number;
  readonly #onData = (chunk: Buffer) => {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered > this.#highWaterBytes) this.#stream.pause();
    this.#notify();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#notify();
  };
  readonly #onError = (error: Error) => {
    this.#failure ??= error;
    this.#notify();
  };

  constructor(stream: Readable, options: { highWaterBytes?: number } = {}) {
    this.#stream = stream;
    this.#highWaterBytes = options.highWaterBytes ?? 1024 * 1024;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onEnd);
    stream.on('error', this.#onError);
  }

  /** Bytes received and not yet read. */
  get buffered(): number {
    return this.#buffered;
  }

  /**
   * Exactly `length` bytes. Rejects when the stream ends first (`ended` in the message), fails,
   * or `timeoutMs` passes without the bytes (each wait restarts it: a slow peer is fine, a
   * silent one is not).
   */
  async read(length: number, timeoutMs = 30_000): Promise<Buffer> {
    while (this.#buffered < length) {
      if (this.#failure) throw this.#failure;
      if (this.#ended) throw new ByteReaderEndedError(`the connection ended (${this.#buffered} of ${length} bytes came)`);
      if (this.#stream.isPaused()) this.#stream.resume();
      await this.#waitForData(timeoutMs, length);
    }
    const out = this.#take(length);
    if (this.#buffered <= this.#highWaterBytes && this.#stream.isPaused()) this.#stream.resume();
    return out;
  }

  /** Stops listening; bytes not yet read stay in the stream's hands (for a switch to TLS). */
  detach(): Buffer {
    // Without a 'data' listener a flowing stream would drop what comes next: hold it instead.
    this.#stream.pause();
    this.#stream.off('data', this.#onData);
    this.#stream.off('end', this.#onEnd);
    this.#stream.off('close', this.#onEnd);
    this.#stream.off('error', this.#onError);
    const rest = this.#take(this.#buffered);
    return rest;
  }

  #take(length: number): Buffer {
    if (length === 0) return Buffer.alloc(0);
    const first = this.#chunks[0]!;
    if (first.length >= length) {
      const out = first.subarray(0, length);
      if (first.length === length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(length);
      this.#buffered -= length;
      return out;
    }
    const out = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const chunk = this.#chunks[0]!;
      const n = Math.min(chunk.length, length - filled);
      chunk.copy(out, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
    }
    this.#buffered -= length;
    return out;
  }

  #waitForData(timeoutMs: number, wanted: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        reject(new ByteReaderTimeoutError(`nothing came for ${Math.round(timeoutMs / 1000)} s (waiting for ${wanted} bytes)`));
      }, timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  #notify(): void {
    this.#wake?.();
  }
}

export class ByteReaderEndedError extends Error {
  override readonly name = 'ByteReaderEndedError';
}

export class ByteReaderTimeoutError extends Error {
  override readonly name = 'ByteReaderTimeoutError';
}
