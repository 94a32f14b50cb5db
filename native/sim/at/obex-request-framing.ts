/**
 * Where the host's OBEX requests begin and end on a serial line (IrOBEX 3.1: opcode, then a
 * 16-bit big-endian length that counts the whole packet). The phone needs it to tell a new host
 * typing "AT" from bytes in the middle of a request.
 */
export class ObexRequestFraming {
  /** Bytes of the current packet still to come; 0 at a packet boundary. */
  #remaining = 0;
  /** The first bytes of a packet, until its length is known. */
  #head: number[] = [];

  atRequestStart(): boolean {
    return this.#remaining === 0 && this.#head.length === 0;
  }

  see(bytes: Uint8Array): void {
    let i = 0;
    while (i < bytes.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, bytes.length - i);
        this.#remaining -= take;
        i += take;
        continue;
      }
      this.#head.push(bytes[i++]!);
      if (this.#head.length === 3) {
        const length = (this.#head[1]! << 8) | this.#head[2]!;
        this.#head = [];
        // A length under 3 is no packet; the server drops it, and so does this count.
        this.#remaining = Math.max(0, length - 3);
      }
    }
  }
}
