import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { encodeHeader, type AdbPacket } from './adb-packet.ts';
import { AdbPacketReader } from './adb-packet-reader.ts';
import {
  A_AUTH, A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_VERSION, A_WRTE, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE, commandName, MAX_PAYLOAD,
} from './adb-protocol-constants.ts';
import { signTokenLikeAdb } from './adb-auth-signature.ts';
import { encodeAndroidPublicKey } from './android-public-key.ts';

/**
 * A minimal host side of ADB for the simulator's own tests: it speaks the packets by hand so the
 * tests can also send what a real client never would. (The faithful-client test uses the real adb.)
 */
export class FakeAdbHost {
  private readonly reader = new AdbPacketReader(MAX_PAYLOAD * 2);
  private readonly queue: AdbPacket[] = [];
  private waiter: (() => void) | undefined;
  private ended = false;
  private nextId = 100;

  constructor(readonly duplex: Duplex) {
    duplex.on('data', (chunk: Buffer) => {
      for (const packet of this.reader.push(chunk)) this.queue.push(packet);
      this.waiter?.();
    });
    const end = () => {
      this.ended = true;
      this.waiter?.();
    };
    duplex.on('close', end);
    duplex.on('end', end);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  send(command: number, arg0: number, arg1: number, payload: Buffer | string = Buffer.alloc(0)): void {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const packet = { command, arg0, arg1, payload: data };
    this.duplex.write(encodeHeader(packet, 0x01000000));
    if (data.length > 0) this.duplex.write(data);
  }

  /** The next packet from the phone; rejects after `timeoutMs` or when the link ends. */
  async next(timeoutMs = 5000): Promise<AdbPacket> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.ended) throw new Error('the link ended');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no packet in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift()!;
  }

  async expect(command: number, timeoutMs?: number): Promise<AdbPacket> {
    const packet = await this.next(timeoutMs);
    if (packet.command !== command) {
      throw new Error(`expected ${commandName(command)}, got ${commandName(packet.command)} (${packet.payload.toString('latin1').slice(0, 80)})`);
    }
    return packet;
  }

  /** CNXN, then AUTH the way adb does it with `key`: signature first, public key if refused. */
  async connect(key?: crypto.KeyObject): Promise<AdbPacket> {
    this.send(A_CNXN, A_VERSION, MAX_PAYLOAD, 'host::features=shell_v2,stat_v2,ls_v2,sendrecv_v2\0');
    let packet = await this.next();
    if (packet.command === A_CNXN) return packet;
    if (!key) throw new Error('the phone asks for AUTH');
    this.send(A_AUTH, AUTH_SIGNATURE, 0, signTokenLikeAdb(key, packet.payload));
    packet = await this.next();
    if (packet.command === A_CNXN) return packet;
    const publicKey = encodeAndroidPublicKey(crypto.createPublicKey(key), 'tester@lifeboat');
    this.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, `${publicKey}\0`);
    return this.expect(A_CNXN, 10_000);
  }

  /** Opens a service and returns its stream, or undefined when the phone answers CLSE. */
  async open(service: string): Promise<HostStream | undefined> {
    const localId = this.nextId++;
    this.send(A_OPEN, localId, 0, `${service}\0`);
    const reply = await this.next();
    if (reply.command === A_CLSE) return undefined;
    if (reply.command !== A_OKAY) throw new Error(`OPEN answered with ${commandName(reply.command)}`);
    return new HostStream(this, localId, reply.arg0);
  }
}

/** One stream from the host's side: writes, and reads everything until the phone's CLSE. */
export class HostStream {
  constructor(
    private readonly host: FakeAdbHost,
    readonly localId: number,
    readonly remoteId: number,
  ) {}

  write(data: Buffer | string): void {
    this.host.send(A_WRTE, this.localId, this.remoteId, data);
  }

  close(): void {
    this.host.send(A_CLSE, this.localId, this.remoteId);
  }

  /** Reads WRTE payloads (acknowledging each) until CLSE; checks one WRTE in flight at a time. */
  async readAll(timeoutMs = 10_000): Promise<{ data: Buffer; writes: number; maxWrite: number }> {
    const parts: Buffer[] = [];
    let writes = 0;
    let maxWrite = 0;
    for (;;) {
      const packet = await this.host.next(timeoutMs);
      if (packet.command === A_CLSE) break;
      if (packet.command === A_OKAY) continue; // acknowledgement of our own writes
      if (packet.command !== A_WRTE) throw new Error(`unexpected ${commandName(packet.command)} in a stream`);
      if (packet.arg1 !== this.localId) throw new Error('WRTE for another stream');
      writes++;
      maxWrite = Math.max(maxWrite, packet.payload.length);
      parts.push(packet.payload);
      this.host.send(A_OKAY, this.localId, this.remoteId);
    }
    return { data: Buffer.concat(parts), writes, maxWrite };
  }
}
