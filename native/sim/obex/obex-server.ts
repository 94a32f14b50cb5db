/**
 * An OBEX server (IrOBEX 1.2) serving a folder as a feature phone does: the IrMC sync service
 * (target "IRMC-SYNC": GET telecom/pb.vcf, telecom/cal.vcs, telecom/devinfo.txt by path), the
 * Folder Browsing service (target F9EC7BC4-953C-11D2-984E-525400DC9E09: SETPATH, GET of
 * x-obex/folder-listing and of files) and the default inbox (no target: GET by path).
 *
 * As the specification asks: CONNECT states version 1.0 and this side's maximum packet length and
 * answers with Who and a Connection ID; responses never exceed the client's maximum packet length;
 * a request with an unknown Connection ID gets Service Unavailable; GET answers Continue with Body
 * headers, one packet per client request, and Success with End-of-Body; ABORT and DISCONNECT get
 * Success. The simulated phone is read-only: PUT is Forbidden, SETPATH never creates a folder.
 *
 * Transport-agnostic: feed the client's bytes to `receive`, it answers through `send`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { FINAL_BIT, FOLDER_LISTING_TYPE, HeaderId, MIN_MAX_PACKET_LENGTH, Opcode, Response, SetPathFlag, TARGET_FOLDER_BROWSING, TARGET_IRMC_SYNC } from '../../protocols/obex/obex-codes.ts';
import { encodedHeaderLength, header, typeText, type ObexHeader } from '../../protocols/obex/obex-headers.ts';
import { nameProblem } from '../../protocols/obex/obex-folder-listing.ts';
import { declaredLength, decodeRequest, encodeResponse, type ObexPacket } from '../../protocols/obex/obex-packet.ts';
import { ENTITY_BOMB_DOCTYPE, EVIL_LISTING_ENTRIES, type ObexHostility } from './obex-hostile.ts';

export interface ObexServerOptions {
  /** The phone's objects: telecom/pb.vcf, telecom/cal.vcs, telecom/devinfo.txt, and folders of pictures. */
  readonly rootDir: string;
  /** Writes one chunk of bytes to the client. */
  readonly send: (bytes: Uint8Array) => void;
  /** The largest packet this side accepts, stated at CONNECT. Default 0x2000 (8 KiB, common on phones). */
  readonly maxPacketLength?: number;
  /**
   * Responses no longer than this even when the client accepts more (OBEX lets a side send less
   * than the peer's maximum). obexftp 0.24 with OpenOBEX 1.7.2 on a serial line needs 500 or less:
   * its cable transport reads 500 bytes at a time, and a packet that needs a second read makes
   * OBEX_HandleInput return 0, which obexftp takes for a failure.
   */
  readonly maxResponsePacketLength?: number;
  /** Top-level folders the Folder Browsing service does not show (IrMC objects live there). Default ["telecom"]. */
  readonly hiddenFromBrowsing?: readonly string[];
  readonly hostility?: ObexHostility;
  /** Called after a DISCONNECT was answered (a serial phone may go back to AT commands then). */
  readonly onDisconnect?: () => void;
  readonly log?: (message: string) => void;
}

export interface ObexServer {
  receive(bytes: Uint8Array): void;
  /** Stops answering and closes any open file. */
  close(): void;
  /** Requests handled so far, by opcode name (for tests: "never sent a PUT"). */
  readonly requestLog: readonly string[];
}

type Service = 'irmc' | 'browsing' | 'inbox';

interface Connection {
  service: Service;
  /** Folder Browsing's current folder, as names below the root. */
  cwd: string[];
}

interface Transfer {
  connectionId: number | undefined;
  /** The response code still to come for the packet after this one. */
  next: () => Promise<Uint8Array>;
  cleanup: () => Promise<void>;
}

export function createObexServer(options: ObexServerOptions): ObexServer {
  const ownMax = options.maxPacketLength ?? 0x2000;
  const hidden = new Set(options.hiddenFromBrowsing ?? ['telecom']);
  const log = options.log ?? (() => {});
  const hostility = options.hostility;
  const connections = new Map<number, Connection>();
  const inbox: Connection = { service: 'inbox', cwd: [] };
  const requestLog: string[] = [];
  let nextConnectionId = 1;
  /** What the client accepts per packet; 255 until it says otherwise at CONNECT (IrOBEX 3.3.1.4). */
  let clientMax = MIN_MAX_PACKET_LENGTH;
  let buffer = Buffer.alloc(0);
  let queue: Promise<void> = Promise.resolve();
  let transfer: Transfer | undefined;
  /** GET request headers gathered from non-final GET packets. */
  let pendingGet: ObexHeader[] | undefined;
  let closed = false;
  let silent = false;

  const send = (bytes: Uint8Array) => {
    if (closed || silent) return;
    options.send(bytes);
  };

  const respond = (code: number, headers: ObexHeader[] = []) => send(encodeResponse(code, headers));

  function receive(bytes: Uint8Array): void {
    if (closed) return;
    buffer = buffer.length === 0 ? Buffer.from(bytes) : Buffer.concat([buffer, bytes]);
    for (;;) {
      const length = declaredLength(buffer);
      if (length === undefined || buffer.length < length) return;
      if (length < 3) {
        log(`a packet declares ${length} bytes: dropping what was received`);
        buffer = Buffer.alloc(0);
        return;
      }
      const packet = buffer.subarray(0, length);
      buffer = Buffer.from(buffer.subarray(length));
      queue = queue.then(() => handle(packet)).catch((error: Error) => {
        log(`internal error: ${error.stack ?? error.message}`);
        respond(Response.InternalServerError);
      });
    }
  }

  async function handle(packet: Uint8Array): Promise<void> {
    if (closed) return;
    if (packet.length > ownMax) {
      requestLog.push('oversized');
      return respond(Response.RequestedEntityTooLarge);
    }
    let request: ObexPacket;
    try {
      request = decodeRequest(packet);
    } catch (error) {
      requestLog.push('malformed');
      log(`malformed request: ${(error as Error).message}`);
      return respond(Response.BadRequest);
    }
    const op = request.code;
    requestLog.push(opName(op));
    if (op === Opcode.Connect) return connect(request);
    if (op === Opcode.Abort) {
      await endTransfer();
      pendingGet = undefined;
      return respond(Response.Success);
    }
    const id = request.headers.find((h) => h.id === HeaderId.ConnectionId);
    const connection = id?.kind === 'int' ? connections.get(id.value) : inbox;
    if (!connection) return respond(Response.ServiceUnavailable);
    const connectionId = id?.kind === 'int' ? id.value : undefined;
    switch (op) {
      case Opcode.Disconnect:
        await endTransfer();
        if (connectionId !== undefined) connections.delete(connectionId);
        respond(Response.Success);
        options.onDisconnect?.();
        return;
      case Opcode.SetPath:
        await endTransfer();
        return setPath(connection, request);
      case Opcode.Get:
      case Opcode.GetFinal:
        return get(connection, connectionId, request);
      case Opcode.Put:
      case Opcode.PutFinal:
        await endTransfer();
        return respond(Response.Forbidden);
      default:
        return respond(Response.NotImplemented);
    }
  }

  function connect(request: ObexPacket): void {
    const fields = request.connect!;
    if (fields.maxPacketLength < MIN_MAX_PACKET_LENGTH) return respond(Response.BadRequest);
    clientMax = Math.min(fields.maxPacketLength, options.maxResponsePacketLength ?? fields.maxPacketLength);
    const target = request.headers.find((h) => h.id === HeaderId.Target);
    let service: Service;
    if (!target) service = 'inbox';
    else if (target.kind === 'bytes' && sameBytes(target.value, TARGET_IRMC_SYNC)) service = 'irmc';
    else if (target.kind === 'bytes' && sameBytes(target.value, TARGET_FOLDER_BROWSING)) service = 'browsing';
    else return send(encodeResponse(Response.NotFound, [], { maxPacketLength: ownMax }));
    const id = nextConnectionId++;
    connections.set(id, { service, cwd: [] });
    const headers: ObexHeader[] = [header.connectionId(id)];
    if (target?.kind === 'bytes') headers.unshift(header.who(Uint8Array.from(target.value)));
    send(encodeResponse(Response.Success, headers, { maxPacketLength: ownMax }));
    if (hostility === 'never-answers') silent = true;
  }

  function setPath(connection: Connection, request: ObexPacket): void {
    const flags = request.setPath!.flags;
    const name = request.headers.find((h) => h.id === HeaderId.Name);
    // IrMC and the inbox have no folders, but "go to the root" is harmless there (obexftp sends it before an IrMC GET).
    const toRoot = (flags & SetPathFlag.BackUp) === 0 && (!name || (name.kind === 'unicode' && name.value === ''));
    if (connection.service !== 'browsing') return respond(toRoot ? Response.Success : Response.Forbidden);
    if (flags & SetPathFlag.BackUp) {
      if (connection.cwd.length === 0) return respond(Response.NotFound);
      connection.cwd.pop();
      if (name?.kind === 'unicode' && name.value !== '') return enter(connection, name.value, flags);
      return respond(Response.Success);
    }
    if (!name || (name.kind === 'unicode' && name.value === '')) {
      connection.cwd = [];
      return respond(Response.Success);
    }
    if (name.kind !== 'unicode') return respond(Response.BadRequest);
    return enter(connection, name.value, flags);
  }

  function enter(connection: Connection, name: string, flags: number): void {
    const target = [...connection.cwd, name];
    const found = resolve(target, 'browsing');
    if (found?.isDirectory()) {
      connection.cwd = target;
      return respond(Response.Success);
    }
    // Read-only phone: a SETPATH that may create answers Forbidden instead of creating.
    return respond(flags & SetPathFlag.DontCreate ? Response.NotFound : Response.Forbidden);
  }

  /** The file or folder at `segments` below the root, or undefined (no symlinks, no hidden parts, safe names only). */
  function resolve(segments: string[], service: Service): fs.Stats | undefined {
    if (segments.some((s) => nameProblem(s) !== undefined)) return undefined;
    if (service === 'browsing' && segments.length > 0 && hidden.has(segments[0]!)) return undefined;
    let at = options.rootDir;
    let stat: fs.Stats | undefined;
    for (const s of segments) {
      at = path.join(at, s);
      try {
        stat = fs.lstatSync(at);
      } catch {
        return undefined;
      }
      if (stat.isSymbolicLink()) return undefined;
    }
    return stat ?? fs.lstatSync(options.rootDir);
  }

  function pathOf(segments: string[]): string {
    return path.join(options.rootDir, ...segments);
  }

  async function get(connection: Connection, connectionId: number | undefined, request: ObexPacket): Promise<void> {
    if (transfer) {
      // The client asks for the next packet of the object being sent.
      const bytes = await transfer.next();
      return send(bytes);
    }
    pendingGet = [...(pendingGet ?? []), ...request.headers];
    if ((request.code & FINAL_BIT) === 0) return respond(Response.Continue);
    const headers = pendingGet;
    pendingGet = undefined;
    const name = headers.find((h) => h.id === HeaderId.Name);
    const nameText = name?.kind === 'unicode' ? name.value : undefined;
    const type = typeText(headers.find((h) => h.id === HeaderId.Type));
    if (type === FOLDER_LISTING_TYPE) {
      if (connection.service !== 'browsing') return respond(Response.Forbidden);
      const folder = nameText ? [...connection.cwd, nameText] : connection.cwd;
      if (!resolve(folder, 'browsing')?.isDirectory()) return respond(Response.NotFound);
      const listing = Buffer.from(folderListing(folder), 'utf8');
      return startTransfer(connectionId, memorySource(listing), listing.length, false);
    }
    if (type !== undefined && type !== '' && !/^(text\/|x-obex\/|image\/|application\/octet)/.test(type)) return respond(Response.UnsupportedMediaType);
    if (!nameText) return respond(Response.NotFound);
    const segments = connection.service === 'browsing' ? [...connection.cwd, nameText] : nameText.replace(/^\/+/, '').split('/');
    const stat = resolve(segments, connection.service);
    if (!stat?.isFile()) return respond(Response.NotFound);
    const handle = await fs.promises.open(pathOf(segments), 'r');
    // Hostile modes strike pictures (Folder Browsing), so IrMC reads show the link is still in step.
    return startTransfer(connectionId, fileSource(handle, stat.size), stat.size, connection.service === 'browsing');
  }

  interface BodySource {
    read(max: number): Promise<Uint8Array>;
    close(): Promise<void>;
  }

  function memorySource(bytes: Buffer): BodySource {
    let at = 0;
    return {
      async read(max) {
        const part = bytes.subarray(at, at + max);
        at += part.length;
        return part;
      },
      async close() {},
    };
  }

  function fileSource(handle: fs.promises.FileHandle, size: number): BodySource {
    let at = 0;
    return {
      async read(max) {
        const want = Math.min(max, size - at);
        if (want <= 0) return new Uint8Array(0);
        const chunk = Buffer.alloc(want);
        const { bytesRead } = await handle.read(chunk, 0, want, at);
        at += bytesRead;
        return chunk.subarray(0, bytesRead);
      },
      close: () => handle.close(),
    };
  }

  async function startTransfer(connectionId: number | undefined, source: BodySource, size: number, struck: boolean): Promise<void> {
    const strike = struck ? hostility : undefined;
    let sent = 0;
    let first = true;
    const extra = (): ObexHeader[] => (strike === 'wrong-connection-id' && connectionId !== undefined ? [header.connectionId(connectionId + 1)] : []);
    const nextPacket = async (): Promise<Uint8Array> => {
      const headers: ObexHeader[] = [...extra()];
      if (first) {
        headers.push(header.length(strike === 'lying-length' ? Math.floor(size / 2) : size));
      }
      const room = clientMax - 3 - headers.reduce((n, h) => n + encodedHeaderLength(h), 0) - 3;
      if (strike === 'endless-body') {
        first = false;
        const junk = new Uint8Array(room).fill(0x5a);
        return encodeResponse(Response.Continue, [...extra(), header.body(junk)]);
      }
      const chunk = await source.read(room);
      sent += chunk.length;
      first = false;
      if (sent >= size) {
        await endTransfer();
        return encodeResponse(Response.Success, [...headers, header.endOfBody(chunk)]);
      }
      return encodeResponse(Response.Continue, [...headers, header.body(chunk)]);
    };
    transfer = { connectionId, next: nextPacket, cleanup: () => source.close() };
    const bytes = await nextPacket();
    if (strike === 'truncated-packet') {
      send(bytes.subarray(0, Math.ceil(bytes.length / 2)));
      silent = true;
      return;
    }
    if (strike === 'oversized-packet') {
      const big = new Uint8Array(0xffff);
      big.set(bytes.subarray(0, Math.min(bytes.length, big.length)));
      big[1] = 0xff;
      big[2] = 0xff;
      return send(big);
    }
    if (strike === 'malformed-header') {
      const broken = Uint8Array.from(bytes);
      // The first header after the prefix is Length (5 bytes); the Body header follows: claim 0xFFFF bytes.
      const bodyAt = 3 + 5 + (extra().length ? 5 : 0);
      broken[bodyAt + 1] = 0xff;
      broken[bodyAt + 2] = 0xff;
      return send(broken);
    }
    if (strike === 'unsolicited-bytes') {
      send(bytes);
      return send(encodeResponse(Response.Continue, []));
    }
    send(bytes);
  }

  async function endTransfer(): Promise<void> {
    const t = transfer;
    transfer = undefined;
    if (t) await t.cleanup();
  }

  function folderListing(folder: string[]): string {
    const dir = pathOf(folder);
    const lines = ['<?xml version="1.0"?>', hostility === 'evil-names' ? ENTITY_BOMB_DOCTYPE : '<!DOCTYPE folder-listing SYSTEM "obex-folder-listing.dtd">', '<folder-listing version="1.0">'];
    if (folder.length > 0) lines.push('  <parent-folder/>');
    const names = fs.readdirSync(dir).sort();
    for (const name of names) {
      if (folder.length === 0 && hidden.has(name)) continue;
      if (nameProblem(name)) continue;
      const stat = fs.lstatSync(path.join(dir, name));
      const modified = obexTime(stat.mtimeMs);
      if (stat.isDirectory()) lines.push(`  <folder name="${xmlEscape(name)}" modified="${modified}" user-perm="R"/>`);
      else if (stat.isFile()) lines.push(`  <file name="${xmlEscape(name)}" size="${stat.size}" modified="${modified}" user-perm="R"/>`);
    }
    if (hostility === 'evil-names') lines.push(...EVIL_LISTING_ENTRIES.map((e) => `  ${e}`));
    lines.push('</folder-listing>', '');
    return lines.join('\r\n');
  }

  return {
    receive,
    requestLog,
    close() {
      closed = true;
      void endTransfer();
    },
  };
}

/** Serves OBEX on a duplex until it ends. */
export function attachObexServer(duplex: Duplex, options: Omit<ObexServerOptions, 'send'>): ObexServer {
  const server = createObexServer({ ...options, send: (bytes) => duplex.write(bytes) });
  duplex.on('data', (chunk: Buffer) => server.receive(chunk));
  duplex.on('close', () => server.close());
  duplex.on('error', () => server.close());
  return server;
}

function opName(code: number): string {
  switch (code) {
    case Opcode.Connect: return 'CONNECT';
    case Opcode.Disconnect: return 'DISCONNECT';
    case Opcode.Get: case Opcode.GetFinal: return 'GET';
    case Opcode.Put: case Opcode.PutFinal: return 'PUT';
    case Opcode.SetPath: return 'SETPATH';
    case Opcode.Abort: return 'ABORT';
    default: return `0x${code.toString(16)}`;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** UTC, as the folder-listing DTD asks ("YYYYMMDDTHHMMSSZ"). */
function obexTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
