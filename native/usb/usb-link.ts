/**
 * The wire of a virtual USB device: counts bulk bytes and, when asked, paces them to a given
 * rate, so that `--link-rate 40` behaves like a phone on a good USB 2.0 port and benchmarks
 * measure Lifeboat rather than the speed of memcpy.
 *
 * One link is shared by both directions: a USB 2.0 bus is half duplex, so bytes sent and bytes
 * received take turns on the same wire.
 *
 * Pacing keeps an absolute schedule (busyUntil) instead of sleeping per transfer, so timer
 * granularity (about a millisecond) does not add up: the average rate stays exact however small
 * the transfers are. Waits run one after the other in call order, so transfers complete in the
 * order they were paced. A timer that wakes late would lose link time for good (the next
 * transfer starts from "now"), so the schedule may lag "now" by up to CATCH_UP_MS and make up
 * for it: without that, timer jitter alone cost about 2% of a 40 MB/s link.
 */
export interface UsbLinkOptions {
  /** Link rate in 10^6 bytes per second; undefined or 0: unthrottled. */
  readonly rateMBps?: number | undefined;
}

const CATCH_UP_MS = 5;

export class UsbLink {
  /** Bulk bytes the host has received (device → host). */
  bytesIn = 0;
  /** Bulk bytes the host has sent (host → device). */
  bytesOut = 0;

  readonly #bytesPerMs: number | undefined;
  #busyUntil = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: UsbLinkOptions = {}) {
    const rate = options.rateMBps;
    if (rate !== undefined && rate !== 0) {
      if (!(Number.isFinite(rate) && rate > 0)) throw new RangeError(`link rate must be a positive number of MB/s, got ${rate}`);
      this.#bytesPerMs = (rate * 1e6) / 1000;
    }
  }

  get rateMBps(): number | undefined {
    return this.#bytesPerMs === undefined ? undefined : (this.#bytesPerMs * 1000) / 1e6;
  }

  /** Resolves when `bytes` more bytes would have crossed the wire at the link rate. */
  pace(bytes: number): Promise<void> {
    const perMs = this.#bytesPerMs;
    if (perMs === undefined || bytes <= 0) return Promise.resolve();
    const now = performance.now();
    const start = this.#busyUntil === 0 ? now : Math.max(now - CATCH_UP_MS, this.#busyUntil);
    this.#busyUntil = start + bytes / perMs;
    const deadline = this.#busyUntil;
    this.#queue = this.#queue.then(() => sleepUntil(deadline));
    return this.#queue;
  }
}

function sleepUntil(deadline: number): Promise<void> {
  const wait = deadline - performance.now();
  // Below a millisecond a timer would only oversleep; the schedule catches up on the next wait.
  if (wait < 1) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, wait));
}
