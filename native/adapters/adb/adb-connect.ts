/// <reference types="w3c-web-usb" />
import type { UsbDevice } from '../../usb/usb-device.ts';
import { toWebUsbPair } from '../../usb/webusb-bridge.ts';
import {
  Adb, AdbDaemonTransport, AdbPublicKeyAuthenticator, AdbSignatureAuthenticator,
  type AdbAuthenticator, type AdbCredentialStore, type AdbDaemonConnection,
} from '@yume-chan/adb';
import { AdbDaemonWebUsbDevice, AdbDefaultInterfaceFilter, findUsbInterface } from '@yume-chan/adb-daemon-webusb';
import { BadInputError } from '../errors.ts';
import { credentialStore, defaultDataDir } from './credential-store.ts';
import {
  ADB_MAX_PAYLOAD, guardAdbPackets, rememberViolations, violationRecord, withTransferInLimit, type ViolationReport,
} from './packet-guard.ts';
import { openTcpAdbConnection } from './tcp-connection.ts';

/**
 * Reaching a phone's adbd and getting past "Allow USB debugging?": over TCP (a phone in
 * `adb tcpip` mode, or the simulator) or over a WebUSB-shaped USB device. The ADB protocol itself
 * is @yume-chan/adb's; this adds what a person needs to hear: that the phone is waiting for them,
 * and what to do when they refused or did not answer.
 */
export interface AdbConnectOptions {
  /** Where Lifeboat's ADB key lives; default: the app's data folder (credential-store.ts). */
  dataDir?: string;
  /** Instead of the key file (tests). */
  credentialStore?: AdbCredentialStore;
  /** Called once when the phone shows "Allow USB debugging?" for our key. */
  onWaitingForOwner?: () => void;
  /** How long the person has to answer that prompt. Default 2 minutes. */
  allowTimeoutMs?: number;
  /** How long adbd has to answer at all (before any prompt). Default 20 s. */
  handshakeTimeoutMs?: number;
  /**
   * Android 14's delayed ACK lets the phone send this many bytes before we acknowledge. Off by
   * default: media sniffing reads a file's first bytes and then closes the stream, and every
   * byte the phone sent ahead meanwhile is wasted; over USB, one packet in flight already keeps
   * the link busy (packets are up to 1 MiB).
   */
  initialDelayedAckBytes?: number;
}

export const WAITING_FOR_OWNER_MESSAGE =
  'The phone asks "Allow USB debugging?": unlock it and tap Allow (tick "Always allow from this computer" to skip this next time).';

/** "HOST:PORT" (IPv6 as "[::1]:5555"); the port defaults to 5555, adb tcpip's. */
export function parseAdbTcpAddress(address: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  const port = match?.[2] === undefined ? 5555 : Number(match[2]);
  if (!match || !match[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BadInputError(`"${address}" is not a phone's address: write HOST:PORT, e.g. 192.168.1.20:5555`);
  }
  return { host: match[1], port };
}

export async function connectAdbTcp(address: string, options: AdbConnectOptions = {}): Promise<Adb> {
  const { host, port } = parseAdbTcpAddress(address);
  const record = violationRecord();
  const { connection, socket } = await openTcpAdbConnection(host, port, { report: record.report });
  try {
    const adb = await authenticateAdb(connection, `${host}:${port}`, options);
    rememberViolations(adb, record);
    return adb;
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

/** A phone on Lifeboat's USB layer (a real device or a simulator's virtual one). */
export async function connectAdbUsbDevice(device: UsbDevice, options: AdbConnectOptions = {}): Promise<Adb> {
  const record = violationRecord();
  const pair = toWebUsbPair(withTransferInLimit(device, ADB_MAX_PAYLOAD, record.report));
  const adb = await connectAdbUsb(pair.device, pair.usb, options, record.report);
  rememberViolations(adb, record);
  return adb;
}

/**
 * A phone on USB, given as a WebUSB `USBDevice` and the `USB` object it came from (which reports
 * disconnects). TODO(native/usb): the WebUSB bridge over the `usb` package and the virtual device
 * (native/usb/) hand us these; until it lands, callers pass any WebUSB implementation.
 */
export async function connectAdbUsb(
  device: USBDevice,
  usbManager: USB,
  options: AdbConnectOptions = {},
  report: ViolationReport = () => undefined,
): Promise<Adb> {
  const adbInterface = findUsbInterface(device, AdbDefaultInterfaceFilter);
  if (!adbInterface) {
    throw new BadInputError(
      `${device.productName ?? 'this USB device'} offers no ADB interface: on the phone, turn on Developer options → USB debugging, then plug it in again`,
    );
  }
  const adbDevice = new AdbDaemonWebUsbDevice(device, adbInterface, usbManager);
  let connection: AdbDaemonConnection;
  try {
    const raw = await adbDevice.connect();
    connection = { readable: guardAdbPackets(raw.readable, report), writable: raw.writable };
  } catch (error) {
    if (error instanceof AdbDaemonWebUsbDevice.DeviceBusyError) {
      throw new BadInputError(
        'another program holds the phone\'s ADB interface, most likely an adb server: run "adb kill-server" (or close Android Studio / scrcpy), then try again',
      );
    }
    throw error;
  }
  try {
    return await authenticateAdb(connection, adbDevice.serial, options);
  } catch (error) {
    await device.close().catch(() => undefined);
    throw error;
  }
}

/**
 * CNXN and AUTH on an open connection. The library signs adbd's token with each stored key; when
 * none is accepted it sends our public key, and the phone shows its prompt: that is the moment
 * we tell the person. The phone answers only once they tap Allow; a tap on Deny, or nothing,
 * leaves us waiting until the timeout, or the phone closes the connection.
 */
export async function authenticateAdb(connection: AdbDaemonConnection, serial: string, options: AdbConnectOptions = {}): Promise<Adb> {
  const store = options.credentialStore ?? credentialStore(options.dataDir ?? defaultDataDir());
  let waiting = false;
  let restartTimer: (ms: number) => void = () => undefined;
  let stopTimer: () => void = () => undefined;

  const announcingPublicKey: AdbAuthenticator = async function* (credentials, getNextRequest) {
    for await (const packet of AdbPublicKeyAuthenticator(credentials, getNextRequest)) {
      waiting = true;
      restartTimer(options.allowTimeoutMs ?? 120_000);
      options.onWaitingForOwner?.();
      yield packet;
    }
  };

  const timedOut = new Promise<never>((_, reject) => {
    let timer: NodeJS.Timeout | undefined;
    restartTimer = (ms) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => reject(new Error('timeout')), ms);
      timer.unref?.();
    };
    stopTimer = () => {
      if (timer) clearTimeout(timer);
      restartTimer = () => undefined;
    };
    restartTimer(options.handshakeTimeoutMs ?? 20_000);
  });
  timedOut.catch(() => undefined);

  let transport: AdbDaemonTransport;
  try {
    transport = await Promise.race([
      AdbDaemonTransport.authenticate({
        serial,
        connection,
        credentialStore: store,
        authenticators: [AdbSignatureAuthenticator, announcingPublicKey],
        initialDelayedAckBytes: options.initialDelayedAckBytes ?? 0,
      }),
      timedOut,
    ]);
  } catch (error) {
    await closeQuietly(connection);
    if (waiting) {
      const refused = !(error instanceof Error && error.message === 'timeout');
      throw new BadInputError(
        refused
          ? 'The phone refused USB debugging for this computer. Unplug it and plug it in again, unlock it, and tap Allow on "Allow USB debugging?".'
          : 'Nobody allowed USB debugging on the phone in time. Unlock it, tap Allow on "Allow USB debugging?" (tick "Always allow from this computer"), then run again.',
      );
    }
    if (error instanceof Error && error.message === 'timeout') {
      throw new BadInputError(
        'The phone does not answer ADB. Check that USB debugging is on (Settings → Developer options) and that the phone is unlocked, then run again.',
      );
    }
    throw error;
  } finally {
    stopTimer();
  }
  return new Adb(transport);
}

async function closeQuietly(connection: AdbDaemonConnection): Promise<void> {
  await connection.readable.cancel().catch(() => undefined);
  await connection.writable.close().catch(() => undefined);
}
