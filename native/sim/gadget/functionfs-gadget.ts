/**
 * A simulator's device-side USB function (the VirtualUsbFunction a virtual USB device drives)
 * served as a real USB device through Linux FunctionFS: the kernel's gadget stack does the
 * enumeration, this file writes the interface's descriptors and strings to ep0, answers its
 * events, and moves bytes between the endpoint files and the function. With the dummy_hcd
 * controller (a machine's own host talking to its own gadget) or a board's real device port,
 * real host software (Debian's adb, libmtp, Lifeboat through npm `usb`) then sees the simulator
 * as a phone on the bus.
 *
 * The layout follows linux/usb/functionfs.h (descriptors v2, full and high speed). The kernel
 * picks the controller's endpoints (the host sees their addresses) and names the endpoint files
 * ep1, ep2, ... in the order of the descriptors; the function keeps its own endpoint numbers.
 * Not FUNCTIONFS_VIRTUAL_ADDR: with it the descriptors keep the function's addresses, and the
 * kernel fails to enable any endpoint whose address differs from the one the controller gave
 * (config_ep_by_speed: EIO), e.g. dummy_hcd's interrupt endpoint ep5in-int for an MTP
 * interface's interrupt endpoint 3.
 *
 * Sessions: a host that configures the device (or selects the interface again) gets a fresh
 * function from makeFunction(), as adbd starts over when its FunctionFS endpoints are enabled
 * again. The session ends when the host side goes away (the kernel disables the endpoints:
 * unbinding the UDC, a bus reset, a new SET_INTERFACE), so a replugged cable starts a new ADB
 * connection.
 *
 * Endpoint files block in read()/write() until the host moves data, and Node runs those calls on
 * its thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise): one per OUT endpoint and
 * one per busy IN endpoint stay taken while the device is idle.
 *
 * Every file is opened O_NONBLOCK, and that is what lets the process end: f_fs.c makes a read
 * or write of an endpoint that is not enabled (the gadget is off its UDC, the host has not
 * configured it) wait until it is enabled again, however long, and ep0 wait for the next event.
 * A thread pool thread stuck there never ends, and Node joins its pool threads when it exits:
 * the process could not stop after its gadget left the bus (the vanish mode). With O_NONBLOCK
 * those waits answer EAGAIN at once and the loops poll instead; a transfer on an enabled
 * endpoint still blocks until the host moves data, and disabling the endpoint ends it
 * (ESHUTDOWN). ep0 is opened twice: events are polled on the non-blocking file, and setup
 * replies go through a blocking one (with O_NONBLOCK, ep0 I/O only tries the FunctionFS lock
 * and would fail now and then).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { UsbControlTransferParameters, UsbDirection, UsbEndpoint } from '../../usb/usb-device.ts';
import { UsbDisconnectedError } from '../../usb/usb-errors.ts';
import type { VirtualInterfaceDescriptor, VirtualUsbFunction, VirtualUsbPort } from '../../usb/virtual-usb.ts';

// linux/usb/functionfs.h
const DESCRIPTORS_MAGIC_V2 = 3;
const STRINGS_MAGIC = 2;
const HAS_FS_DESC = 1;
const HAS_HS_DESC = 2;
const EVENT_BYTES = 12;
export const FUNCTIONFS_EVENTS = ['bind', 'unbind', 'enable', 'disable', 'setup', 'suspend', 'resume'] as const;
export type FunctionFsEvent = (typeof FUNCTIONFS_EVENTS)[number];

/** How often a disabled endpoint, or ep0 without events, is asked again. */
const POLL_MS = 25;
const NONBLOCKING_RW = fs.constants.O_RDWR | fs.constants.O_NONBLOCK;

/** Bulk IN writes are cut into pieces of this size (whole packets, so the host sees one transfer). */
const WRITE_CHUNK = 64 * 1024;
const LANG_EN_US = 0x0409;

export interface FunctionFsGadgetOptions {
  /** Where the FunctionFS instance is mounted (it holds ep0). */
  mountPoint: string;
  /** The one interface the function has (alternate 0 is served). */
  interface: VirtualInterfaceDescriptor;
  /** A fresh device-side function for each host session. */
  makeFunction: () => VirtualUsbFunction;
  /** The function asked to leave the bus (port.disconnect()); e.g. unbind and rebind the UDC. */
  onLeaveBus?: () => void | Promise<void>;
  log?: (message: string) => void;
}

export interface FunctionFsGadget {
  /** The ep0 events seen so far, oldest first (for tests and logs). */
  readonly events: readonly FunctionFsEvent[];
  /** Resolves on the next ep0 event of that kind. */
  waitFor(event: FunctionFsEvent, timeoutMs?: number): Promise<void>;
  /** Sessions started so far (one per host connection). */
  readonly sessions: number;
  /**
   * Stops serving. `unbind` must take the gadget off its UDC: that is what wakes the endpoint
   * reads blocked in the kernel. Then the files are closed.
   */
  stop(unbind: () => void | Promise<void>): Promise<void>;
}

/** Writes the descriptors and strings, then serves until stop(). Resolves when the UDC may be bound. */
export async function serveFunctionFs(options: FunctionFsGadgetOptions): Promise<FunctionFsGadget> {
  const log = options.log ?? (() => undefined);
  const alternate = options.interface.alternates[0];
  if (!alternate) throw new Error('the USB function has no interface to serve');
  const ep0 = await fs.promises.open(path.join(options.mountPoint, 'ep0'), 'r+');
  try {
    await ep0.write(functionFsDescriptors(alternate.interfaceClass, alternate.interfaceSubclass, alternate.interfaceProtocol, alternate.endpoints));
    await ep0.write(functionFsStrings([alternate.interfaceName ?? 'Interface']));
  } catch (error) {
    await ep0.close();
    throw new Error(`FunctionFS at ${options.mountPoint} refused the descriptors: ${(error as Error).message}`);
  }
  const ep0Events = await fs.promises.open(path.join(options.mountPoint, 'ep0'), NONBLOCKING_RW);
  const files = new Map<string, fs.promises.FileHandle>();
  for (const [index, endpoint] of alternate.endpoints.entries()) {
    files.set(endpointKey(endpoint), await fs.promises.open(path.join(options.mountPoint, `ep${index + 1}`), NONBLOCKING_RW));
  }

  const events: FunctionFsEvent[] = [];
  const eventWaiters: { event: FunctionFsEvent; resolve: () => void }[] = [];
  let stopped = false;
  let sessionCount = 0;
  let session: Session | undefined;

  class Session {
    readonly abort = new AbortController();
    readonly function: VirtualUsbFunction;
    readonly #inQueues = new Map<number, Promise<void>>();

    constructor() {
      sessionCount++;
      this.function = options.makeFunction();
      const port: VirtualUsbPort = {
        send: (endpointNumber, data) => this.send(endpointNumber, data),
        stall: (direction, endpointNumber) => void stallEndpoint(direction, endpointNumber),
        signal: this.abort.signal,
        disconnect: () => {
          if (this.ended) return;
          this.end('the device left the bus');
          if (!stopped) void Promise.resolve(options.onLeaveBus?.()).catch((error: Error) => log(`leaving the bus failed: ${error.message}`));
        },
      };
      this.function.attach(port);
    }

    get ended(): boolean {
      return this.abort.signal.aborted;
    }

    end(reason: string): void {
      if (this.ended) return;
      log(`session ${sessionCount} ended: ${reason}`);
      this.abort.abort(new UsbDisconnectedError(`The USB host went away (${reason}).`));
      if (session === this) session = undefined;
    }

    send(endpointNumber: number, data: Uint8Array): Promise<void> {
      const file = files.get(endpointKey({ endpointNumber, direction: 'in' }));
      if (!file) return Promise.reject(new Error(`the function has no IN endpoint ${endpointNumber}`));
      const previous = this.#inQueues.get(endpointNumber) ?? Promise.resolve();
      const next = previous.catch(() => undefined).then(() => this.#write(file, data));
      this.#inQueues.set(endpointNumber, next);
      return next;
    }

    async #write(file: fs.promises.FileHandle, data: Uint8Array): Promise<void> {
      let offset = 0;
      do {
        if (this.ended) throw this.abort.signal.reason as Error;
        const length = Math.min(WRITE_CHUNK, data.byteLength - offset);
        try {
          await file.write(data, offset, length, null);
        } catch (error) {
          // The kernel disabled the endpoint under the write: the host is gone.
          this.end(`writing to the host failed: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          throw this.abort.signal.reason as Error;
        }
        offset += length;
      } while (offset < data.byteLength);
    }
  }

  const currentSession = (): Session => (session ??= new Session());

  /** The way FunctionFS halts an endpoint: an I/O in the wrong direction (f_fs.c, ffs_epfile_io). */
  async function stallEndpoint(direction: UsbDirection, endpointNumber: number): Promise<void> {
    const file = files.get(endpointKey({ endpointNumber, direction }));
    if (!file) return;
    const wrongWay = direction === 'in' ? file.read(Buffer.alloc(1), 0, 1, null) : file.write(Buffer.alloc(0), 0, 0, null);
    await wrongWay.catch(() => undefined); // EBADMSG: the endpoint is halted, as asked
  }

  const outLoops = alternate.endpoints
    .filter((endpoint) => endpoint.direction === 'out')
    .map(async (endpoint) => {
      const file = files.get(endpointKey(endpoint))!;
      // One packet at a time: a longer read would wait for a short packet that a host sending a
      // message of whole packets (and no zero-length packet) never sends.
      const buffer = Buffer.alloc(endpoint.packetSize);
      while (!stopped) {
        let bytes: number;
        try {
          ({ bytesRead: bytes } = await file.read(buffer, 0, buffer.length, null));
        } catch (error) {
          if (stopped) break;
          const code = (error as NodeJS.ErrnoException).code;
          // EAGAIN: the endpoint is not enabled (yet, or any more): ask again soon.
          if (code !== 'EAGAIN') session?.end(`reading from the host failed: ${code ?? (error as Error).message}`);
          // ESHUTDOWN: the endpoint was disabled under the read.
          if (code !== 'ESHUTDOWN') await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
        const current = currentSession();
        try {
          const verdict = await current.function.receive(endpoint.endpointNumber, Uint8Array.prototype.slice.call(buffer, 0, bytes));
          if (verdict === 'stall') await stallEndpoint('out', endpoint.endpointNumber);
        } catch (error) {
          log(`the function failed on data from the host: ${(error as Error).message}`);
          current.end('the function failed');
        }
      }
    });

  const ep0Loop = (async () => {
    const buffer = Buffer.alloc(EVENT_BYTES * 8);
    while (!stopped) {
      let bytes: number;
      try {
        ({ bytesRead: bytes } = await ep0Events.read(buffer, 0, buffer.length, null));
      } catch (error) {
        if (stopped) break;
        // EAGAIN: no event yet (or FunctionFS was busy for a moment).
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') log(`reading ep0 failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        continue;
      }
      for (let at = 0; at + EVENT_BYTES <= bytes; at += EVENT_BYTES) {
        const event = FUNCTIONFS_EVENTS[buffer[at + 8]!];
        if (!event) continue;
        events.push(event);
        log(`ep0 event ${event}`);
        for (const waiter of eventWaiters.filter((w) => w.event === event)) {
          eventWaiters.splice(eventWaiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        // The host (re)configured the interface or went away: whatever it said before is over.
        if (event === 'enable' || event === 'disable' || event === 'unbind') session?.end(`ep0 event ${event}`);
        if (event === 'setup') await answerSetup(Buffer.from(buffer.subarray(at, at + 8)));
      }
    }
  })();

  /** Class and vendor requests to the interface go to the function's controlIn/controlOut; none: stall. */
  async function answerSetup(setup: Buffer): Promise<void> {
    const requestType = setup[0]!;
    const parameters: UsbControlTransferParameters = {
      requestType: (['standard', 'class', 'vendor', 'vendor'] as const)[(requestType >> 5) & 3]!,
      recipient: (['device', 'interface', 'endpoint', 'other'] as const)[requestType & 3] ?? 'other',
      request: setup[1]!,
      value: setup.readUInt16LE(2),
      index: setup.readUInt16LE(4),
    };
    const length = setup.readUInt16LE(6);
    const fn = currentSession().function;
    try {
      if (requestType & 0x80) {
        const reply = fn.controlIn ? await fn.controlIn(parameters, length) : 'stall';
        if (reply === 'stall') await ep0.read(Buffer.alloc(1), 0, 1, null).catch(() => undefined); // wrong way: stall
        else await ep0.write(reply.subarray(0, length));
      } else {
        const data = Buffer.alloc(length);
        if (!fn.controlOut) {
          await ep0.write(Buffer.alloc(0)).catch(() => undefined); // wrong way: stall
          return;
        }
        if (length > 0) await ep0.read(data, 0, length, null);
        const reply = await fn.controlOut(parameters, data);
        // With no data stage, the status stage is acknowledged by a zero-length read.
        if (reply === 'stall') await ep0.write(Buffer.alloc(0)).catch(() => undefined);
        else if (length === 0) await ep0.read(Buffer.alloc(0), 0, 0, null);
      }
    } catch (error) {
      log(`control request 0x${parameters.request.toString(16)} failed: ${(error as Error).message}`);
    }
  }

  return {
    events,
    get sessions() {
      return sessionCount;
    },
    waitFor(event, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`FunctionFS: no ${event} event within ${timeoutMs} ms`)), timeoutMs);
        eventWaiters.push({
          event,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async stop(unbind) {
      if (stopped) return;
      stopped = true;
      session?.end('the gadget is stopping');
      await unbind();
      // Reads blocked in the kernel return once the endpoints are disabled; do not wait forever.
      await Promise.race([Promise.allSettled([ep0Loop, ...outLoops]), new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
      for (const file of files.values()) await file.close().catch(() => undefined);
      await ep0Events.close().catch(() => undefined);
      await ep0.close().catch(() => undefined);
    },
  };
}

/** The function's name for one of its endpoints: "81" for IN endpoint 1, "02" for OUT endpoint 2. */
function endpointKey(endpoint: Pick<UsbEndpoint, 'endpointNumber' | 'direction'>): string {
  const address = endpoint.endpointNumber | (endpoint.direction === 'in' ? 0x80 : 0);
  return address.toString(16).padStart(2, '0');
}

/** The descriptors block: one interface with its endpoints, at full speed and at high speed. */
export function functionFsDescriptors(interfaceClass: number, subclass: number, protocol: number, endpoints: readonly UsbEndpoint[]): Buffer {
  const speed = (high: boolean): Buffer[] => [
    Buffer.from([9, 4, 0, 0, endpoints.length, interfaceClass, subclass, protocol, 1]), // iInterface: string 1
    ...endpoints.map((endpoint) => {
      const bulk = endpoint.type === 'bulk';
      const packet = bulk ? (high ? 512 : 64) : Math.min(endpoint.packetSize, high ? 1024 : 64);
      const descriptor = Buffer.alloc(7);
      descriptor[0] = 7;
      descriptor[1] = 5;
      descriptor[2] = endpoint.endpointNumber | (endpoint.direction === 'in' ? 0x80 : 0);
      descriptor[3] = bulk ? 2 : 3;
      descriptor.writeUInt16LE(packet, 4);
      // Interrupt polling: 8 ms (full speed counts in ms, high speed in 2^(n-1) microframes).
      descriptor[6] = bulk ? 0 : high ? 7 : 8;
      return descriptor;
    }),
  ];
  const full = speed(false);
  const high = speed(true);
  const head = Buffer.alloc(20);
  const body = Buffer.concat([...full, ...high]);
  head.writeUInt32LE(DESCRIPTORS_MAGIC_V2, 0);
  head.writeUInt32LE(head.length + body.length, 4);
  head.writeUInt32LE(HAS_FS_DESC | HAS_HS_DESC, 8);
  head.writeUInt32LE(full.length, 12);
  head.writeUInt32LE(high.length, 16);
  return Buffer.concat([head, body]);
}

/** The strings block: US English only, strings numbered from 1 in order. */
export function functionFsStrings(strings: readonly string[]): Buffer {
  const table = Buffer.concat([Buffer.from([LANG_EN_US & 0xff, LANG_EN_US >> 8]), ...strings.map((s) => Buffer.from(`${s}\0`, 'utf8'))]);
  const head = Buffer.alloc(16);
  head.writeUInt32LE(STRINGS_MAGIC, 0);
  head.writeUInt32LE(head.length + table.length, 4);
  head.writeUInt32LE(strings.length, 8);
  head.writeUInt32LE(1, 12);
  return Buffer.concat([head, table]);
}
