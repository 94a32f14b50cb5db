import crypto from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { ByteReader } from '../../protocols/usbmux/byte-reader.ts';
import { asDict, optionalData, optionalString, type PlistDict, type PlistValue } from '../../protocols/usbmux/plist-xml.ts';
import { readLockdownMessage, writeLockdownMessage } from '../../protocols/lockdown/lockdown-framing.ts';
import { batteryValues, publicValues, sessionValues, type IphoneProfile } from './iphone-profile.ts';

/**
 * How the simulated phone answers a request to trust a computer:
 *   trusted  the owner taps Trust at once (Pair succeeds the first time)
 *   ask      the Trust dialog shows (PairingDialogResponsePending) until the owner taps Trust
 *            after `trustDelayMs` (or `tapTrust()`); then Pair succeeds
 *   deny     the dialog shows, then the owner taps Don't Trust: UserDeniedPairing
 *   locked   the phone is locked with a passcode: PasswordProtected until `unlock()`
 */
export type TrustMode = 'trusted' | 'ask' | 'deny' | 'locked';
export const TRUST_MODES: readonly TrustMode[] = ['trusted', 'ask', 'deny', 'locked'];

/** A host the phone trusts, as it remembers it from Pair. */
interface PairedHost {
  hostCertificate: Buffer;
  rootCertificate: Buffer;
  deviceCertificate: Buffer;
}

export interface LockdownState {
  profile: IphoneProfile;
  trust: TrustMode;
  trustDelayMs: number;
  /** By HostID. */
  pairedHosts: Map<string, PairedHost>;
  dialog: 'none' | 'showing' | 'accepted' | 'refused';
  unlocked: boolean;
  /** Starts a service and gives the port a host then connects to through usbmuxd. */
  startService(name: string): number | undefined;
  log(line: string): void;
  /** A broken phone: the answer to QueryType is a frame that claims 4 GiB and never ends. */
  endlessPlist: boolean;
}

const SERVICES = new Set(['com.apple.afc']);

/**
 * lockdownd on port 62078 (libimobiledevice's src/lockdown.c is the other side): 32-bit
 * big-endian length + XML plist; QueryType, GetValue (with and without a session, and the
 * com.apple.mobile.battery domain), Pair with its Trust dialog, ValidatePair, Unpair,
 * StartSession (then TLS with the paired host's DeviceCertificate and the phone's key; the host
 * must present the HostCertificate or RootCertificate it paired with), StopSession,
 * StartService, Goodbye.
 */
export function serveLockdown(socket: net.Socket, state: LockdownState): void {
  let stream: net.Socket | tls.TLSSocket = socket;
  let reader = new ByteReader(socket);
  let session: { id: string; hostId: string } | undefined;
  socket.on('error', () => undefined);

  const reply = (request: string, fields: PlistDict) => writeLockdownMessage(stream, { Request: request, ...fields });
  const error = (request: string, code: string) => writeLockdownMessage(stream, { Request: request, Error: code });

  void (async () => {
    try {
      for (;;) {
        const message = await readLockdownMessage(reader, 24 * 60 * 60 * 1000);
        const request = optionalString(message, 'Request') ?? '';
        state.log(`lockdownd: ${request}${message.Key ? ` ${String(message.Key)}` : ''}${message.Domain ? ` (${String(message.Domain)})` : ''}`);
        switch (request) {
          case 'QueryType':
            if (state.endlessPlist) return await sendEndlessFrame(stream);
            await reply(request, { Type: 'com.apple.mobile.lockdown' });
            break;
          case 'GetValue': {
            const value = getValue(state, optionalString(message, 'Domain'), optionalString(message, 'Key'), session !== undefined);
            if (typeof value === 'string' && value.startsWith('!')) await error(request, value.slice(1));
            else {
              const fields: PlistDict = { Value: value as PlistValue };
              if (message.Domain !== undefined) fields.Domain = message.Domain;
              if (message.Key !== undefined) fields.Key = message.Key;
              await reply(request, fields);
            }
            break;
          }
          case 'Pair': {
            const outcome = pair(state, message);
            if (outcome.error) await error(request, outcome.error);
            else await reply(request, { EscrowBag: outcome.escrowBag! });
            break;
          }
          case 'ValidatePair': {
            const hostId = optionalString(pairRecordOf(message), 'HostID');
            if (hostId && state.pairedHosts.has(hostId)) await reply(request, {});
            else await error(request, 'InvalidHostID');
            break;
          }
          case 'Unpair': {
            const hostId = optionalString(pairRecordOf(message), 'HostID');
            if (hostId) state.pairedHosts.delete(hostId);
            await reply(request, {});
            break;
          }
          case 'StartSession': {
            const hostId = optionalString(message, 'HostID');
            const host = hostId ? state.pairedHosts.get(hostId) : undefined;
            if (!hostId) await error(request, 'MissingHostID');
            else if (!host) await error(request, 'InvalidHostID');
            else if (session) await error(request, 'SessionActive');
            else {
              session = { id: crypto.randomUUID().toUpperCase(), hostId };
              await reply(request, { SessionID: session.id, EnableSessionSSL: true });
              reader.detach();
              stream = await startServerTls(socket, state, host);
              reader = new ByteReader(stream);
              state.log('lockdownd: TLS session up');
            }
            break;
          }
          case 'StopSession':
            session = undefined;
            await reply(request, { Result: 'Success' });
            // The host now sends TLS close_notify and, in every tool seen, closes: so does the phone.
            break;
          case 'StartService': {
            const name = optionalString(message, 'Service') ?? '';
            if (!session) await error(request, 'SessionInactive');
            else if (!SERVICES.has(name)) await error(request, 'InvalidService');
            else {
              const port = state.startService(name);
              if (port === undefined) await error(request, 'ServiceLimit');
              else await reply(request, { Service: name, Port: port, EnableServiceSSL: false });
            }
            break;
          }
          case 'Goodbye':
            await reply(request, { Result: 'Success' });
            stream.end();
            return;
          default:
            await error(request || 'Unknown', 'InvalidRequest');
        }
      }
    } catch (err) {
      state.log(`lockdownd: connection ends (${(err as Error).message})`);
      stream.destroy();
      socket.destroy();
    }
  })();
}

function getValue(state: LockdownState, domain: string | undefined, key: string | undefined, inSession: boolean): PlistValue {
  const { profile } = state;
  if (domain === 'com.apple.mobile.battery') {
    if (!inSession) return '!GetProhibited';
    const battery = batteryValues(profile);
    return key === undefined ? battery : (battery[key] ?? '!MissingValue');
  }
  if (domain !== undefined) return key === undefined ? {} : '!MissingValue';
  const values = inSession ? sessionValues(profile) : publicValues(profile);
  if (key === undefined) return values;
  if (key in values) return values[key]!;
  return key in sessionValues(profile) ? '!GetProhibited' : '!MissingValue';
}

function pairRecordOf(message: PlistDict): PlistDict {
  try {
    return asDict(message.PairRecord, 'PairRecord');
  } catch {
    return {};
  }
}

function pair(state: LockdownState, message: PlistDict): { error?: string; escrowBag?: Buffer } {
  const record = pairRecordOf(message);
  const hostId = optionalString(record, 'HostID');
  const hostCertificate = optionalData(record, 'HostCertificate');
  const rootCertificate = optionalData(record, 'RootCertificate');
  const deviceCertificate = optionalData(record, 'DeviceCertificate');
  if (!hostId || !hostCertificate || !rootCertificate || !deviceCertificate) return { error: 'InvalidPairRecord' };
  try {
    // The device certificate must be for this phone's key, signed by the host's root.
    const device = new crypto.X509Certificate(deviceCertificate);
    const root = new crypto.X509Certificate(rootCertificate);
    if (!device.publicKey.equals(crypto.createPublicKey(state.profile.devicePublicKeyPem.toString()))) return { error: 'InvalidPairRecord' };
    if (!device.verify(root.publicKey)) return { error: 'InvalidPairRecord' };
  } catch {
    return { error: 'InvalidPairRecord' };
  }

  if (state.trust === 'locked' && !state.unlocked) return { error: 'PasswordProtected' };
  if (state.trust === 'ask' || state.trust === 'deny') {
    if (state.dialog === 'none') {
      state.dialog = 'showing';
      state.log(`phone: shows "Trust This Computer?" (the owner answers in ${state.trustDelayMs} ms)`);
      setTimeout(() => {
        if (state.dialog === 'showing') state.dialog = state.trust === 'deny' ? 'refused' : 'accepted';
        state.log(`phone: the owner tapped ${state.dialog === 'accepted' ? 'Trust' : "Don't Trust"}`);
      }, state.trustDelayMs).unref();
    }
    if (state.dialog === 'showing') return { error: 'PairingDialogResponsePending' };
    if (state.dialog === 'refused') {
      state.dialog = 'none'; // the next Pair shows the dialog again, as a phone does
      return { error: 'UserDeniedPairing' };
    }
  }
  state.pairedHosts.set(hostId, { hostCertificate, rootCertificate, deviceCertificate });
  state.dialog = 'none';
  state.log(`phone: trusts host ${hostId}`);
  return { escrowBag: crypto.randomBytes(32) };
}

/** TLS as the server, with the certificate this host made for the phone and the phone's own key. */
function startServerTls(socket: net.Socket, state: LockdownState, host: PairedHost): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      requestCert: true,
      rejectUnauthorized: false,
      secureContext: tls.createSecureContext({
        key: state.profile.deviceKey.export({ type: 'pkcs1', format: 'pem' }),
        cert: host.deviceCertificate,
        ciphers: 'DEFAULT:@SECLEVEL=0',
        minVersion: 'TLSv1',
      }),
    });
    secure.on('error', (err) => reject(err));
    secure.once('secure', () => {
      // The host must prove it is the one that paired: its certificate is the host's or the root's
      // (libimobiledevice built on OpenSSL presents the root, on GnuTLS the host certificate).
      const peer = secure.getPeerCertificate();
      const presented = peer?.raw;
      const known = [host.hostCertificate, host.rootCertificate].map((pem) => new crypto.X509Certificate(pem).raw);
      if (!presented || !known.some((der) => der.equals(presented))) {
        state.log('lockdownd: the host presented a certificate it did not pair with');
        secure.destroy();
        reject(new Error('unknown host certificate'));
        return;
      }
      resolve(secure);
    });
  });
}

/** The hostile answer: a frame claiming 4 GiB, then bytes for as long as the host reads them. */
async function sendEndlessFrame(stream: net.Socket | tls.TLSSocket): Promise<void> {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(0xffffffff, 0);
  stream.write(header);
  const filler = Buffer.from('<dict><key>Endless</key>'.repeat(2048));
  while (!stream.destroyed) {
    if (!stream.write(filler)) await new Promise((resolve) => stream.once('drain', resolve).once('close', resolve));
  }
}
