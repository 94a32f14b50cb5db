/**
 * A read-only OBEX client over a byte duplex (a serial port after AT+CPROT=0, a USB CDC OBEX
 * interface, a pseudo-terminal): CONNECT to a target, SETPATH down / up / to the root (never
 * creating), GET as a stream pulled packet by packet, ABORT, DISCONNECT.
 *
 * Requests go out only through encodeRequest (obex-allowlist.ts), and their bytes are checked
 * again right before the write. One operation runs at a time; a GET holds the link until its
 * stream ends or is abandoned (then it is aborted, so the next operation finds the phone in step).
 */
import type { Duplex } from 'node:stream';
import { assertAllowedRequestBytes, encodeRequest, type ObexRequest } from './obex-allowlist.ts';
import { FOLDER_LISTING_TYPE, HeaderId, MAX_MAX_PACKET_LENGTH, MIN_MAX_PACKET_LENGTH, Response } from './obex-codes.ts';
import { ObexObjectError, ObexProtocolError, ObexResponseError, ObexTooLargeError, isConnectionFatal } from './obex-errors.ts';
import { header, type ObexHeader } from './obex-headers.ts';
import { decodeResponse, type ObexPacket } from './obex-packet.ts';
import { ObexPacketReader } from './obex-packet-reader.ts';

export interface ObexClientOptions {
  /** The largest packet Lifeboat accepts, stated at CONNECT (255-65535). Default 16 KiB. */
  readonly maxPacketLength?: number;
  /** How long one response may take to arrive whole. Default 30 s. */
  readonly responseTimeoutMs?: number;
}

export interface GetRequest {
  /** The object's name (IrMC: a path such as "telecom/pb.vcf"); left out for the current folder's listing. */
  readonly name?: string;
  readonly type?: string;
}

export interface GetOptions {
  /** The most bytes this object may have; more and the GET is aborted with ObexTooLargeError. */
  readonly maxBytes: number;
}

/** A GET in progress: its body as chunks, pulled one response packet at a time. */
export interface ObexGet extends AsyncIterable<Uint8Array> {
  /** The Length the phone announced, once its first response has come (undefined when it gave none). */
  readonly announcedLength: number | undefined;
}

const DEFAULT_MAX_PACKET = 16 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
/** Response packets in a row that carry no body byte: more and the phone is stalling us on purpose. */
const MAX_EMPTY_CONTINUES = 64;

export class ObexClient {
  private lock: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly reader: ObexPacketReader,
    private readonly link: Duplex,
    private readonly timeoutMs: number,
    /** What the phone accepts per packet (its CONNECT response). */
    readonly peerMaxPacketLength: number,
    /** The Connection ID the phone gave, sent first in every request. */
    readonly connectionId: number | undefined,
    /** The Who header of the CONNECT response (the target the phone agreed to). */
    readonly who: Uint8Array | undefined,
  ) {}

  /**
   * Sends CONNECT (with `target` when given) and waits for the phone's answer. The link must
   * already speak OBEX; it stays the caller's (disconnect() leaves it open).
   */
  static async connect(link: Duplex, target: Uint8Array | undefined, options: ObexClientOptions = {}): Promise<ObexClient> {
    const maxPacketLength = options.maxPacketLength ?? DEFAULT_MAX_PACKET;
    const timeoutMs = options.responseTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const reader = new ObexPacketReader(link, maxPacketLength);
    try {
      const response = await exchange(reader, link, timeoutMs, { op: 'connect', maxPacketLength, headers: target ? [header.target(target)] : [] }, 'CONNECT', true);
      if (response.code !== Response.Success) throw new ObexResponseError('CONNECT', response.code);
      const peerMax = response.connect!.maxPacketLength;
      if (peerMax < MIN_MAX_PACKET_LENGTH) throw new ObexProtocolError(`the phone states a maximum packet length of ${peerMax}, below OBEX's minimum of ${MIN_MAX_PACKET_LENGTH}`);
      const id = response.headers.find((h) => h.id === HeaderId.ConnectionId);
      const who = response.headers.find((h) => h.id === HeaderId.Who);
      return new ObexClient(reader, link, timeoutMs, Math.min(peerMax, MAX_MAX_PACKET_LENGTH), id?.kind === 'int' ? id.value : undefined, who?.kind === 'bytes' ? Uint8Array.from(who.value) : undefined);
    } catch (error) {
      reader.detach();
      throw error;
    }
  }

  /** Why the client cannot be used any more (the phone broke the protocol, went silent or away). */
  get deadReason(): Error | undefined {
    return this.reader.dead;
  }

  /** SETPATH into `name` (a single folder name, no "/"), never creating it. */
  async setPathDown(name: string): Promise<void> {
    checkFolderName(name);
    await this.simple({ op: 'setpath', direction: 'down', headers: [...this.idHeader(), header.name(name)] }, `SETPATH into "${name}"`);
  }

  /** SETPATH one level up. */
  async setPathUp(): Promise<void> {
    await this.simple({ op: 'setpath', direction: 'up', headers: this.idHeader() }, 'SETPATH up');
  }

  /** SETPATH to the root folder (an empty Name). */
  async setPathRoot(): Promise<void> {
    await this.simple({ op: 'setpath', direction: 'root', headers: [...this.idHeader(), header.name('')] }, 'SETPATH to the root');
  }

  /** The current folder's x-obex/folder-listing (or that of the child `name`), whole, at most `maxBytes`. */
  listFolder(maxBytes: number, name?: string): Promise<Uint8Array> {
    return this.getAll({ type: FOLDER_LISTING_TYPE, ...(name !== undefined ? { name } : {}) }, { maxBytes });
  }

  /** A whole object in memory (contacts, calendar, listings: small by nature), at most `options.maxBytes`. */
  async getAll(request: GetRequest, options: GetOptions): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of this.get(request, options)) {
      parts.push(Uint8Array.from(chunk));
      total += chunk.length;
    }
    return Buffer.concat(parts, total);
  }

  /**
   * GET as a stream: each step of the iteration asks the phone for one more packet, so a slow
   * consumer holds the phone back. Leaving the loop early aborts the GET.
   */
  get(request: GetRequest, options: GetOptions): ObexGet {
    const client = this;
    const state = { announcedLength: undefined as number | undefined };
    const what = `GET ${describe(request)}`;
    async function* run(): AsyncGenerator<Uint8Array> {
      const release = await client.acquire();
      let finished = false;
      try {
        const headers: ObexHeader[] = [...client.idHeader()];
        if (request.type !== undefined) headers.push(header.type(request.type));
        if (request.name !== undefined) headers.push(header.name(request.name));
        let outgoing: ObexRequest = { op: 'get', final: true, headers };
        let received = 0;
        let emptyInARow = 0;
        for (;;) {
          const response = await client.request(outgoing, what);
          if (response.code !== Response.Continue && response.code !== Response.Success) {
            finished = true; // an error response ends the operation on the phone's side too
            throw new ObexResponseError('GET', response.code, describe(request));
          }
          client.checkConnectionId(response, what);
          const length = response.headers.find((h) => h.id === HeaderId.Length);
          if (length?.kind === 'int' && state.announcedLength === undefined) {
            state.announcedLength = length.value;
            if (length.value > options.maxBytes) throw new ObexTooLargeError(`${describe(request)} is ${length.value} bytes; Lifeboat reads at most ${options.maxBytes} bytes of it`);
          }
          let bodyBytes = 0;
          for (const h of response.headers) {
            if ((h.id !== HeaderId.Body && h.id !== HeaderId.EndOfBody) || h.kind !== 'bytes' || h.value.length === 0) continue;
            received += h.value.length;
            bodyBytes += h.value.length;
            if (received > options.maxBytes) throw new ObexTooLargeError(`${describe(request)} grew past ${options.maxBytes} bytes, the most Lifeboat reads of it`);
            if (state.announcedLength !== undefined && received > state.announcedLength) {
              throw new ObexObjectError(`${describe(request)} came longer than the ${state.announcedLength} bytes the phone announced`);
            }
            yield h.value;
          }
          if (response.code === Response.Success) {
            finished = true;
            if (state.announcedLength !== undefined && received !== state.announcedLength) {
              throw new ObexObjectError(`${describe(request)} ended after ${received} of the ${state.announcedLength} bytes the phone announced`);
            }
            return;
          }
          emptyInARow = bodyBytes === 0 ? emptyInARow + 1 : 0;
          if (emptyInARow > MAX_EMPTY_CONTINUES) {
            throw new ObexProtocolError(`the phone answered ${what} with ${emptyInARow} packets in a row without any of the object`);
          }
          outgoing = { op: 'get', final: true, headers: [] };
        }
      } catch (error) {
        if (isConnectionFatal(error)) client.reader.fail(error as Error);
        throw error;
      } finally {
        try {
          if (!finished && !client.reader.dead) await client.abortHeld();
        } finally {
          release();
        }
      }
    }
    const iterable = run();
    return {
      get announcedLength() {
        return state.announcedLength;
      },
      [Symbol.asyncIterator]: () => iterable,
    };
  }

  /** ABORT whatever runs (nothing, between operations: the phone answers it all the same). */
  async abort(): Promise<void> {
    const release = await this.acquire();
    try {
      await this.abortHeld();
    } finally {
      release();
    }
  }

  /**
   * DISCONNECT and stop reading the link. The link stays open (it is the caller's: after OBEX
   * some phones go back to AT commands). A dead client only stops reading.
   */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    if (this.reader.dead) {
      this.closed = true;
      this.reader.detach();
      return;
    }
    const release = await this.acquire();
    try {
      if (!this.reader.dead) {
        const response = await this.request({ op: 'disconnect', headers: this.idHeader() }, 'DISCONNECT');
        if (response.code !== Response.Success) throw new ObexResponseError('DISCONNECT', response.code);
      }
    } finally {
      this.closed = true;
      this.reader.detach();
      release();
    }
  }

  private async abortHeld(): Promise<void> {
    const response = await this.request({ op: 'abort', headers: this.idHeader() }, 'ABORT');
    // Any answer means the phone is in step again; a refusal changes nothing we can act on.
    void response;
  }

  private async simple(request: ObexRequest, what: string): Promise<ObexPacket> {
    const release = await this.acquire();
    try {
      const response = await this.request(request, what);
      if (response.code !== Response.Success) throw new ObexResponseError(what, response.code);
      this.checkConnectionId(response, what);
      return response;
    } finally {
      release();
    }
  }

  private async request(request: ObexRequest, what: string): Promise<ObexPacket> {
    if (this.closed) throw new Error('the OBEX connection is closed');
    try {
      return await exchange(this.reader, this.link, this.timeoutMs, request, what, false, this.peerMaxPacketLength);
    } catch (error) {
      if (isConnectionFatal(error)) this.reader.fail(error as Error);
      throw error;
    }
  }

  private checkConnectionId(response: ObexPacket, what: string): void {
    const id = response.headers.find((h) => h.id === HeaderId.ConnectionId);
    if (id && (id.kind !== 'int' || id.value !== this.connectionId)) {
      const error = new ObexProtocolError(`the phone answered ${what} for connection ${id.kind === 'int' ? id.value : '?'}, not ours (${this.connectionId ?? 'none'})`);
      this.reader.fail(error);
      throw error;
    }
  }

  private idHeader(): ObexHeader[] {
    return this.connectionId === undefined ? [] : [header.connectionId(this.connectionId)];
  }

  private async acquire(): Promise<() => void> {
    const previous = this.lock;
    let release!: () => void;
    this.lock = new Promise<void>((resolve) => (release = resolve));
    await previous;
    if (this.reader.dead) {
      release();
      throw this.reader.dead;
    }
    return release;
  }
}

async function exchange(reader: ObexPacketReader, link: Duplex, timeoutMs: number, request: ObexRequest, what: string, toConnect: boolean, peerMax = MIN_MAX_PACKET_LENGTH): Promise<ObexPacket> {
  const bytes = encodeRequest(request);
  if (!toConnect && bytes.length > peerMax) throw new RangeError(`${what} needs a ${bytes.length}-byte packet; the phone accepts ${peerMax}`);
  assertAllowedRequestBytes(bytes);
  reader.expectResponse();
  const answer = reader.next(timeoutMs, what);
  link.write(bytes);
  const packet = await answer;
  try {
    return decodeResponse(packet, toConnect);
  } catch (error) {
    if (error instanceof ObexProtocolError) throw new ObexProtocolError(`${error.message} (answering ${what})`);
    throw error;
  }
}

function describe(request: GetRequest): string {
  if (request.name !== undefined && request.name !== '') return `"${request.name}"`;
  return request.type === FOLDER_LISTING_TYPE ? 'the folder listing' : `an object of type ${request.type ?? 'none'}`;
}

/** A folder name for SETPATH: one level, no separators, nothing that could climb out. */
export function checkFolderName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\u0000-\u001f\u007f]/.test(name) || name.length > 255) {
    throw new RangeError(`"${name.replace(/[\u0000-\u001f\u007f]/g, '?')}" is not a folder name Lifeboat will SETPATH into`);
  }
}

