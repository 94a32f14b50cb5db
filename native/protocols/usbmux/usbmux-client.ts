import net from 'node:net';
import { ByteReader, ByteReaderEndedError, ByteReaderTimeoutError } from './byte-reader.ts';
import { optionalData, optionalInteger, optionalString, asDict, type PlistDict } from './plist-xml.ts';
import { formatUsbmuxAddress, usbmuxAddress, type UsbmuxAddress } from './usbmux-address.ts';
import { encodeUsbmuxPacket, readUsbmuxPacket, USBMUX_RESULT, UsbmuxProtocolError } from './usbmux-packet.ts';

/** A phone usbmuxd sees (USB, or Wi-Fi sync on macOS and Windows). */
export interface UsbmuxDevice {
  /** usbmuxd's handle for this attachment; changes when the phone is plugged in again. */
  deviceId: number;
  udid: string;
  productId: number;
  connectionType: string;
  locationId?: number;
}

export type UsbmuxEvent = { type: 'attached'; device: UsbmuxDevice } | { type: 'detached'; deviceId: number };

/**
 * The messages Lifeboat ever sends to usbmuxd. None of them reaches the phone: usbmuxd answers
 * from its own state, and `Connect` only opens a channel (what then goes over it is the
 * lockdown and AFC clients' business, each with its own allowlist).
 */
export const USBMUX_REQUEST_ALLOWLIST = ['ListDevices', 'Listen', 'Connect', 'ReadBUID', 'ReadPairRecord', 'SavePairRecord'] as const;
export type UsbmuxRequest = (typeof USBMUX_REQUEST_ALLOWLIST)[number];

export class UsbmuxUnavailableError extends Error {
  override readonly name = 'UsbmuxUnavailableError';
}

export class UsbmuxRequestError extends Error {
  override readonly name = 'UsbmuxRequestError';
  constructor(
    message: string,
    readonly resultNumber: number,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 10_000;

/** One usbmuxd; each request is its own connection, as libusbmuxd does. */
export class UsbmuxClient {
  readonly address: UsbmuxAddress;
  #tag = 0;

  constructor(address: UsbmuxAddress = usbmuxAddress()) {
    this.address = address;
  }

  async listDevices(): Promise<UsbmuxDevice[]> {
    const reply = await this.#request('ListDevices', {});
    const list = reply.DeviceList;
    if (!Array.isArray(list)) throw new UsbmuxProtocolError('usbmuxd answered ListDevices without a DeviceList');
    const devices: UsbmuxDevice[] = [];
    for (const item of list) {
      const entry = asDict(item, 'a DeviceList entry');
      const device = deviceFromProperties(entry.Properties !== undefined ? asDict(entry.Properties, 'Properties') : entry);
      if (device) devices.push(device);
    }
    return devices;
  }

  /** System-wide id of this computer, shared by every pairing tool on it. */
  async readBuid(): Promise<string> {
    const reply = await this.#request('ReadBUID', {});
    const buid = optionalString(reply, 'BUID');
    if (!buid) throw new UsbmuxProtocolError('usbmuxd answered ReadBUID without a BUID');
    return buid;
  }

  /** The pair record usbmuxd keeps for a phone (as plist bytes), or undefined when it has none. */
  async readPairRecord(udid: string): Promise<Buffer | undefined> {
    try {
      const reply = await this.#request('ReadPairRecord', { PairRecordID: udid });
      const data = optionalData(reply, 'PairRecordData');
      if (!data) throw new UsbmuxProtocolError('usbmuxd answered ReadPairRecord without PairRecordData');
      return data;
    } catch (error) {
      if (error instanceof UsbmuxRequestError) return undefined; // ENOENT and friends: no record
      throw error;
    }
  }

  async savePairRecord(udid: string, deviceId: number, record: Buffer): Promise<void> {
    await this.#request('SavePairRecord', { PairRecordID: udid, PairRecordData: record, DeviceID: deviceId });
  }

  /**
   * A channel to a TCP port on the phone (62078 is lockdownd). The socket that comes back talks
   * to the phone directly; closing it closes the channel.
   */
  async connect(deviceId: number, port: number): Promise<net.Socket> {
    const socket = await this.#open();
    const reader = new ByteReader(socket);
    try {
      // usbmuxd wants the port in network byte order inside a host-order integer.
      const swapped = ((port & 0xff) << 8) | ((port >> 8) & 0xff);
      await this.#send(socket, 'Connect', { DeviceID: deviceId, PortNumber: swapped });
      const reply = await this.#readReply(reader);
      const result = resultNumber(reply);
      if (result !== USBMUX_RESULT.ok) {
        throw new UsbmuxRequestError(
          result === USBMUX_RESULT.connectionRefused
            ? `the phone refused a connection to its port ${port}`
            : result === USBMUX_RESULT.badDevice
              ? 'the phone is no longer attached'
              : `usbmuxd refused Connect (result ${result})`,
          result ?? -1,
        );
      }
      const early = reader.detach();
      if (early.length > 0) socket.unshift(early);
      return socket;
    } catch (error) {
      reader.detach();
      socket.destroy();
      throw error;
    }
  }

  /** Attach and detach events as they happen (the phones already attached come first). */
  async listen(onEvent: (event: UsbmuxEvent) => void, onEnd?: (error?: Error) => void): Promise<{ close(): void }> {
    const socket = await this.#open();
    const reader = new ByteReader(socket);
    let closed = false;
    try {
      await this.#send(socket, 'Listen', {});
      const reply = await this.#readReply(reader);
      const result = resultNumber(reply);
      if (result !== USBMUX_RESULT.ok) throw new UsbmuxRequestError(`usbmuxd refused Listen (result ${result})`, result ?? -1);
    } catch (error) {
      socket.destroy();
      throw error;
    }
    void (async () => {
      try {
        for (;;) {
          const { message } = await readUsbmuxPacket(reader, 24 * 60 * 60 * 1000);
          const type = optionalString(message, 'MessageType');
          if (type === 'Attached') {
            const device = deviceFromProperties(asDict(message.Properties, 'Properties'));
            if (device) onEvent({ type: 'attached', device });
          } else if (type === 'Detached') {
            const deviceId = optionalInteger(message, 'DeviceID');
            if (deviceId !== undefined) onEvent({ type: 'detached', deviceId });
          }
          // Paired and others: not needed here.
        }
      } catch (error) {
        socket.destroy();
        if (!closed) onEnd?.(error as Error);
      }
    })();
    return {
      close() {
        closed = true;
        socket.destroy();
        onEnd?.();
      },
    };
  }

  async #request(type: Exclude<UsbmuxRequest, 'Connect' | 'Listen'>, fields: PlistDict): Promise<PlistDict> {
    const socket = await this.#open();
    const reader = new ByteReader(socket);
    try {
      await this.#send(socket, type, fields);
      const reply = await this.#readReply(reader);
      const result = resultNumber(reply);
      if (result !== undefined && result !== USBMUX_RESULT.ok) throw new UsbmuxRequestError(`usbmuxd refused ${type} (result ${result})`, result);
      return reply;
    } finally {
      reader.detach();
      socket.destroy();
    }
  }

  async #readReply(reader: ByteReader): Promise<PlistDict> {
    try {
      return (await readUsbmuxPacket(reader, REQUEST_TIMEOUT_MS)).message;
    } catch (error) {
      if (error instanceof ByteReaderEndedError || error instanceof ByteReaderTimeoutError) {
        throw new UsbmuxProtocolError(`usbmuxd did not answer: ${error.message}`);
      }
      throw error;
    }
  }

  #send(socket: net.Socket, type: UsbmuxRequest, fields: PlistDict): Promise<void> {
    if (!USBMUX_REQUEST_ALLOWLIST.includes(type)) throw new Error(`usbmux request ${String(type)} is not on the allowlist`);
    const message: PlistDict = {
      ClientVersionString: 'lifeboat',
      MessageType: type,
      ProgName: 'lifeboat',
      kLibUSBMuxVersion: 3,
      ...fields,
    };
    const packet = encodeUsbmuxPacket(++this.#tag, message);
    return new Promise((resolve, reject) => socket.write(packet, (error) => (error ? reject(error) : resolve())));
  }

  #open(): Promise<net.Socket> {
    const address = this.address;
    return new Promise((resolve, reject) => {
      const socket = address.kind === 'unix' ? net.createConnection(address.path) : net.createConnection(address.port, address.host);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UsbmuxUnavailableError(`usbmuxd at ${formatUsbmuxAddress(address)} does not accept connections (timed out).`));
      }, REQUEST_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', () => undefined); // the reader reports failures
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new UsbmuxUnavailableError(unavailableMessage(address, error)));
      });
    });
  }
}

function unavailableMessage(address: UsbmuxAddress, error: NodeJS.ErrnoException): string {
  const where = formatUsbmuxAddress(address);
  const fix =
    process.platform === 'win32'
      ? 'install Apple Devices (Microsoft Store) or iTunes, which run the Apple Mobile Device Service'
      : process.platform === 'darwin'
        ? 'macOS runs usbmuxd itself; restart the Mac if it is missing'
        : 'install and start usbmuxd (Debian/Ubuntu: apt-get install usbmuxd)';
  if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') return `no usbmuxd is listening at ${where}: ${fix}.`;
  if (error.code === 'EACCES') return `usbmuxd at ${where} refuses this user (${error.code}); run as a user allowed to use it.`;
  return `cannot reach usbmuxd at ${where}: ${error.message}`;
}

function resultNumber(reply: PlistDict): number | undefined {
  if (reply.MessageType !== 'Result') return undefined;
  const number = optionalInteger(reply, 'Number');
  if (number === undefined) throw new UsbmuxProtocolError('usbmuxd sent a Result without a Number');
  return number;
}

function deviceFromProperties(props: PlistDict): UsbmuxDevice | undefined {
  const deviceId = optionalInteger(props, 'DeviceID');
  let udid = optionalString(props, 'SerialNumber');
  if (deviceId === undefined || !udid) return undefined;
  // Newer phones give 24 hex digits without the dash their UDID has (as libusbmuxd restores it).
  if (/^[0-9A-Fa-f]{24}$/.test(udid)) udid = `${udid.slice(0, 8)}-${udid.slice(8)}`;
  // A UDID names files (the pair record): anything but letters, digits and dashes is no phone.
  if (!/^[0-9A-Za-z-]{1,64}$/.test(udid)) return undefined;
  const device: UsbmuxDevice = {
    deviceId,
    udid,
    productId: optionalInteger(props, 'ProductID') ?? 0,
    connectionType: optionalString(props, 'ConnectionType') ?? 'USB',
  };
  const location = optionalInteger(props, 'LocationID');
  if (location !== undefined) device.locationId = location;
  return device;
}
