/**
 * One ADB stream (socket) as the device sees it, with adbd's flow control: one WRTE in flight
 * until the host's OKAY (the classic mode; delayed_ack is not advertised). Small writes made while
 * a WRTE is in flight are merged into the next WRTE (up to maxPayload), which is what keeps sync
 * pulls fast: an 8-byte DATA header and its 64 KiB chunk go out in one packet.
 *
 * A service writes with `write()`, which resolves once the data is queued below the high-water
 * mark, so a service never holds more than about two packets of output in memory.
 */
export class StreamClosedError extends Error {
  override readonly name = 'StreamClosedError';
}

export interface StreamPacketSink {
  sendWrite(localId: number, remoteId: number, data: Buffer): void;
  sendClose(localId: number, remoteId: number): void;
}

export class DeviceStream {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight = false;
  private ending = false;
  private finished = false;
  private spaceWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private endWaiters: (() => void)[] = [];
  private readonly highWater: number;
  /** Output waits until the OKAY answering the host's OPEN is out, which must come first. */
  private accepted = false;

  constructor(
    readonly localId: number,
    readonly remoteId: number,
    readonly maxPayload: number,
    private readonly sink: StreamPacketSink,
  ) {
    this.highWater = maxPayload;
  }

  get closed(): boolean {
    return this.finished;
  }

  /** Queues output. Rejects with StreamClosedError once the host or the link closed the stream. */
  write(data: Uint8Array | string): Promise<void> {
    if (this.finished || this.ending) return Promise.reject(new StreamClosedError('the stream is closed'));
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.length);
    if (bytes.length === 0) return Promise.resolve();
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.pump();
    if (this.pendingBytes <= this.highWater) return Promise.resolve();
    return new Promise((resolve, reject) => this.spaceWaiters.push({ resolve, reject }));
  }

  /** Sends what is queued, then CLSE. Resolves when CLSE is sent (or the stream was closed anyway). */
  end(): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.ending = true;
    const done = new Promise<void>((resolve) => this.endWaiters.push(resolve));
    this.maybeFinish();
    return done;
  }

  /** The connection sent its OKAY for the OPEN: output may flow now. */
  accept(): void {
    this.accepted = true;
    this.pump();
    this.maybeFinish();
  }

  /** The host's OKAY for our last WRTE. */
  acknowledged(): void {
    this.inFlight = false;
    this.pump();
    this.maybeFinish();
  }

  /** The host sent CLSE, or the connection is gone: no more output, wake everyone up. */
  closedByPeer(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending = [];
    this.pendingBytes = 0;
    for (const waiter of this.spaceWaiters.splice(0)) waiter.reject(new StreamClosedError('the host closed the stream'));
    for (const resolve of this.endWaiters.splice(0)) resolve();
  }

  private pump(): void {
    if (!this.accepted || this.inFlight || this.finished || this.pendingBytes === 0) return;
    const chunk = this.takeUpTo(this.maxPayload);
    this.inFlight = true;
    this.sink.sendWrite(this.localId, this.remoteId, chunk);
    if (this.pendingBytes <= this.highWater) {
      for (const waiter of this.spaceWaiters.splice(0)) waiter.resolve();
    }
  }

  private maybeFinish(): void {
    if (!this.accepted || !this.ending || this.finished || this.inFlight || this.pendingBytes > 0) return;
    this.finished = true;
    this.sink.sendClose(this.localId, this.remoteId);
    for (const resolve of this.endWaiters.splice(0)) resolve();
  }

  private takeUpTo(limit: number): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (this.pending.length > 0 && size < limit) {
      const head = this.pending[0]!;
      const room = limit - size;
      if (head.length <= room) {
        parts.push(head);
        size += head.length;
        this.pending.shift();
      } else {
        parts.push(head.subarray(0, room));
        this.pending[0] = head.subarray(room);
        size += room;
      }
    }
    this.pendingBytes -= size;
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
  }
}
