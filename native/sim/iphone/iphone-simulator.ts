import type net from 'node:net';
import { LOCKDOWN_PORT } from '../../protocols/lockdown/lockdown-client.ts';
import type { UsbmuxAddress } from '../../protocols/usbmux/usbmux-address.ts';
import { serveAfc } from './afc-service.ts';
import { loadIphoneProfile, type IphoneProfile } from './iphone-profile.ts';
import { serveLockdown, type LockdownState, type TrustMode } from './lockdownd-service.ts';
import { UsbmuxdServer, type MuxDevice } from './usbmuxd-server.ts';

/**
 * Ways the simulated iPhone (or its usbmuxd) breaks, for tests that a rescue ends with a clear
 * error and bounded memory:
 *   lying-usbmux-length  every usbmuxd answer claims nearly 4 GiB
 *   endless-plist        lockdownd answers QueryType with a frame claiming 4 GiB that never ends
 *   afc-oversize-read    AFC answers each FILE_READ with more bytes than were asked for
 *   vanish               the phone is unplugged after `vanishAfterBytes` of file data
 */
export type IphoneHostility = 'lying-usbmux-length' | 'endless-plist' | 'afc-oversize-read' | 'vanish';
export const IPHONE_HOSTILITIES: readonly IphoneHostility[] = ['lying-usbmux-length', 'endless-plist', 'afc-oversize-read', 'vanish'];

export interface IphoneSimulatorOptions {
  imageDir: string;
  /** Where the simulated usbmuxd listens: a Unix socket path, or TCP (port 0 picks one). */
  listen: UsbmuxAddress;
  trust?: TrustMode;
  /** How long the owner takes to answer the Trust dialog (ask and deny modes). */
  trustDelayMs?: number;
  hostility?: IphoneHostility;
  vanishAfterBytes?: number;
  log?: (line: string) => void;
}

export interface IphoneSimulator {
  /** The usbmuxd's address (use formatUsbmuxAddress for USBMUXD_SOCKET_ADDRESS). */
  address: UsbmuxAddress;
  profile: IphoneProfile;
  deviceId: number;
  /** AFC operations a host sent that would write (none, from Lifeboat). */
  writeAttempts: number[];
  /** Hosts the phone trusts now, by HostID. */
  trustedHostIds(): string[];
  /** The owner taps Trust now (ask mode). */
  tapTrust(): void;
  /** The owner unlocks the phone (locked mode). */
  unlock(): void;
  /** The cable is pulled: connections drop, listeners hear Detached. */
  unplug(): void;
  plugIn(): void;
  close(): Promise<void>;
}

let nextDeviceId = 1;

export async function startIphoneSimulator(options: IphoneSimulatorOptions): Promise<IphoneSimulator> {
  const log = options.log ?? (() => undefined);
  const profile = loadIphoneProfile(options.imageDir);
  const usbmuxd = new UsbmuxdServer({ lyingLength: options.hostility === 'lying-usbmux-length', log });
  const address = await usbmuxd.listen(options.listen);
  const deviceSockets = new Set<net.Socket>();
  const openServicePorts = new Set<number>();
  const writeAttempts: number[] = [];
  let nextServicePort = 49152;
  let dataSent = 0;
  let attached = false;
  let vanished = false;

  const state: LockdownState = {
    profile,
    trust: options.trust ?? 'trusted',
    trustDelayMs: options.trustDelayMs ?? 1500,
    pairedHosts: new Map(),
    dialog: 'none',
    unlocked: false,
    endlessPlist: options.hostility === 'endless-plist',
    log,
    startService(name) {
      if (openServicePorts.size >= 16) return undefined;
      const port = nextServicePort++;
      if (nextServicePort > 65000) nextServicePort = 49152;
      openServicePorts.add(port);
      log(`lockdownd: ${name} waits on port ${port}`);
      return port;
    },
  };

  const device: MuxDevice = {
    deviceId: nextDeviceId++,
    udid: profile.udid,
    productId: profile.productId,
    locationId: 0x01100000,
    listens: (port) => attached && (port === LOCKDOWN_PORT || openServicePorts.has(port)),
    accept(port, socket) {
      deviceSockets.add(socket);
      socket.on('close', () => deviceSockets.delete(socket));
      if (port === LOCKDOWN_PORT) return serveLockdown(socket, state);
      openServicePorts.delete(port); // a service takes one connection, as lockdownd's do
      serveAfc(socket, {
        dcimDir: profile.dcimDir,
        log,
        writeAttempts,
        oversizeReads: options.hostility === 'afc-oversize-read',
        onDataSent(bytes) {
          dataSent += bytes;
          // Once: plugged in again, the phone behaves (so a second run can resume).
          if (options.hostility === 'vanish' && !vanished && dataSent >= (options.vanishAfterBytes ?? 256 * 1024) && attached) {
            vanished = true;
            log('phone: the cable is pulled');
            simulator.unplug();
          }
        },
      });
    },
  };

  const simulator: IphoneSimulator = {
    address,
    profile,
    deviceId: device.deviceId,
    writeAttempts,
    trustedHostIds: () => [...state.pairedHosts.keys()],
    tapTrust() {
      if (state.dialog === 'showing') state.dialog = 'accepted';
    },
    unlock() {
      state.unlocked = true;
    },
    unplug() {
      attached = false;
      openServicePorts.clear();
      for (const socket of deviceSockets) socket.destroy();
      usbmuxd.detach(device.deviceId);
    },
    plugIn() {
      attached = true;
      usbmuxd.attach(device);
    },
    async close() {
      simulator.unplug();
      await usbmuxd.close();
    },
  };
  simulator.plugIn();
  return simulator;
}
