/**
 * The only OBEX requests Lifeboat can put on the wire. Each one reads or moves about; none can
 * change the phone:
 *   CONNECT, DISCONNECT, GET, ABORT, and SETPATH with the "don't create" flag always set.
 * PUT (which also deletes: a PUT without a body), ACTION (copy, move, permissions), SESSION and
 * SETPATH that may create a folder are absent on purpose. `encodeRequest` has no way to express
 * them, and `assertAllowedRequestBytes` checks the finished bytes once more right before they are
 * written (obex-client.ts), so not even a bug upstream can send one. A test walks every opcode
 * and every SETPATH flag byte through it.
 */
import { Opcode, SetPathFlag, opcodeName } from './obex-codes.ts';
import { ObexNotAllowedError } from './obex-errors.ts';
import { decodeHeaders, type ObexHeader } from './obex-headers.ts';
import { assemblePacket, connectFields } from './obex-packet.ts';

export type ObexRequest =
  | { op: 'connect'; maxPacketLength: number; headers: ObexHeader[] }
  | { op: 'disconnect'; headers: ObexHeader[] }
  | { op: 'get'; final: boolean; headers: ObexHeader[] }
  /** "down" needs a folder name; "up" backs up one level; "root" goes to the top. */
  | { op: 'setpath'; direction: 'down' | 'up' | 'root'; headers: ObexHeader[] }
  | { op: 'abort'; headers: ObexHeader[] };

const ALLOWED_OPCODES: ReadonlySet<number> = new Set([Opcode.Connect, Opcode.Disconnect, Opcode.Get, Opcode.GetFinal, Opcode.SetPath, Opcode.Abort]);

export function encodeRequest(request: ObexRequest): Uint8Array {
  let bytes: Uint8Array;
  switch (request.op) {
    case 'connect':
      bytes = assemblePacket(Opcode.Connect, connectFields(request.maxPacketLength), request.headers);
      break;
    case 'disconnect':
      bytes = assemblePacket(Opcode.Disconnect, new Uint8Array(0), request.headers);
      break;
    case 'get':
      bytes = assemblePacket(request.final ? Opcode.GetFinal : Opcode.Get, new Uint8Array(0), request.headers);
      break;
    case 'abort':
      bytes = assemblePacket(Opcode.Abort, new Uint8Array(0), request.headers);
      break;
    case 'setpath': {
      const flags = SetPathFlag.DontCreate | (request.direction === 'up' ? SetPathFlag.BackUp : 0);
      bytes = assemblePacket(Opcode.SetPath, Uint8Array.from([flags, 0]), request.headers);
      break;
    }
  }
  assertAllowedRequestBytes(bytes);
  return bytes;
}

/** Throws unless `bytes` is one whole request packet that the allowlist permits. */
export function assertAllowedRequestBytes(bytes: Uint8Array): void {
  const code = bytes[0];
  if (code === undefined || bytes.length < 3) throw new ObexNotAllowedError('an OBEX request must be at least 3 bytes');
  const length = (bytes[1]! << 8) | bytes[2]!;
  if (length !== bytes.length) throw new ObexNotAllowedError(`an OBEX request must be exactly one packet (declares ${length}, is ${bytes.length} bytes)`);
  if (!ALLOWED_OPCODES.has(code)) throw new ObexNotAllowedError(`OBEX ${opcodeName(code)} is not on Lifeboat's read-only allowlist`);
  if (code === Opcode.SetPath) {
    const flags = bytes[3];
    if (flags === undefined || (flags & SetPathFlag.DontCreate) === 0) {
      throw new ObexNotAllowedError('OBEX SETPATH without the "don\'t create" flag could create a folder on the phone: not on Lifeboat\'s read-only allowlist');
    }
    if ((flags & ~(SetPathFlag.DontCreate | SetPathFlag.BackUp)) !== 0 || bytes[4] !== 0) {
      throw new ObexNotAllowedError(`OBEX SETPATH with flags 0x${flags.toString(16)} / constants ${bytes[4]} is not on Lifeboat's read-only allowlist`);
    }
    // Backing up while naming a folder is "cd ../name": allowed by OBEX, never needed here; keep it simple and refuse.
    const headers = decodeHeaders(bytes.subarray(5));
    if ((flags & SetPathFlag.BackUp) !== 0 && headers.some((h) => h.id === 0x01)) {
      throw new ObexNotAllowedError('OBEX SETPATH that backs up and names a folder at once is not on Lifeboat\'s read-only allowlist');
    }
  }
}
