import type { Adb, AdbSync } from '@yume-chan/adb';

/**
 * Sync connections kept open between files. Opening one costs a round trip (OPEN, OKAY) and a
 * buffer of a packet's size on our side; pulling thousands of photos through a fresh connection
 * each was measurably slower than `adb pull`, which uses one. A connection goes back to the pool
 * only after a transfer that ran to its end: sync RECV cannot be stopped, so one left mid-file is
 * out of step and is closed instead.
 */
export class SyncPool {
  readonly #adb: Adb;
  readonly #idle: AdbSync[] = [];
  #closed = false;

  constructor(adb: Adb) {
    this.#adb = adb;
  }

  async take(): Promise<AdbSync> {
    if (this.#closed) throw new Error('the sync connections are closed');
    return this.#idle.pop() ?? (await this.#adb.sync());
  }

  /** Gives back a connection whose last transfer ended cleanly. */
  giveBack(sync: AdbSync): void {
    if (this.#closed || this.#idle.length >= MAX_IDLE) {
      void sync.dispose().catch(() => undefined);
      return;
    }
    this.#idle.push(sync);
  }

  /** Closes a connection that may be out of step (a transfer stopped half-way, an error). */
  async discard(sync: AdbSync): Promise<void> {
    await sync.dispose().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#idle.splice(0).map((sync) => sync.dispose()));
  }
}

/** The rescue reads two files at a time; a few more idle connections would only hold buffers. */
const MAX_IDLE = 4;
