import crypto from 'node:crypto';
import type { Duplex } from 'node:stream';
import { AuthGate } from './adb-auth-gate.ts';
import { encodeHeader, type AdbPacket } from './adb-packet.ts';
import { AdbPacketReader, AdbProtocolError } from './adb-packet-reader.ts';
import {
  A_AUTH, A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_VERSION, A_VERSION_MIN, A_WRTE, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE,
  AUTH_TOKEN, AUTH_TOKEN_SIZE, commandName, MAX_PAYLOAD, MAX_PAYLOAD_V1,
} from './adb-protocol-constants.ts';
import { DeviceStream, type StreamPacketSink } from './adb-stream.ts';
import { corruptHeader, isPacketHostility, type AdbHostility } from './hostile-phone.ts';
import { LinkShaper, type LinkFaults } from './link-shaper.ts';

/** What a service does with the host's side of its stream. */
export interface ServiceHandler {
  /** Bytes the host wrote. The host gets its OKAY when the returned promise settles (flow control). */
  onData(data: Buffer): void | Promise<void>;
  /** The host closed the stream or the connection is gone. */
  onClose(): void;
}

/** Starts the service named in an OPEN; undefined when there is no such service (CLSE is sent). */
export type ServiceFactory = (service: string, stream: DeviceStream) => ServiceHandler | undefined;

export interface DeviceConnectionOptions {
  banner: string;
  auth: AuthGate;
  openService: ServiceFactory;
  faults?: LinkFaults;
  log: (message: string) => void;
  /** Largest payload this device accepts and advertises (adbd: 1 MiB). */
  maxPayload?: number;
  /** Logs every packet's command, args and payload size (debugging a client). */
  tracePackets?: boolean;
  /** A broken or hostile phone (hostile-phone.ts); only the packet-level kinds act here. */
  hostility?: AdbHostility;
}

type State = 'waiting-for-cnxn' | 'authenticating' | 'online' | 'closed';

/** Most bad signatures tolerated on one connection before it is dropped (a brute-forcing host). */
const MAX_FAILED_SIGNATURES = 64;
/** Most streams open at once on one connection; more OPENs are answered CLSE (bounded memory). */
const MAX_OPEN_STREAMS = 256;

/**
 * The device side of one ADB connection over any byte duplex (a TCP socket, or a virtual USB
 * device's bulk endpoints). It reads packets, runs CNXN and AUTH, multiplexes streams, and sends
 * through the link shaper. Anything malformed closes this connection with a logged reason; the
 * simulator itself carries on.
 */
export class AdbDeviceConnection implements StreamPacketSink {
  private state: State = 'waiting-for-cnxn';
  private readonly reader: AdbPacketReader;
  private readonly maxPayload: number;
  private peerVersion = A_VERSION_MIN;
  private peerMaxPayload = MAX_PAYLOAD_V1;
  private token: Buffer | undefined;
  private failedSignatures = 0;
  private keyOffered = false;
  private nextLocalId = 1;
  private readonly streams = new Map<number, { stream: DeviceStream; handler: ServiceHandler; service: string }>();
  /** The packet-level hostility strikes once, then the phone carries on as if nothing happened. */
  private struck = false;
  private readonly link: LinkShaper;
  private sendQueue: Promise<void> = Promise.resolve();
  private stalled = false;
  private resolveClosed!: () => void;
  /** Settles when the connection is over, for whatever reason. */
  readonly closed: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly duplex: Duplex,
    private readonly options: DeviceConnectionOptions,
  ) {
    this.maxPayload = options.maxPayload ?? MAX_PAYLOAD;
    this.reader = new AdbPacketReader(this.maxPayload);
    this.link = new LinkShaper(options.faults ?? {});
    duplex.on('data', (chunk: Buffer) => this.onChunk(chunk));
    duplex.on('end', () => this.close('the host ended the connection'));
    duplex.on('close', () => this.close('the link closed'));
    duplex.on('error', (error: Error) => this.close(`link error: ${error.message}`));
  }

  private isOver(): boolean {
    return this.state === 'closed' || this.stalled;
  }

  get isOnline(): boolean {
    return this.state === 'online';
  }

  /** Ends the connection and every stream on it. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.options.log(`connection closed: ${reason}`);
    for (const { stream, handler } of this.streams.values()) {
      stream.closedByPeer();
      handler.onClose();
    }
    this.streams.clear();
    this.duplex.destroy();
    this.resolveClosed();
  }

  private onChunk(chunk: Buffer): void {
    if (this.state === 'closed' || this.stalled) return;
    try {
      for (const packet of this.reader.push(chunk)) {
        // A packet may close or stall the connection; the rest of the chunk is then dropped.
        if (this.isOver()) return;
        this.onPacket(packet);
      }
    } catch (error) {
      // Whatever a host sends, it costs at most its own connection, never the simulator.
      if (error instanceof AdbProtocolError) return this.close(error.message);
      this.options.log(`internal error: ${(error as Error).stack ?? String(error)}`);
      this.close(`internal error: ${(error as Error).message}`);
    }
  }

  private onPacket(packet: AdbPacket): void {
    if (this.options.tracePackets) this.options.log(`recv ${commandName(packet.command)} ${packet.arg0} ${packet.arg1} ${packet.payload.length}`);
    switch (packet.command) {
      case A_CNXN:
        return this.onConnect(packet);
      case A_AUTH:
        this.onAuth(packet).catch((error: Error) => this.close(`AUTH failed: ${error.message}`));
        return;
      case A_OPEN:
      case A_OKAY:
      case A_WRTE:
      case A_CLSE:
        // adbd ignores stream packets until the host is authorised.
        if (this.state !== 'online') {
          this.options.log(`ignoring ${commandName(packet.command)} before the connection is authorised`);
          return;
        }
        if (packet.command === A_OPEN) return this.onOpen(packet);
        if (packet.command === A_OKAY) return this.onOkay(packet);
        if (packet.command === A_WRTE) return this.onWrite(packet);
        return this.onStreamClose(packet);
      default:
        this.options.log(`ignoring ${commandName(packet.command)}`);
    }
  }

  private onConnect(packet: AdbPacket): void {
    this.peerVersion = Math.min(packet.arg0 >>> 0, A_VERSION);
    if (this.peerVersion < A_VERSION_MIN) return this.close(`CNXN with unsupported version 0x${packet.arg0.toString(16)}`);
    this.reader.peerVersion = packet.arg0 >>> 0;
    this.peerMaxPayload = Math.max(MAX_PAYLOAD_V1, Math.min(packet.arg1 >>> 0, this.maxPayload));
    const banner = packet.payload.toString('latin1').replace(/\0+$/, '');
    this.options.log(`CNXN from "${banner.slice(0, 200)}" (version 0x${packet.arg0.toString(16)}, maxdata ${packet.arg1})`);
    // A second CNXN restarts the handshake, as adbd does after a host reconnect.
    for (const { stream, handler } of this.streams.values()) {
      stream.closedByPeer();
      handler.onClose();
    }
    this.streams.clear();
    if (!this.options.auth.required) return this.goOnline();
    this.state = 'authenticating';
    this.sendToken();
  }

  private sendToken(): void {
    this.token = crypto.randomBytes(AUTH_TOKEN_SIZE);
    this.send({ command: A_AUTH, arg0: AUTH_TOKEN, arg1: 0, payload: this.token });
  }

  private async onAuth(packet: AdbPacket): Promise<void> {
    if (this.state !== 'authenticating' || !this.token) {
      this.options.log('ignoring AUTH outside the handshake');
      return;
    }
    if (packet.arg0 === AUTH_SIGNATURE) {
      if (this.options.auth.signatureIsValid(this.token, packet.payload)) {
        this.options.log('AUTH: signature verified with an allowed key');
        return this.goOnline();
      }
      if (++this.failedSignatures > MAX_FAILED_SIGNATURES) return this.close('too many bad AUTH signatures');
      // adbd answers a signature it cannot verify with a fresh token; the host tries its next key.
      return this.sendToken();
    }
    if (packet.arg0 === AUTH_RSAPUBLICKEY) {
      if (this.keyOffered) return; // the dialog is already up for this connection
      this.keyOffered = true;
      const allowed = await this.options.auth.offerKey(packet.payload);
      this.keyOffered = false;
      if (allowed && this.state === 'authenticating') this.goOnline();
      return;
    }
    this.options.log(`ignoring AUTH of unknown type ${packet.arg0}`);
  }

  private goOnline(): void {
    this.state = 'online';
    this.token = undefined;
    const payload = Buffer.from(this.options.banner, 'latin1');
    // Like adbd: the version both speak and the smaller of the two maximum payloads.
    this.send({ command: A_CNXN, arg0: this.peerVersion, arg1: this.peerMaxPayload, payload });
  }

  private onOpen(packet: AdbPacket): void {
    const remoteId = packet.arg0 >>> 0;
    const service = packet.payload.toString('utf8').replace(/\0+$/, '');
    if (remoteId === 0) return this.close('OPEN with local-id 0');
    if (this.streams.size >= MAX_OPEN_STREAMS) {
      this.options.log(`OPEN "${service.slice(0, 80)}" refused: ${MAX_OPEN_STREAMS} streams are open already`);
      this.send({ command: A_CLSE, arg0: 0, arg1: remoteId, payload: Buffer.alloc(0) });
      return;
    }
    const localId = this.nextLocalId++;
    const stream = new DeviceStream(localId, remoteId, this.peerMaxPayload, this);
    let handler: ServiceHandler | undefined;
    try {
      handler = this.options.openService(service, stream);
    } catch (error) {
      this.options.log(`service "${service}" failed to start: ${(error as Error).message}`);
    }
    if (!handler) {
      this.options.log(`OPEN "${service}": no such service`);
      this.send({ command: A_CLSE, arg0: 0, arg1: remoteId, payload: Buffer.alloc(0) });
      return;
    }
    this.streams.set(localId, { stream, handler, service });
    this.send({ command: A_OKAY, arg0: localId, arg1: remoteId, payload: Buffer.alloc(0) });
    stream.accept();
  }

  private onOkay(packet: AdbPacket): void {
    const entry = this.streams.get(packet.arg1 >>> 0);
    if (!entry || entry.stream.remoteId !== packet.arg0 >>> 0) return;
    entry.stream.acknowledged();
  }

  private onWrite(packet: AdbPacket): void {
    const entry = this.streams.get(packet.arg1 >>> 0);
    if (!entry || entry.stream.remoteId !== packet.arg0 >>> 0) return;
    const { stream, handler } = entry;
    const acknowledge = () => {
      if (!stream.closed && this.state === 'online') {
        this.send({ command: A_OKAY, arg0: stream.localId, arg1: stream.remoteId, payload: Buffer.alloc(0) });
      }
    };
    const consumed = handler.onData(packet.payload);
    if (consumed) consumed.then(acknowledge, acknowledge);
    else acknowledge();
  }

  private onStreamClose(packet: AdbPacket): void {
    const entry = this.streams.get(packet.arg1 >>> 0);
    if (!entry) return;
    this.streams.delete(entry.stream.localId);
    entry.stream.closedByPeer();
    entry.handler.onClose();
  }

  // StreamPacketSink: what streams send.
  sendWrite(localId: number, remoteId: number, data: Buffer): void {
    const hostility = this.options.hostility;
    const strike = isPacketHostility(hostility) && !this.struck && this.streams.get(localId)?.service === 'sync:';
    if (strike) {
      this.struck = true;
      this.options.log(`hostile phone: ${hostility} on a sync packet`);
    }
    this.send({ command: A_WRTE, arg0: localId, arg1: remoteId, payload: data, ...(strike ? { corrupt: hostility } : {}) });
  }

  sendClose(localId: number, remoteId: number): void {
    this.streams.delete(localId);
    this.send({ command: A_CLSE, arg0: localId, arg1: remoteId, payload: Buffer.alloc(0) });
  }

  /** Packets leave in order, one at a time, header and payload as separate writes. */
  private send(packet: AdbPacket): void {
    this.sendQueue = this.sendQueue.then(() => this.transmit(packet)).catch((error: Error) => this.close(`send failed: ${error.message}`));
  }

  private async transmit(packet: AdbPacket): Promise<void> {
    if (this.state === 'closed' || this.stalled) return;
    if (this.options.tracePackets) this.options.log(`send ${commandName(packet.command)} ${packet.arg0} ${packet.arg1} ${packet.payload.length}`);
    const plainHeader = encodeHeader(packet, this.peerVersion);
    const header = packet.corrupt ? corruptHeader(plainHeader, packet.corrupt) : plainHeader;
    const verdict = this.link.admit(packet.payload.length);
    if (verdict.kind === 'cut') {
      await this.writeChunk(header);
      if (verdict.keepBytes > 0) await this.writeChunk(packet.payload.subarray(0, verdict.keepBytes));
      if (verdict.then === 'unplug') {
        this.close(`cable pulled after ${this.link.payloadBytesSent - packet.payload.length + verdict.keepBytes} payload bytes (unplugAfterBytes)`);
      } else {
        this.stalled = true;
        this.options.log('the phone stops answering (stallAfterBytes)');
      }
      return;
    }
    const delay = this.link.delayFor(packet.payload.length, performance.now());
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    await this.writeChunk(header);
    if (packet.payload.length > 0) await this.writeChunk(packet.payload);
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    if (this.state === 'closed' || this.duplex.destroyed) return;
    if (this.duplex.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.duplex.off('drain', done);
        this.duplex.off('close', done);
        resolve();
      };
      this.duplex.on('drain', done);
      this.duplex.on('close', done);
    });
  }
}
