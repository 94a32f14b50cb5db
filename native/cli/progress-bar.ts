import { formatSize } from '../util/format-size.ts';

/**
 * One line of progress on a terminal (stderr), redrawn in place: a bar, counts, bytes, speed and
 * time left. When stderr is not a terminal, it prints a plain line now and then instead.
 */
export class ProgressBar {
  private lastDraw = 0;
  private lastPlain = Date.now(); // a plain line only for work that lasts
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 28,
  ) {}

  update(label: string, done: number, total: number | undefined, bytes?: number, totalBytes?: number): void {
    const now = Date.now();
    if (!this.stream.isTTY) {
      if (now - this.lastPlain < 5000) return;
      this.lastPlain = now;
      this.stream.write(`${label}: ${this.describe(done, total, bytes, totalBytes, now)}\n`);
      return;
    }
    if (now - this.lastDraw < 80) return;
    this.lastDraw = now;
    const fraction = totalBytes ? (bytes ?? 0) / totalBytes : total ? done / total : undefined;
    const bar =
      fraction === undefined
        ? ''
        : `[${'#'.repeat(Math.round(Math.min(1, fraction) * this.width)).padEnd(this.width, '.')}] ${Math.floor(Math.min(1, fraction) * 100)}% `;
    const line = `${label.padEnd(9)} ${bar}${this.describe(done, total, bytes, totalBytes, now)}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, (this.stream.columns ?? 100) - 1)}`);
    this.drawn = true;
  }

  /** Ends the current line with a final message (and a newline). */
  done(message: string): void {
    if (this.stream.isTTY && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.stream.write(`${message}\n`);
  }

  private describe(done: number, total: number | undefined, bytes: number | undefined, totalBytes: number | undefined, now: number) {
    const parts = [total === undefined ? `${done} items` : `${done}/${total} items`];
    if (bytes !== undefined && totalBytes) {
      const seconds = Math.max(0.001, (now - this.started) / 1000);
      const rate = bytes / seconds;
      parts.push(`${formatSize(bytes)}/${formatSize(totalBytes)}`, `${formatSize(rate)}/s`);
      if (rate > 0 && totalBytes > bytes) parts.push(`${formatDuration((totalBytes - bytes) / rate)} left`);
    }
    return parts.join(', ');
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
