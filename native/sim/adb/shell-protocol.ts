/**
 * The shell protocol v2 (adb's shell_protocol.h): inside the stream, packets of
 * { u8 id, u32 little-endian length, data }. The exit packet carries one byte, the exit code.
 */
export const SHELL_STDIN = 0;
export const SHELL_STDOUT = 1;
export const SHELL_STDERR = 2;
export const SHELL_EXIT = 3;
export const SHELL_CLOSE_STDIN = 4;
export const SHELL_WINDOW_SIZE_CHANGE = 5;

export function encodeShellPacket(id: number, data: Uint8Array): Buffer {
  const packet = Buffer.allocUnsafe(5 + data.length);
  packet.writeUInt8(id, 0);
  packet.writeUInt32LE(data.length, 1);
  packet.set(data, 5);
  return packet;
}

export function encodeShellExit(code: number): Buffer {
  return encodeShellPacket(SHELL_EXIT, Uint8Array.of(code & 0xff));
}

/**
 * Reads the host's shell packets (stdin, close-stdin, window size). Their data is thrown away (the
 * commands here read no input), so only the framing is followed and memory stays flat; a packet
 * that claims more than `maxLength` is a broken peer.
 */
export class ShellPacketSkipper {
  private header = Buffer.alloc(5);
  private headerFilled = 0;
  private remaining = 0;
  private currentId = -1;

  constructor(
    private readonly maxLength: number,
    private readonly onPacket: (id: number) => void,
  ) {}

  /** Returns a problem description when the framing is broken. */
  push(data: Buffer): string | undefined {
    let offset = 0;
    while (offset < data.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length - offset);
        this.remaining -= n;
        offset += n;
        if (this.remaining === 0) this.onPacket(this.currentId);
        continue;
      }
      const n = Math.min(5 - this.headerFilled, data.length - offset);
      data.copy(this.header, this.headerFilled, offset, offset + n);
      this.headerFilled += n;
      offset += n;
      if (this.headerFilled < 5) break;
      this.headerFilled = 0;
      this.currentId = this.header.readUInt8(0);
      this.remaining = this.header.readUInt32LE(1);
      if (this.currentId > SHELL_WINDOW_SIZE_CHANGE) return `unknown shell packet id ${this.currentId}`;
      if (this.remaining > this.maxLength) return `shell packet of ${this.remaining} bytes`;
      if (this.remaining === 0) this.onPacket(this.currentId);
    }
    return undefined;
  }
}
