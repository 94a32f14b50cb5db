import { A_CNXN, A_VERSION_SKIP_CHECKSUM, commandName, HEADER_SIZE, KNOWN_COMMANDS } from './adb-protocol-constants.ts';
import { magicOf, payloadChecksum, type AdbPacket } from './adb-packet.ts';

/** A peer broke the packet format; the connection must be closed, `message` says why. */
export class AdbProtocolError extends Error {
  override readonly name = 'AdbProtocolError';
}

/**
 * Turns a stream of byte chunks into ADB packets, whatever the chunking: a header and its payload
 * may come glued in one chunk (TCP) or as separate chunks (USB bulk transfers), and one chunk may
 * hold several packets or a fraction of one.
 *
 * Memory is bounded: a header is checked as soon as its 24 bytes are in, so a length above
 * `maxPayload` is refused before any of that payload is buffered. At most one packet's worth of
 * bytes (plus the unread rest of the current chunk) is held.
 */
export class AdbPacketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private pendingHeader: { command: number; arg0: number; arg1: number; length: number; check: number } | undefined;
  /** The version the peer announced in CNXN; below A_VERSION_SKIP_CHECKSUM its checksums are checked. */
  peerVersion: number | undefined;

  constructor(private readonly maxPayload: number) {}

  /** Feeds one chunk; returns the packets it completed. Throws AdbProtocolError on a broken header. */
  push(chunk: Uint8Array): AdbPacket[] {
    if (chunk.length > 0) {
      // Copied: a transport may reuse its transfer buffer once this call returns.
      this.chunks.push(Buffer.from(chunk));
      this.buffered += chunk.length;
    }
    const packets: AdbPacket[] = [];
    for (;;) {
      if (!this.pendingHeader) {
        if (this.buffered < HEADER_SIZE) break;
        this.pendingHeader = this.parseHeader(this.take(HEADER_SIZE));
      }
      const header = this.pendingHeader;
      if (this.buffered < header.length) break;
      const payload = header.length === 0 ? Buffer.alloc(0) : this.take(header.length);
      this.pendingHeader = undefined;
      this.checkChecksum(header, payload);
      packets.push({ command: header.command, arg0: header.arg0, arg1: header.arg1, payload });
    }
    return packets;
  }

  /** Bytes held that do not yet make a packet (for tests and for the bounded-memory promise). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  private parseHeader(bytes: Buffer) {
    const command = bytes.readUInt32LE(0);
    const arg0 = bytes.readUInt32LE(4);
    const arg1 = bytes.readUInt32LE(8);
    const length = bytes.readUInt32LE(12);
    const check = bytes.readUInt32LE(16);
    const magic = bytes.readUInt32LE(20);
    if (magic !== magicOf(command)) {
      throw new AdbProtocolError(
        `bad packet header: magic 0x${magic.toString(16)} is not command ${commandName(command)} ^ 0xffffffff (0x${magicOf(command).toString(16)})`,
      );
    }
    if (!KNOWN_COMMANDS.has(command)) {
      throw new AdbProtocolError(`bad packet header: unknown command ${commandName(command)}`);
    }
    if (length > this.maxPayload) {
      throw new AdbProtocolError(
        `bad packet header: ${commandName(command)} announces a ${length}-byte payload, more than the ${this.maxPayload} bytes allowed`,
      );
    }
    return { command, arg0, arg1, length, check };
  }

  private checkChecksum(header: { command: number; arg0: number; check: number }, payload: Buffer): void {
    // CNXN carries the peer's version, so it decides for itself; later packets follow the peer's CNXN.
    const version = header.command === A_CNXN ? header.arg0 : this.peerVersion;
    if (version === undefined || version >= A_VERSION_SKIP_CHECKSUM) return;
    const sum = payloadChecksum(payload);
    if (sum !== header.check) {
      throw new AdbProtocolError(
        `bad packet: ${commandName(header.command)} payload checksum is ${sum}, the header says ${header.check} (the length may be lying)`,
      );
    }
  }

  private take(count: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= count) {
      const taken = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return taken;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, n);
      filled += n;
      if (n === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(n);
    }
    this.buffered -= count;
    return out;
  }
}
