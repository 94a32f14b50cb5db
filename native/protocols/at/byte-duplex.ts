/**
 * A two-way byte link to a phone's AT port: a serial line (/dev/ttyACM0, a pseudo-terminal) or
 * an in-process pipe to the simulator. The AT session sits on this and nothing else, so the same
 * session code talks to a real phone and to the simulator.
 */
export interface ByteDuplex {
  /** Resolves once the bytes are handed to the link (not when the phone has read them). */
  write(bytes: Uint8Array): Promise<void>;
  /** The one listener for incoming bytes (a later call replaces an earlier one). */
  onData(listener: (bytes: Uint8Array) => void): void;
  /** Told once when the link ends: the cable was pulled, the pty closed, or close() was called. */
  onEnd(listener: (error?: Error) => void): void;
  close(): Promise<void>;
}

/**
 * Two ends of an in-process link: what one end writes, the other hears (asynchronously, as a real
 * line would deliver it). Closing either end ends both.
 */
export function duplexPair(): [ByteDuplex, ByteDuplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class PipeEnd implements ByteDuplex {
  peer!: PipeEnd;
  #dataListener: ((bytes: Uint8Array) => void) | undefined;
  #endListener: ((error?: Error) => void) | undefined;
  #pending: Uint8Array[] = [];
  #ended = false;
  #endError: Error | undefined;

  async write(bytes: Uint8Array): Promise<void> {
    if (this.#ended) throw this.#endError ?? new Error('the link is closed');
    const copy = Uint8Array.from(bytes);
    const peer = this.peer;
    setImmediate(() => peer.deliver(copy));
  }

  deliver(bytes: Uint8Array): void {
    if (this.#ended) return;
    if (this.#dataListener) this.#dataListener(bytes);
    else this.#pending.push(bytes);
  }

  onData(listener: (bytes: Uint8Array) => void): void {
    this.#dataListener = listener;
    const pending = this.#pending;
    this.#pending = [];
    for (const chunk of pending) listener(chunk);
  }

  onEnd(listener: (error?: Error) => void): void {
    this.#endListener = listener;
    if (this.#ended) setImmediate(() => listener(this.#endError));
  }

  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#endError = error;
    const listener = this.#endListener;
    if (listener) setImmediate(() => listener(error));
  }

  async close(): Promise<void> {
    this.end();
    this.peer.end(new Error('the other end closed the link'));
  }
}
