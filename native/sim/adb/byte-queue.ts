/**
 * Bytes the host wrote into a stream, read back in exact sizes by a service that parses messages
 * spanning WRTE boundaries (sync requests do). `push` returns a promise while more than `limit`
 * bytes wait, which delays the host's OKAY: the host cannot make the simulator buffer without end.
 */
export class ByteQueueClosedError extends Error {
  override readonly name = 'ByteQueueClosedError';
}

export class ByteQueue {
  private chunks: Buffer[] = [];
  private size = 0;
  private closed = false;
  private reader: { count: number; resolve: (data: Buffer) => void; reject: (error: Error) => void } | undefined;
  private roomWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** True when the host kept writing although its OKAY was withheld: it ignores flow control. */
  get overflowing(): boolean {
    return this.size > this.limit * 2;
  }

  push(data: Buffer): Promise<void> | void {
    if (this.closed) return;
    this.chunks.push(data);
    this.size += data.length;
    this.serve();
    if (this.size <= this.limit) return;
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves with exactly `count` bytes; rejects with ByteQueueClosedError when the stream ends first. */
  read(count: number): Promise<Buffer> {
    if (this.reader) return Promise.reject(new Error('one read at a time'));
    return new Promise((resolve, reject) => {
      this.reader = { count, resolve, reject };
      this.serve();
    });
  }

  close(): void {
    this.closed = true;
    this.chunks = [];
    this.size = 0;
    const reader = this.reader;
    this.reader = undefined;
    reader?.reject(new ByteQueueClosedError('the stream closed'));
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  private serve(): void {
    const reader = this.reader;
    if (!reader) return;
    if (this.closed) {
      this.reader = undefined;
      reader.reject(new ByteQueueClosedError('the stream closed'));
      return;
    }
    if (this.size < reader.count) return;
    this.reader = undefined;
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const data = all.subarray(0, reader.count);
    const rest = all.subarray(reader.count);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    if (this.size <= this.limit) for (const resolve of this.roomWaiters.splice(0)) resolve();
    reader.resolve(data);
  }
}
