import type { Readable } from 'node:stream';
import type { Adb } from '@yume-chan/adb';
import type { Contact } from '../../model/contact.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia } from '../../model/media.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { readAdbCalendar } from './adb-calendar.ts';
import { readAdbContacts } from './adb-contacts.ts';
import { readAdbIdentity, type UsbIds } from './adb-identity.ts';
import { isFileRefusal, openAdbMedia, walkAdbMedia } from './adb-media.ts';
import { Heartbeat, withStallLimit } from './stall-watchdog.ts';
import { protocolViolationOf } from './packet-guard.ts';
import { SyncPool } from './sync-pool.ts';

/**
 * A phone reached over ADB (adb-connect.ts), as a DeviceSource. Read-only by construction: only
 * `getprop`, `dumpsys battery`, `content query` and the sync service's STAT/LIST/RECV are used.
 *
 * A connection that dies (cable pulled, phone rebooted, adbd killed) becomes SourceLostError
 * wherever it is noticed, so the rescue stops with "reconnect and run again" and resumes later.
 */
export interface AdbSourceDescription {
  /** For people, e.g. "Pixel 7 over USB"; the serial is added. */
  label?: string;
  /** The USB ids when the phone is on USB; 0 and 0 over TCP. */
  usb?: UsbIds;
  /** How long one step (a row, a chunk, a listing) may take before the phone counts as gone. Default 30 s. */
  stallTimeoutMs?: number;
}

export function openAdbSource(adb: Adb, description: AdbSourceDescription = {}): DeviceSource {
  let closed = false;
  let lost = false;
  const disconnected = adb.disconnected.then(
    () => {
      if (!closed) lost = true;
    },
    () => {
      if (!closed) lost = true;
    },
  );
  const syncPool = new SyncPool(adb);
  const name = `ADB ${description.label ?? adb.banner.model ?? 'phone'} (serial ${adb.serial})`;

  /** Whether the connection is gone; a failure is often noticed a moment before the disconnect. */
  const isLost = async (): Promise<boolean> => {
    if (lost) return true;
    await Promise.race([disconnected, new Promise((resolve) => setTimeout(resolve, 200).unref())]);
    return lost;
  };
  const lostError = (what: string, error?: unknown) => {
    const violation = protocolViolationOf(adb);
    return violation
      ? new SourceLostError(
          `${violation.message}, while ${what}; Lifeboat closed the connection. What was saved before is safe; unplug the phone, restart it and run again`,
        )
      : new SourceLostError(`the connection to the phone was lost while ${what}${error instanceof Error ? ` (${error.message})` : ''}; reconnect it and run again`);
  };

  /** The error to throw for a failure met while doing `what`. */
  const failure = async (error: unknown, what: string): Promise<unknown> => {
    if (error instanceof SourceLostError || error instanceof BadInputError) return error;
    if (await isLost()) return lostError(what, error);
    return error;
  };

  const stallLimitMs = description.stallTimeoutMs ?? 30_000;
  /** A phone that stopped answering: drop the connection (every pending read then fails) and say so. */
  const stalled = (what: string) => async (): Promise<unknown> => {
    lost = true;
    await adb.close().catch(() => undefined);
    if (protocolViolationOf(adb)) return lostError(what);
    return new SourceLostError(
      `the phone stopped answering while ${what} (nothing for ${Math.round(stallLimitMs / 1000)} s); unplug it, plug it in again and run again`,
    );
  };
  const watch = <T>(what: string, items: AsyncIterable<T>, heartbeat?: Heartbeat) =>
    withStallLimit(items, stallLimitMs, stalled(what), heartbeat, {
      promise: disconnected.then(() => {
        if (!lost) return new Promise(() => undefined); // closed by us: not a lost phone
        return undefined;
      }),
      error: () => lostError(what),
    });
  /** One awaited step under the same limit. */
  const within = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    for await (const value of watch(what, (async function* () {
      yield await step();
    })())) {
      return value;
    }
    throw new Error(`${what}: no result`);
  };

  async function* guarded<T>(what: string, make: (heartbeat: Heartbeat) => AsyncIterable<T>): AsyncGenerator<T> {
    ensureOpen();
    const heartbeat = new Heartbeat();
    try {
      yield* watch(what, make(heartbeat), heartbeat);
    } catch (error) {
      throw await failure(error, what);
    }
  }

  const ensureOpen = () => {
    if (closed) throw new Error(`${name} is closed`);
    if (lost) throw lostError('starting to read');
  };

  return {
    description: name,
    async identity(): Promise<DeviceIdentity> {
      ensureOpen();
      try {
        return await within('reading who the phone is', () => readAdbIdentity(adb, description.usb ?? { vendorId: 0, productId: 0 }));
      } catch (error) {
        throw await failure(error, 'reading who the phone is');
      }
    },
    contacts(onSkip?: (reason: string) => void): AsyncIterable<Contact> {
      return guarded('reading contacts', () => readAdbContacts(adb, onSkip));
    },
    calendarEvents(onSkip?: (reason: string) => void): AsyncIterable<CalendarEvent> {
      return guarded('reading the calendar', (heartbeat) => readAdbCalendar(adb, onSkip, heartbeat));
    },
    media(): AsyncIterable<FoundMedia> {
      return guarded('listing photos and videos', (heartbeat) =>
        walkAdbMedia(
          adb,
          async (error) => {
            if (isFileRefusal(error)) return undefined;
            return failure(error, 'listing photos and videos');
          },
          heartbeat,
        ),
      );
    },
    async openMedia(entry: FoundMedia, fromOffset = 0): Promise<Readable> {
      ensureOpen();
      if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) throw new RangeError(`fromOffset must be a whole number >= 0, got ${fromOffset}`);
      try {
        const what = `reading ${entry.path}`;
        return await within(what, () => openAdbMedia(syncPool, entry, fromOffset, (error) => failure(error, what), (chunks) => watch(what, chunks)));
      } catch (error) {
        throw await failure(error, `reading ${entry.path}`);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await syncPool.close();
      await adb.close().catch(() => undefined);
    },
  };
}
