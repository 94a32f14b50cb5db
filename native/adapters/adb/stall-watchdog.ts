/**
 * A phone that stops answering while the cable stays in (a crashed adbd, a frozen phone) sends
 * no error and no disconnect: every read just waits. This gives each step of an iteration a time
 * limit; when it passes, `onStall` decides what to throw (adb-source.ts closes the connection and
 * throws SourceLostError, so the rescue ends with "reconnect and run again" instead of hanging).
 *
 * A step may legitimately be long when it is made of many small exchanges (listing a folder of
 * thousands of non-photos between two photos): such work calls `heartbeat.beat()` after each
 * exchange, and the limit counts from the last beat, not from the start of the step.
 */
export class Heartbeat {
  last = Date.now();
  beat(): void {
    this.last = Date.now();
  }
}

/**
 * `gone` settles when the link itself reports that it is down (a pulled USB cable): then the step
 * fails at once with `onGone()`, instead of waiting out the limit on a read that cannot end.
 */
export async function* withStallLimit<T>(
  source: AsyncIterable<T>,
  limitMs: number,
  onStall: () => Promise<unknown>,
  heartbeat: Heartbeat = new Heartbeat(),
  gone?: { promise: Promise<unknown>; error: () => unknown },
): AsyncGenerator<T> {
  // One reaction on the long-lived `gone` promise per walk, and a fresh promise per step: racing
  // the long-lived promise itself would leave one reaction on it per step, each holding that
  // step's result (a chunk of the file) until the connection closes.
  let isGone = false;
  let wakeOnGone: (() => void) | undefined;
  gone?.promise.then(
    () => { isGone = true; wakeOnGone?.(); },
    () => { isGone = true; wakeOnGone?.(); },
  );
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      heartbeat.beat();
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<'stalled'>((resolve) => {
        const check = () => {
          const quiet = Date.now() - heartbeat.last;
          if (quiet >= limitMs) resolve('stalled');
          else timer = setTimeout(check, limitMs - quiet);
        };
        timer = setTimeout(check, limitMs);
      });
      const goneSignal = gone
        ? new Promise<'gone'>((resolve) => {
            if (isGone) resolve('gone');
            else wakeOnGone = () => resolve('gone');
          })
        : undefined;
      let result: IteratorResult<T> | 'stalled' | 'gone';
      try {
        result = await Promise.race(goneSignal ? [iterator.next(), stalled, goneSignal] : [iterator.next(), stalled]);
      } finally {
        clearTimeout(timer);
        wakeOnGone = undefined;
      }
      if (result === 'gone') {
        finished = true;
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
        throw gone!.error();
      }
      if (result === 'stalled') {
        finished = true;
        void Promise.resolve(iterator.return?.()).catch(() => undefined);
        throw await onStall();
      }
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) await iterator.return?.();
  }
}
