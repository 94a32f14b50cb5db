import { usbmuxAddress, usbmuxMayBeThere, type UsbmuxAddress } from '../../protocols/usbmux/usbmux-address.ts';
import { UsbmuxClient, type UsbmuxDevice, type UsbmuxEvent } from '../../protocols/usbmux/usbmux-client.ts';
import { describeIphone, type IphoneListing } from './iphone-listing.ts';

export interface IphoneWatchOptions {
  /** The system's usbmuxd (USBMUXD_SOCKET_ADDRESS, else the platform's place). */
  address?: UsbmuxAddress;
  /** Lifeboat's data folder (its pair records). */
  dataDir?: string;
  /** How long to wait before asking usbmuxd again when it is absent or went away. */
  retryMs?: number;
  /** An iPhone was plugged in (or was there when watching began), said as `devices` lists it. */
  onAppeared(listing: IphoneListing): void;
  /** An iPhone listed before is gone: unplugged, or usbmuxd itself went away. */
  onGone(id: string): void;
  /** Why usbmuxd cannot be followed; told once per distinct reason, not on every retry. */
  onProblem?(message: string): void;
}

export interface IphoneWatch {
  /** Settles once the first look is over: the iPhones attached then are told, or usbmuxd is not there. */
  ready: Promise<void>;
  close(): void;
}

export const IPHONE_WATCH_RETRY_MS = 3_000;

/** One connection to usbmuxd's Listen; its phones belong to it and are gone when it ends. */
interface Session {
  usbmux: UsbmuxClient;
  /** usbmuxd's handles to UDIDs: one phone can be on USB and Wi-Fi at once, under two handles. */
  handles: Map<number, string>;
  /** UDIDs told as appeared. */
  told: Set<string>;
  /** Events are handled one after the other, so a Detached never overtakes its Attached. */
  queue: Promise<void>;
  over: boolean;
}

/**
 * Follows usbmuxd's attach and detach events while the app runs, so an iPhone plugged in after
 * the start appears and one unplugged disappears. When usbmuxd is absent (no Apple stack yet, the
 * daemon restarting) it is asked again every few seconds without a word more than once. Watching
 * sends only Listen and ListDevices to usbmuxd, and describing a phone never asks it to trust.
 */
export function watchIphones(options: IphoneWatchOptions): IphoneWatch {
  const address = options.address ?? usbmuxAddress();
  const retryMs = options.retryMs ?? IPHONE_WATCH_RETRY_MS;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let listening: { close(): void } | undefined;
  let session: Session | undefined;
  let lastProblem: string | undefined;

  const problem = (message: string) => {
    if (message === lastProblem) return;
    lastProblem = message;
    options.onProblem?.(message);
  };

  const retryLater = () => {
    if (closed) return;
    timer = setTimeout(() => void attempt(), retryMs);
    timer.unref(); // a watch never keeps the process alive by itself
  };

  const enqueue = (s: Session, event: UsbmuxEvent) => {
    s.queue = s.queue.then(() => handle(s, event)).catch(() => undefined);
  };

  const handle = async (s: Session, event: UsbmuxEvent) => {
    if (s.over || closed) return;
    if (event.type === 'detached') {
      const udid = s.handles.get(event.deviceId);
      if (udid === undefined) return;
      s.handles.delete(event.deviceId);
      if ([...s.handles.values()].includes(udid) || !s.told.delete(udid)) return;
      options.onGone(`iphone:${udid}`);
      return;
    }
    const device: UsbmuxDevice = event.device;
    if (s.handles.has(device.deviceId)) return; // told by Listen and by ListDevices both
    const known = [...s.handles.values()].includes(device.udid);
    s.handles.set(device.deviceId, device.udid);
    if (known) return;
    const listing = await describeIphone(s.usbmux, device, { dataDir: options.dataDir });
    // Unplugged while it was asked, or the watch stopped: nothing to tell.
    if (s.over || closed || !s.handles.has(device.deviceId)) return;
    s.told.add(device.udid);
    options.onAppeared(listing);
  };

  const ended = (s: Session, error?: Error) => {
    if (s.over) return;
    s.over = true;
    if (session === s) session = undefined;
    listening = undefined;
    if (closed) return;
    for (const udid of s.told) options.onGone(`iphone:${udid}`);
    s.told.clear();
    problem(`iPhones: usbmuxd stopped answering${error ? ` (${error.message})` : ''}; asking again every few seconds.`);
    retryLater();
  };

  const attempt = async (): Promise<void> => {
    timer = undefined;
    if (closed) return;
    // No socket file: no Apple stack on this computer (yet). A stat, not a connection, each time.
    if (!usbmuxMayBeThere(address)) {
      problem('iPhones: no usbmuxd on this computer yet; asking again every few seconds.');
      retryLater();
      return;
    }
    const s: Session = { usbmux: new UsbmuxClient(address), handles: new Map(), told: new Set(), queue: Promise.resolve(), over: false };
    try {
      listening = await s.usbmux.listen(
        (event) => enqueue(s, event),
        (error) => ended(s, error ?? new Error('the connection closed')),
      );
    } catch (error) {
      s.over = true;
      problem(`iPhones: ${(error as Error).message}`);
      retryLater();
      return;
    }
    if (closed) {
      s.over = true;
      listening.close();
      return;
    }
    session = s;
    lastProblem = undefined;
    // Listen tells the phones already attached too, but not when it is done: ListDevices gives
    // the same list as one answer, so the first look can be waited for.
    try {
      for (const device of await s.usbmux.listDevices()) enqueue(s, { type: 'attached', device });
    } catch {
      // Listen alone still tells them, only later.
    }
    await s.queue;
  };

  const ready = attempt().catch(() => undefined);
  return {
    ready,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      if (session) session.over = true;
      listening?.close();
    },
  };
}
