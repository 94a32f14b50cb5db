import { AdbCommand, type AdbPacketData } from '@yume-chan/adb';
import { ReadableStream, TransformStream } from '@yume-chan/stream-extra';
import type { UsbBytes, UsbDevice } from '../../usb/usb-device.ts';

/**
 * Limits on what a phone may send, checked before the ADB library sees it. The library trusts
 * the header: a phone (broken, or hostile) announcing a 4 GiB payload would have it wait for, or
 * allocate, 4 GiB. Real adbd never sends more than its max payload (1 MiB since Android 9; the
 * CNXN of older phones says 256 KiB or 4 KiB), every header's magic is its command's complement,
 * and its commands are the six of protocol.txt (plus STLS for TLS pairing, which we never ask
 * for). Anything else ends the connection with AdbProtocolViolation, which says what was wrong.
 */
export const ADB_MAX_PAYLOAD = 1024 * 1024;
const HEADER_BYTES = 24;
const KNOWN_COMMANDS = new Set<number>(Object.values(AdbCommand));

export class AdbProtocolViolation extends Error {
  override readonly name = 'AdbProtocolViolation';
  constructor(what: string) {
    super(`the phone broke the ADB protocol: ${what}`);
  }
}

/**
 * The library reports a connection ended by a stream error as a plain disconnect, without the
 * reason; the guards tell it here, so the source can say what the phone did.
 */
export type ViolationReport = (violation: AdbProtocolViolation) => void;

const connectionViolations = new WeakMap<object, { violation?: AdbProtocolViolation }>();

/** A record to pass to the guards of one connection, readable later through the Adb it became. */
export function violationRecord(): { violation?: AdbProtocolViolation; report: ViolationReport } {
  const record: { violation?: AdbProtocolViolation; report: ViolationReport } = {
    report: (violation) => {
      record.violation ??= violation;
    },
  };
  return record;
}

export function rememberViolations(adb: object, record: { violation?: AdbProtocolViolation }): void {
  connectionViolations.set(adb, record);
}

/** Why the phone's connection was ended by a guard, if it was. */
export function protocolViolationOf(adb: object): AdbProtocolViolation | undefined {
  return connectionViolations.get(adb)?.violation;
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** What is wrong with a packet header, or undefined when nothing is. */
export function headerViolation(command: number, payloadLength: number, magic: number): string | undefined {
  if ((magic | 0) !== ((command ^ 0xffffffff) | 0)) return `a packet header with a wrong magic (${hex(command)} / ${hex(magic)})`;
  if (!KNOWN_COMMANDS.has(command >>> 0)) return `an unknown packet type ${hex(command)}`;
  if (payloadLength > ADB_MAX_PAYLOAD) return `a packet announcing ${payloadLength} bytes (at most ${ADB_MAX_PAYLOAD} exist)`;
  return undefined;
}

/**
 * Over TCP the packets come as one byte stream: each header is checked here, before the
 * library's parser would buffer a payload of whatever size it announces.
 */
export function guardAdbByteStream(bytes: ReadableStream<Uint8Array>, report: ViolationReport): ReadableStream<Uint8Array> {
  const header = new Uint8Array(HEADER_BYTES);
  let headerFilled = 0;
  let payloadLeft = 0;
  return bytes.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        let at = 0;
        while (at < chunk.length) {
          if (payloadLeft > 0) {
            const take = Math.min(payloadLeft, chunk.length - at);
            payloadLeft -= take;
            at += take;
            continue;
          }
          const take = Math.min(HEADER_BYTES - headerFilled, chunk.length - at);
          header.set(chunk.subarray(at, at + take), headerFilled);
          headerFilled += take;
          at += take;
          if (headerFilled < HEADER_BYTES) break;
          headerFilled = 0;
          const view = new DataView(header.buffer);
          const command = view.getUint32(0, true);
          const payloadLength = view.getUint32(12, true);
          const violation = headerViolation(command, payloadLength, view.getInt32(20, true));
          if (violation) {
            const error = new AdbProtocolViolation(violation);
            report(error);
            controller.error(error);
            return;
          }
          payloadLeft = payloadLength;
        }
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Parsed packets (both transports): the header once more, and a payload as long as announced. */
export function guardAdbPackets<T extends AdbPacketData & { payloadLength?: number; magic?: number }>(
  packets: ReadableStream<T>,
  report: ViolationReport,
): ReadableStream<T> {
  return packets.pipeThrough(
    new TransformStream<T, T>({
      transform(packet, controller) {
        const announced = packet.payloadLength ?? packet.payload.length;
        const violation =
          headerViolation(packet.command, announced, packet.magic ?? (packet.command ^ 0xffffffff)) ??
          (packet.payload.length !== announced ? `a packet announcing ${announced} bytes that carried ${packet.payload.length}` : undefined);
        if (violation) {
          const error = new AdbProtocolViolation(violation);
          report(error);
          controller.error(error);
        } else {
          controller.enqueue(packet);
        }
      },
    }),
  );
}

/**
 * Over USB the library reads a payload with one transfer of the announced length: capped here,
 * so a lying header cannot make the USB layer allocate gigabytes. Failed writes are dropped
 * (see below).
 */
export function withTransferInLimit(device: UsbDevice, maxBytes: number, report: ViolationReport): UsbDevice {
  return new Proxy(device, {
    get(target, property) {
      if (property === 'transferIn') {
        return (endpointNumber: number, length: number) => {
          if (length > maxBytes) {
            const error = new AdbProtocolViolation(`a packet announcing ${length} bytes (at most ${ADB_MAX_PAYLOAD} exist)`);
            report(error);
            return Promise.reject(error);
          }
          return target.transferIn(endpointNumber, length);
        };
      }
      if (property === 'transferOut') {
        // A write that fails means the link is broken (a cable pulled: npm usb may say "endpoint
        // not found" before the device is reported gone). The library would let that rejection
        // escape and end the process; instead the write is dropped, the pending read ends (or
        // the stall limit ends it), and the library reports the loss there once, as a lost
        // phone. The TCP carrier drops writes to a gone socket the same way. (Closing the device
        // here instead reset its port, which kept a re-plugged phone from answering.)
        return async (endpointNumber: number, data: UsbBytes) => {
          try {
            return await target.transferOut(endpointNumber, data);
          } catch {
            return { bytesWritten: 0, status: 'ok' as const };
          }
        };
      }
      // Getters and methods run on the device itself (its private fields are not the proxy's).
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
