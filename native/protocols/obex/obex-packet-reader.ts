/**
 * Response packets from a byte duplex, one per request, with the limits a hostile phone meets:
 * a packet may not declare more than the maximum length Lifeboat stated at CONNECT, the link is
 * paused (so the phone is held back by flow control) while a packet waits to be taken, bytes
 * beyond the one awaited response are a protocol error (OBEX answers each request with exactly
 * one packet), and a response that does not arrive whole within the time limit ends the client.
 */
import type { Duplex } from 'node:stream';
import { MIN_MAX_PACKET_LENGTH } from './obex-codes.ts';
import { ObexLinkClosedError, ObexProtocolError, ObexTimeoutError } from './obex-errors.ts';
import { declaredLength } from './obex-packet.ts';

interface Waiter {
  resolve(packet: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class ObexPacketReader {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private waiter: Waiter | undefined;
  /** The length the packet being received declares, once its first 3 bytes are in. */
  private pendingLength: number | undefined;
  private failure: Error | undefined;
  private readonly onData = (chunk: Buffer) => this.take(chunk);
  private readonly onEnd = () => this.fail(new ObexLinkClosedError('the phone closed the link'));
  private readonly onError = (error: Error) => this.fail(new ObexLinkClosedError(`the link failed: ${error.message}`));

  /** The largest packet accepted: what Lifeboat told the phone at CONNECT. */
  maxPacketLength: number;

  constructor(
    private readonly link: Duplex,
    maxPacketLength: number,
  ) {
    this.maxPacketLength = Math.max(maxPacketLength, MIN_MAX_PACKET_LENGTH);
    link.on('data', this.onData);
    link.on('end', this.onEnd);
    link.on('close', this.onEnd);
    link.on('error', this.onError);
    link.pause();
  }

  /** Stops listening; the link itself belongs to the caller and stays open. */
  detach(): void {
    this.link.off('data', this.onData);
    this.link.off('end', this.onEnd);
    this.link.off('close', this.onEnd);
    this.link.off('error', this.onError);
    this.link.pause();
  }

  /** Why the reader can no longer be used, when it cannot. */
  get dead(): Error | undefined {
    return this.failure;
  }

  /**
   * Must be called right before a request is written: bytes that arrived while nobody asked are
   * a phone out of step.
   */
  expectResponse(): void {
    if (this.failure) throw this.failure;
    // Bytes the paused link holds back count too: read() hands them to the 'data' listener (take).
    while (!this.failure && this.link.readableLength > 0 && this.link.read() !== null) {
      // each chunk went through take()
    }
    if (this.failure) throw this.failure;
    if (this.bufferedBytes > 0) this.fail(new ObexProtocolError(`the phone sent ${this.bufferedBytes} bytes nobody asked for`));
    if (this.failure) throw this.failure;
  }

  /** The next whole packet, within `timeoutMs`. */
  next(timeoutMs: number, what: string): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('one response at a time'));
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        const partial = this.bufferedBytes > 0 ? ` (${this.bufferedBytes} bytes of a packet came, then nothing)` : '';
        this.fail(new ObexTimeoutError(`the phone did not answer ${what} within ${Math.round(timeoutMs / 1000)} s${partial}`));
      }, timeoutMs);
      timer.unref?.();
      this.waiter = { resolve, reject, timer };
      this.link.resume();
      this.deliver();
    });
  }

  private take(chunk: Buffer): void {
    if (this.failure) return;
    this.buffered.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= 3) {
      this.pendingLength ??= declaredLength(this.peek(3))!;
      const length = this.pendingLength;
      if (length < 3) return this.fail(new ObexProtocolError(`the phone sent a packet that declares ${length} bytes, less than its own prefix`));
      if (length > this.maxPacketLength) {
        return this.fail(new ObexProtocolError(`the phone sent a packet of ${length} bytes; Lifeboat allowed ${this.maxPacketLength} at CONNECT`));
      }
      if (this.bufferedBytes > length) {
        return this.fail(new ObexProtocolError(`the phone sent ${this.bufferedBytes - length} bytes more than one response packet`));
      }
    }
    if (!this.waiter) this.link.pause();
    this.deliver();
  }

  private deliver(): void {
    const length = this.pendingLength;
    if (!this.waiter || length === undefined || this.bufferedBytes < length) return;
    const packet = Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    this.pendingLength = undefined;
    const waiter = this.waiter;
    this.waiter = undefined;
    clearTimeout(waiter.timer);
    this.link.pause();
    waiter.resolve(new Uint8Array(packet.buffer, packet.byteOffset, packet.length));
  }

  private peek(n: number): Buffer {
    const first = this.buffered[0]!;
    if (first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.buffered).subarray(0, n);
  }

  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.buffered = [];
    this.bufferedBytes = 0;
    this.pendingLength = undefined;
    this.link.pause();
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
