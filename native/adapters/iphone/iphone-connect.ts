import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { AfcClient } from '../../protocols/afc/afc-client.ts';
import { LockdownProtocolError } from '../../protocols/lockdown/lockdown-framing.ts';
import { LockdownClient, LockdownError, startClientTls } from '../../protocols/lockdown/lockdown-client.ts';
import { generatePairRecord, type PairRecord } from '../../protocols/lockdown/pair-record.ts';
import { ByteReaderEndedError, ByteReaderTimeoutError } from '../../protocols/usbmux/byte-reader.ts';
import { asDict, type PlistDict } from '../../protocols/usbmux/plist-xml.ts';
import { UsbmuxClient, UsbmuxRequestError, UsbmuxUnavailableError, type UsbmuxDevice } from '../../protocols/usbmux/usbmux-client.ts';
import { UsbmuxProtocolError } from '../../protocols/usbmux/usbmux-packet.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { PairRecordStore } from './pair-record-store.ts';

export const TRUST_MESSAGE = 'Unlock the iPhone and tap "Trust" on its screen ("Trust This Computer?"), then enter its passcode if it asks.';
export const UNLOCK_MESSAGE = 'The iPhone is locked: unlock it with its passcode, so that it can ask whether to trust this computer.';

const NOT_PAIRED_MESSAGE = 'the iPhone does not trust this computer yet: a rescue asks it to (tap "Trust" on the phone).';

export interface IphoneConnectOptions {
  udid: string;
  usbmux?: UsbmuxClient;
  dataDir?: string;
  /** Told what the owner must do on the phone (tap Trust, unlock); may be called more than once. */
  onWaitingForOwner?: (message: string) => void;
  /** How long to wait for the owner's tap; 2 minutes, as the dialog stays about as long. */
  trustTimeoutMs?: number;
  /** Between two asks while the dialog shows. */
  retryMs?: number;
  /** False: never ask the phone to trust this computer (listing phones must not pop up a dialog). */
  mayPair?: boolean;
}

/** A paired, trusted iPhone: what lockdown told about it, and a read-only AFC session on its Media partition. */
export interface IphoneConnection {
  device: UsbmuxDevice;
  /** lockdown's values in a session (DeviceName, ProductType, ProductVersion, SerialNumber ...). */
  values: PlistDict;
  battery: number | null;
  afc: AfcClient;
  close(): void;
}

/**
 * The whole way to an iPhone's photos: usbmuxd → lockdownd → (pairing, with the owner's tap,
 * the first time) → a TLS session → StartService com.apple.afc → AFC over a second channel.
 * Errors say what to do: install usbmuxd, plug the phone in, tap Trust, unlock it.
 */
export async function connectIphone(options: IphoneConnectOptions): Promise<IphoneConnection> {
  const usbmux = options.usbmux ?? new UsbmuxClient();
  const store = new PairRecordStore(options.dataDir);
  try {
    const device = await findDevice(usbmux, options.udid);
    let lockdown = await openLockdown(usbmux, device);
    try {
      let record = store.load(device.udid);
      if (!record && options.mayPair === false) throw new BadInputError(NOT_PAIRED_MESSAGE);
      if (!record) {
        ({ record, lockdown } = await pairWithOwner(usbmux, device, lockdown, store, options));
      }
      try {
        await lockdown.startSession(record);
      } catch (error) {
        // The phone forgot this computer (its owner reset trust, or it was restored): ask again, once.
        if (!(error instanceof LockdownError) || !['InvalidHostID', 'InvalidPairRecord'].includes(error.code)) throw error;
        if (options.mayPair === false) throw new BadInputError(NOT_PAIRED_MESSAGE);
        store.forget(device.udid);
        lockdown.close();
        lockdown = await openLockdown(usbmux, device);
        ({ record, lockdown } = await pairWithOwner(usbmux, device, lockdown, store, options));
        await lockdown.startSession(record);
      }
      const values = asDict((await lockdown.getValue()) ?? {}, 'the values of lockdown');
      const battery = await readBattery(lockdown);
      const service = await lockdown.startService('com.apple.afc');
      let channel: Duplex = await usbmux.connect(device.deviceId, service.port);
      if (service.ssl) channel = await startClientTls(channel as net.Socket, record);
      lockdown.close();
      const afc = new AfcClient(channel);
      return { device, values, battery, afc, close: () => afc.end() };
    } catch (error) {
      lockdown.close();
      throw error;
    }
  } catch (error) {
    throw asConnectError(error, options.udid);
  }
}

async function findDevice(usbmux: UsbmuxClient, udid: string): Promise<UsbmuxDevice> {
  const devices = (await usbmux.listDevices()).filter((d) => d.udid === udid);
  // A phone on both USB and Wi-Fi is listed twice: the cable is faster and does not sleep.
  const device = devices.find((d) => d.connectionType === 'USB') ?? devices[0];
  if (!device) throw new BadInputError(`no iPhone with UDID ${udid} is attached. Plug it in with a cable, unlock it, and run "lifeboat devices" to see its id.`);
  return device;
}

async function openLockdown(usbmux: UsbmuxClient, device: UsbmuxDevice): Promise<LockdownClient> {
  const lockdown = await LockdownClient.connect(usbmux, device.deviceId);
  const type = await lockdown.queryType();
  if (type !== 'com.apple.mobile.lockdown') {
    lockdown.close();
    throw new BadInputError(`the iPhone answers as "${type}", not as a normal phone (it may be in recovery or restore mode); restart it and try again.`);
  }
  return lockdown;
}

/**
 * Pair asks the phone to show "Trust This Computer?". While the owner has not answered, the
 * phone says PairingDialogResponsePending; a locked phone says PasswordProtected. Each ask is a
 * fresh lockdown connection, as libimobiledevice's tools make one per attempt.
 */
async function pairWithOwner(
  usbmux: UsbmuxClient,
  device: UsbmuxDevice,
  first: LockdownClient,
  store: PairRecordStore,
  options: IphoneConnectOptions,
): Promise<{ record: PairRecord; lockdown: LockdownClient }> {
  const publicKey = await first.getValue(undefined, 'DevicePublicKey');
  if (!Buffer.isBuffer(publicKey)) throw new LockdownProtocolError('the phone gave no DevicePublicKey');
  const buid = await usbmux.readBuid().catch(() => store.systemBuid());
  const record = generatePairRecord(publicKey, buid);
  const wifi = await first.getValue(undefined, 'WiFiAddress').catch(() => undefined);
  if (typeof wifi === 'string') record.wifiMacAddress = wifi;

  const deadline = Date.now() + (options.trustTimeoutMs ?? 120_000);
  let lockdown = first;
  let told: string | undefined;
  for (;;) {
    try {
      const { escrowBag } = await lockdown.pair(record);
      if (escrowBag) record.escrowBag = escrowBag;
      store.save(device.udid, record);
      return { record, lockdown };
    } catch (error) {
      if (!(error instanceof LockdownError)) throw error;
      if (error.code === 'UserDeniedPairing') {
        throw new BadInputError('the iPhone does not trust this computer: "Don\'t Trust" was tapped. Unplug the phone and plug it in again, run the same command, and tap "Trust".');
      }
      const message = error.code === 'PairingDialogResponsePending' ? TRUST_MESSAGE : error.code === 'PasswordProtected' ? UNLOCK_MESSAGE : undefined;
      if (!message) throw new BadInputError(`the iPhone refused to pair with this computer (${error.code}).`);
      if (told !== message) options.onWaitingForOwner?.(message);
      told = message;
      if (Date.now() >= deadline) {
        throw new BadInputError(
          error.code === 'PasswordProtected'
            ? 'the iPhone stayed locked. Unlock it with its passcode and run the same command again.'
            : 'nobody tapped "Trust" on the iPhone in time. Run the same command again and tap "Trust" when the phone asks.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 1000));
      lockdown.close();
      lockdown = await openLockdown(usbmux, device);
    }
  }
}

async function readBattery(lockdown: LockdownClient): Promise<number | null> {
  try {
    const level = await lockdown.getValue('com.apple.mobile.battery', 'BatteryCurrentCapacity');
    return typeof level === 'number' && Number.isInteger(level) && level >= 0 && level <= 100 ? level : null;
  } catch (error) {
    if (error instanceof LockdownError) return null; // some phones keep it to themselves
    throw error;
  }
}

/** Errors of the way to the phone, as errors a person can act on. */
export function asConnectError(error: unknown, udid: string): Error {
  if (error instanceof BadInputError || error instanceof SourceLostError) return error;
  if (error instanceof UsbmuxUnavailableError) return new BadInputError(error.message);
  if (error instanceof UsbmuxProtocolError) return new BadInputError(`usbmuxd broke its protocol: ${error.message.replace(/^usbmuxd /, '')}. Restart usbmuxd (or the computer) and try again.`);
  if (error instanceof LockdownProtocolError) return new BadInputError(`the iPhone ${udid} broke the lockdown protocol: ${error.message}`);
  if (error instanceof UsbmuxRequestError || error instanceof ByteReaderEndedError || error instanceof ByteReaderTimeoutError) {
    return new SourceLostError(`the iPhone ${udid} went away while Lifeboat was connecting (${error.message}).`);
  }
  if (error instanceof LockdownError) {
    if (error.code === 'PasswordProtected') return new BadInputError(`${UNLOCK_MESSAGE} Then run the same command again.`);
    return new BadInputError(`the iPhone ${udid} refused: ${error.message}.`);
  }
  return error as Error;
}
