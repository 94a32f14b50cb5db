import type net from 'node:net';
import tls from 'node:tls';
import { ByteReader } from '../usbmux/byte-reader.ts';
import { optionalData, optionalInteger, optionalString, type PlistDict, type PlistValue } from '../usbmux/plist-xml.ts';
import type { UsbmuxClient } from '../usbmux/usbmux-client.ts';
import { LockdownProtocolError, readLockdownMessage, writeLockdownMessage } from './lockdown-framing.ts';
import { pairRecordForPhone, type PairRecord } from './pair-record.ts';

export const LOCKDOWN_PORT = 62078;

/**
 * What Lifeboat ever asks lockdownd. No SetValue, RemoveValue, Unpair, Activate, EnterRecovery
 * or other request that changes the phone: Pair is the one that leaves a trace, and only after
 * the owner taps "Trust" (that is its purpose).
 */
export const LOCKDOWN_REQUEST_ALLOWLIST = ['QueryType', 'GetValue', 'Pair', 'ValidatePair', 'StartSession', 'StopSession', 'StartService'] as const;
export type LockdownRequest = (typeof LOCKDOWN_REQUEST_ALLOWLIST)[number];

/** The only service Lifeboat starts: AFC, the read side of the Media partition (DCIM). */
export const LOCKDOWN_SERVICE_ALLOWLIST = ['com.apple.afc'] as const;
export type LockdownService = (typeof LOCKDOWN_SERVICE_ALLOWLIST)[number];

/** lockdownd said no; `code` is its Error string (PairingDialogResponsePending, UserDeniedPairing, PasswordProtected, InvalidHostID ...). */
export class LockdownError extends Error {
  override readonly name = 'LockdownError';
  constructor(
    readonly request: string,
    readonly code: string,
  ) {
    super(`lockdown refused ${request}: ${code}`);
  }
}

export interface StartedService {
  port: number;
  ssl: boolean;
}

const REPLY_TIMEOUT_MS = 30_000;

/**
 * One connection to lockdownd (port 62078 through usbmuxd). After StartSession with a pair
 * record it carries on inside TLS, as the phone asks.
 */
export class LockdownClient {
  #socket: net.Socket | tls.TLSSocket;
  #reader: ByteReader;
  #sessionId: string | undefined;
  readonly #label: string;

  private constructor(socket: net.Socket, label: string) {
    this.#socket = socket;
    this.#reader = new ByteReader(socket);
    this.#label = label;
  }

  static async connect(usbmux: UsbmuxClient, deviceId: number, label = 'lifeboat'): Promise<LockdownClient> {
    return new LockdownClient(await usbmux.connect(deviceId, LOCKDOWN_PORT), label);
  }

  /** Over a socket already connected to lockdownd (tests, other transports). */
  static over(socket: net.Socket, label = 'lifeboat'): LockdownClient {
    return new LockdownClient(socket, label);
  }

  get inSession(): boolean {
    return this.#sessionId !== undefined;
  }

  async queryType(): Promise<string> {
    const reply = await this.#request('QueryType', {});
    const type = optionalString(reply, 'Type');
    if (!type) throw new LockdownProtocolError('QueryType was answered without a Type');
    return type;
  }

  /** A value, a whole domain (key undefined), or everything the phone tells (both undefined). */
  async getValue(domain?: string, key?: string): Promise<PlistValue | undefined> {
    const fields: PlistDict = {};
    if (domain !== undefined) fields.Domain = domain;
    if (key !== undefined) fields.Key = key;
    const reply = await this.#request('GetValue', fields);
    return reply.Value;
  }

  /** Asks the phone to trust this computer; its reply to the owner's tap comes back as success or a LockdownError. */
  async pair(record: PairRecord): Promise<{ escrowBag?: Buffer }> {
    const reply = await this.#request('Pair', {
      PairRecord: pairRecordForPhone(record),
      ProtocolVersion: '2',
      PairingOptions: { ExtendedPairingErrors: true },
    });
    const escrowBag = optionalData(reply, 'EscrowBag');
    return escrowBag ? { escrowBag } : {};
  }

  async validatePair(record: PairRecord): Promise<void> {
    await this.#request('ValidatePair', { PairRecord: pairRecordForPhone(record), ProtocolVersion: '2' });
  }

  /** Opens a session as the paired host; switches to TLS with the record's host certificate when the phone asks. */
  async startSession(record: PairRecord): Promise<void> {
    const reply = await this.#request('StartSession', { HostID: record.hostId, SystemBUID: record.systemBuid });
    const sessionId = optionalString(reply, 'SessionID');
    if (!sessionId) throw new LockdownProtocolError('StartSession was answered without a SessionID');
    this.#sessionId = sessionId;
    if (reply.EnableSessionSSL === true) await this.#startTls(record);
  }

  async startService(service: LockdownService): Promise<StartedService> {
    if (!LOCKDOWN_SERVICE_ALLOWLIST.includes(service)) throw new Error(`lockdown service ${String(service)} is not on the allowlist`);
    const reply = await this.#request('StartService', { Service: service });
    const port = optionalInteger(reply, 'Port');
    if (port === undefined || port < 1 || port > 65535) throw new LockdownProtocolError('StartService was answered without a port');
    return { port, ssl: reply.EnableServiceSSL === true };
  }

  close(): void {
    this.#reader.detach();
    this.#socket.destroy();
  }

  async #startTls(record: PairRecord): Promise<void> {
    const leftover = this.#reader.detach();
    if (leftover.length > 0) throw new LockdownProtocolError('the phone sent bytes before the TLS handshake');
    const secure = await startClientTls(this.#socket as net.Socket, record);
    this.#socket = secure;
    this.#reader = new ByteReader(secure);
  }

  async #request(request: LockdownRequest, fields: PlistDict): Promise<PlistDict> {
    if (!LOCKDOWN_REQUEST_ALLOWLIST.includes(request)) throw new Error(`lockdown request ${String(request)} is not on the allowlist`);
    await writeLockdownMessage(this.#socket, { Label: this.#label, Request: request, ...fields });
    const reply = await readLockdownMessage(this.#reader, REPLY_TIMEOUT_MS);
    const error = optionalString(reply, 'Error');
    if (error) throw new LockdownError(request, error);
    const echoed = optionalString(reply, 'Request');
    if (echoed !== undefined && echoed !== request) throw new LockdownProtocolError(`asked ${request}, lockdown answered ${echoed}`);
    if (reply.Result === 'Failure') throw new LockdownError(request, 'Failure');
    return reply;
  }
}

/**
 * TLS over an existing channel, as the host side of lockdown (and of a service with
 * EnableServiceSSL). The phone's certificate is the one the pairing made; like libimobiledevice
 * and pymobiledevice3 it is not checked against a CA (the phone's TLS stack and certificate
 * forms vary across iOS versions), and old phones need old protocol versions and ciphers.
 */
export function startClientTls(socket: net.Socket, record: PairRecord): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({
      socket,
      cert: record.hostCertificate,
      key: record.hostPrivateKey,
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    const timer = setTimeout(() => {
      secure.destroy();
      reject(new LockdownProtocolError('the TLS handshake with the phone did not finish in 30 s'));
    }, REPLY_TIMEOUT_MS);
    secure.once('secureConnect', () => {
      clearTimeout(timer);
      secure.removeAllListeners('error');
      secure.on('error', () => undefined); // the reader reports failures
      resolve(secure);
    });
    secure.once('error', (error) => {
      clearTimeout(timer);
      reject(new LockdownProtocolError(`the TLS handshake with the phone failed: ${error.message}`));
    });
  });
}
