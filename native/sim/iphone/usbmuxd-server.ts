import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { ByteReader } from '../../protocols/usbmux/byte-reader.ts';
import { optionalData, optionalInteger, optionalString, type PlistDict } from '../../protocols/usbmux/plist-xml.ts';
import type { UsbmuxAddress } from '../../protocols/usbmux/usbmux-address.ts';
import { encodeUsbmuxPacket, readUsbmuxPacket, USBMUX_RESULT } from '../../protocols/usbmux/usbmux-packet.ts';

/** A phone as usbmuxd sees it: an id, a UDID, and the TCP ports it serves. */
export interface MuxDevice {
  deviceId: number;
  udid: string;
  productId: number;
  locationId: number;
  /** Whether anything on the phone listens on `port` (else usbmuxd answers CONNREFUSED, as for the phone's RST). */
  listens(port: number): boolean;
  /** Takes a connection to `port` on the phone. */
  accept(port: number, socket: net.Socket): void;
}

export interface UsbmuxdServerOptions {
  /** A broken daemon: every answer's header claims nearly 4 GiB. */
  lyingLength?: boolean;
  log?: (line: string) => void;
}

const ENOENT = 2;

/**
 * A usbmuxd as libusbmuxd 2.x talks to it (usbmuxd's src/client.c): plist packets (version 1,
 * message 8) with a 16-byte little-endian header; ListDevices, Listen (Attached and Detached
 * events), Connect (PortNumber in network byte order; the socket then belongs to the phone),
 * ReadBUID, ReadPairRecord, SavePairRecord and DeletePairRecord (kept in memory, per run).
 */
export class UsbmuxdServer {
  readonly #server = net.createServer((socket) => this.#serve(socket));
  readonly #devices = new Map<number, MuxDevice>();
  readonly #listeners = new Set<net.Socket>();
  readonly #sockets = new Set<net.Socket>();
  readonly #pairRecords = new Map<string, Buffer>();
  readonly #buid = crypto.randomUUID().toUpperCase();
  readonly #options: UsbmuxdServerOptions;
  #unixPath: string | undefined;

  constructor(options: UsbmuxdServerOptions = {}) {
    this.#options = options;
  }

  /** Listens on a Unix socket path (replacing a stale socket file) or TCP; the address in USBMUXD_SOCKET_ADDRESS form. */
  async listen(address: UsbmuxAddress): Promise<UsbmuxAddress> {
    if (address.kind === 'unix') {
      try {
        if (fs.statSync(address.path).isSocket()) fs.unlinkSync(address.path);
      } catch {
        // nothing there
      }
      this.#unixPath = address.path;
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      if (address.kind === 'unix') this.#server.listen(address.path, () => resolve());
      else this.#server.listen(address.port, address.host, () => resolve());
    });
    if (address.kind === 'tcp') {
      const bound = this.#server.address() as net.AddressInfo;
      return { kind: 'tcp', host: address.host, port: bound.port };
    }
    return address;
  }

  attach(device: MuxDevice): void {
    this.#devices.set(device.deviceId, device);
    for (const listener of this.#listeners) this.#write(listener, 0, attachedMessage(device));
  }

  detach(deviceId: number): void {
    if (!this.#devices.delete(deviceId)) return;
    for (const listener of this.#listeners) this.#write(listener, 0, { MessageType: 'Detached', DeviceID: deviceId });
  }

  pairRecord(udid: string): Buffer | undefined {
    return this.#pairRecords.get(udid);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.#unixPath) fs.rmSync(this.#unixPath, { force: true });
  }

  #serve(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.#listeners.delete(socket);
    });
    socket.on('error', () => undefined);
    const reader = new ByteReader(socket, { highWaterBytes: 256 * 1024 });
    void (async () => {
      try {
        for (;;) {
          const { tag, message } = await readUsbmuxPacket(reader, 24 * 60 * 60 * 1000);
          const type = optionalString(message, 'MessageType') ?? '';
          this.#options.log?.(`usbmuxd: ${type}`);
          if (type === 'Connect') {
            const handedOver = this.#connect(socket, reader, tag, message);
            if (handedOver) return; // the socket is the phone's now
            continue;
          }
          this.#answer(socket, tag, type, message);
          if (type === 'Listen') {
            this.#listeners.add(socket);
            for (const device of this.#devices.values()) this.#write(socket, 0, attachedMessage(device));
          }
        }
      } catch {
        socket.destroy();
      }
    })();
  }

  #answer(socket: net.Socket, tag: number, type: string, message: PlistDict): void {
    switch (type) {
      case 'ListDevices':
        this.#write(socket, tag, { DeviceList: [...this.#devices.values()].map(attachedMessage) });
        return;
      case 'Listen':
        this.#result(socket, tag, USBMUX_RESULT.ok);
        return;
      case 'ReadBUID':
        this.#write(socket, tag, { BUID: this.#buid });
        return;
      case 'ReadPairRecord': {
        const record = this.#pairRecords.get(optionalString(message, 'PairRecordID') ?? '');
        if (record) this.#write(socket, tag, { PairRecordData: record });
        else this.#result(socket, tag, ENOENT);
        return;
      }
      case 'SavePairRecord': {
        const id = optionalString(message, 'PairRecordID');
        const data = optionalData(message, 'PairRecordData');
        if (!id || !data) return this.#result(socket, tag, 22 /* EINVAL */);
        this.#pairRecords.set(id, data);
        this.#result(socket, tag, USBMUX_RESULT.ok);
        return;
      }
      case 'DeletePairRecord':
        this.#pairRecords.delete(optionalString(message, 'PairRecordID') ?? '');
        this.#result(socket, tag, USBMUX_RESULT.ok);
        return;
      default:
        this.#result(socket, tag, USBMUX_RESULT.badCommand);
    }
  }

  #connect(socket: net.Socket, reader: ByteReader, tag: number, message: PlistDict): boolean {
    const device = this.#devices.get(optionalInteger(message, 'DeviceID') ?? -1);
    const swapped = optionalInteger(message, 'PortNumber') ?? 0;
    const port = ((swapped & 0xff) << 8) | ((swapped >> 8) & 0xff);
    if (!device) {
      this.#result(socket, tag, USBMUX_RESULT.badDevice);
      return false;
    }
    if (!device.listens(port)) {
      this.#result(socket, tag, USBMUX_RESULT.connectionRefused);
      return false;
    }
    const early = reader.detach();
    this.#result(socket, tag, USBMUX_RESULT.ok);
    if (early.length > 0) socket.unshift(early);
    device.accept(port, socket);
    return true;
  }

  #result(socket: net.Socket, tag: number, number: number): void {
    this.#write(socket, tag, { MessageType: 'Result', Number: number });
  }

  #write(socket: net.Socket, tag: number, message: PlistDict): void {
    const packet = encodeUsbmuxPacket(tag, message);
    if (this.#options.lyingLength) packet.writeUInt32LE(0xfffffff0, 0);
    if (!socket.destroyed) socket.write(packet);
  }
}

function attachedMessage(device: MuxDevice): PlistDict {
  return {
    MessageType: 'Attached',
    DeviceID: device.deviceId,
    Properties: {
      ConnectionSpeed: 480000000,
      ConnectionType: 'USB',
      DeviceID: device.deviceId,
      LocationID: device.locationId,
      ProductID: device.productId,
      SerialNumber: device.udid,
    },
  };
}
