/**
 * Faults and limits of the cable, applied to what the phone sends (for later tests):
 * - `unplugAfterBytes`: after that many payload bytes the link is cut mid-packet, as a pulled cable;
 * - `stallAfterBytes`: after that many payload bytes the phone stops answering, link still up;
 * - `linkRateMBps`: payload bytes leave at most at this rate, in 10^6 bytes per second.
 * Counted per connection, payload bytes only (headers are small and would blur the figures).
 *
 * The rate is a token bucket holding at most one maximum payload (1 MiB) of credit: over any
 * span T no more than rate × T + 1 MiB leave, and the moments the link idles while the phone
 * waits for the host's OKAY are credited back, as a USB pipe keeps its bandwidth between
 * transfers. (Charging each packet its full time after every round trip would cap any client
 * at ~90% of the rate, whatever it did.)
 */
export interface LinkFaults {
  unplugAfterBytes?: number;
  stallAfterBytes?: number;
  linkRateMBps?: number;
}

export type LinkVerdict =
  | { kind: 'send' }
  | { kind: 'cut'; keepBytes: number; then: 'unplug' | 'stall' };

/** The bucket's size: one maximum ADB payload. */
const BURST_BYTES = 1024 * 1024;

export class LinkShaper {
  private sentPayloadBytes = 0;
  private credit = 0;
  private creditAtMs: number | undefined;

  constructor(private readonly faults: LinkFaults) {
    for (const [name, value] of Object.entries(faults)) {
      if (value !== undefined && !(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
        throw new RangeError(`${name} must be a number ≥ 0, not ${String(value)}`);
      }
    }
    if (faults.linkRateMBps === 0) throw new RangeError('linkRateMBps must be more than 0');
  }

  /** Decides the fate of a payload about to be sent, and counts it. */
  admit(payloadLength: number): LinkVerdict {
    const before = this.sentPayloadBytes;
    this.sentPayloadBytes += payloadLength;
    const limits: { at: number; then: 'unplug' | 'stall' }[] = [];
    if (this.faults.unplugAfterBytes !== undefined) limits.push({ at: this.faults.unplugAfterBytes, then: 'unplug' });
    if (this.faults.stallAfterBytes !== undefined) limits.push({ at: this.faults.stallAfterBytes, then: 'stall' });
    limits.sort((a, b) => a.at - b.at);
    const hit = limits.find((limit) => this.sentPayloadBytes > limit.at || (payloadLength === 0 && before >= limit.at));
    if (hit) return { kind: 'cut', keepBytes: Math.max(0, hit.at - before), then: hit.then };
    return { kind: 'send' };
  }

  /** How long to wait before `payloadLength` bytes may leave, keeping the average at the link rate. */
  delayFor(payloadLength: number, nowMs: number): number {
    const rate = this.faults.linkRateMBps;
    if (!rate || payloadLength === 0) return 0;
    const bytesPerMs = rate * 1000; // rate × 10^6 B/s
    if (this.creditAtMs !== undefined) this.credit = Math.min(BURST_BYTES, this.credit + (nowMs - this.creditAtMs) * bytesPerMs);
    this.creditAtMs = nowMs;
    this.credit -= payloadLength;
    return this.credit >= 0 ? 0 : -this.credit / bytesPerMs;
  }

  get payloadBytesSent(): number {
    return this.sentPayloadBytes;
  }
}
