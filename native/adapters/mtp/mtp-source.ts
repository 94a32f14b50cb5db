/**
 * A phone over MTP or PTP, as a DeviceSource: photos and videos from its storages, contacts and
 * calendar from the vCard and vCalendar objects some phones offer (feature phones, Windows Phone),
 * who the phone is from DeviceInfo, and its battery level (property 0x5001) when it offers one.
 *
 * Read-only by construction: the session can send only the operations of mtp-allowlist.ts.
 * The storage is walked once (mtp-walk.ts) and the listing shared by the three streams.
 * Errors: a phone gone (cable, stall) is SourceLostError, so the rescue stops with "reconnect and
 * run again" and resumes later; an object the phone will not give, or gives wrong, fails that
 * object only (the rescue skips it and says why).
 */
import { Readable } from 'node:stream';
import type { Contact } from '../../model/contact.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia } from '../../model/media.ts';
import { Format } from '../../protocols/mtp/mtp-codes.ts';
import { MtpSessionDeadError } from '../../protocols/mtp/mtp-errors.ts';
import { MtpSession, type MtpSessionOptions } from '../../protocols/mtp/mtp-session.ts';
import { SNIFF_BYTES, sniffMediaType } from '../../readers/media-type.ts';
import { readVCalendar } from '../../readers/vcalendar-reader.ts';
import { readVCards } from '../../readers/vcard-reader.ts';
import type { UsbDevice } from '../../usb/usb-device.ts';
import { UsbAbortedError, UsbAccessDeniedError, UsbBusyError, UsbDisconnectedError } from '../../usb/usb-errors.ts';
import type { Category } from '../../rescue/categories.ts';
import type { DeviceSource } from '../device-source.ts';
import { BadInputError, SourceLostError } from '../errors.ts';
import { ICLOUD_PHOTOS_NOTE, icloudPhotosOn, isApplePhone, needsOwnerError, readinessOf, waitForStorage } from './iphone-trust.ts';
import { walkMtpStorages, type WalkedObject, type WalkItem } from './mtp-walk.ts';

export interface MtpSourceOptions extends MtpSessionOptions {
  /** For people, e.g. "simulated Nokia 6300"; the serial is added. */
  readonly label?: string;
  /**
   * How long a phone that shows no storage yet (an iPhone before "Trust", a locked phone) is
   * given before the run ends with what the owner must do (PhoneNeedsOwnerError). Default 10 s.
   */
  readonly ownerWaitMs?: number;
  /** Told once while waiting for the owner (e.g. printed by the CLI). */
  readonly onWaitingForOwner?: (message: string) => void;
}

/** Largest contacts or calendar object read whole (they are parsed in memory). */
const MAX_PIM_OBJECT_BYTES = 64 * 1024 * 1024;
const REFUSED_MEDIA_TYPE = 'application/x-lifeboat-refused';

/** Opens an MTP session on `device` and gives the phone as a DeviceSource. */
export async function openMtpSource(device: UsbDevice, options: MtpSourceOptions = {}): Promise<DeviceSource> {
  let session: MtpSession;
  try {
    session = await MtpSession.open(device, options);
  } catch (error) {
    // Held by another program or a kernel driver, or not ours to open: what to do, not a crash.
    if (error instanceof UsbBusyError || error instanceof UsbAccessDeniedError) throw new BadInputError(error.message, { cause: error });
    throw asLost(error, 'opening the MTP session') ?? error;
  }
  // A phone that lists no storage would "rescue" nothing without a word: wait for its owner,
  // then say what to do.
  try {
    const readiness = await waitForStorage(session, { waitMs: options.ownerWaitMs ?? 10_000, onWaiting: options.onWaitingForOwner });
    if (readiness !== 'ready') throw needsOwnerError(session, readiness);
  } catch (error) {
    await session.close();
    throw asLost(error, 'listing the phone’s storages') ?? error;
  }
  const info = session.deviceInfo;
  const name = `MTP ${options.label ?? `${info.manufacturer} ${info.model}`.trim()} (serial ${info.serialNumber || device.serialNumber || 'unknown'})`;

  let listing: Promise<WalkItem[]> | undefined;
  const byPath = new Map<string, WalkItem>();
  /** The walk, once: the three streams share it. Only objects to rescue are kept. */
  const list = (): Promise<WalkItem[]> => {
    listing ??= (async () => {
      const items: WalkItem[] = [];
      try {
        for await (const item of walkMtpStorages(session)) {
          items.push(item);
          byPath.set(item.path, item);
        }
      } catch (error) {
        listing = undefined; // a later call may try again (after a reconnect it is a new source anyway)
        throw asLost(error, 'listing the phone’s storage') ?? error;
      }
      return items;
    })();
    return listing;
  };

  const readWhole = async (object: WalkedObject): Promise<Uint8Array> => {
    if (object.size > MAX_PIM_OBJECT_BYTES) throw new Error(`${object.path} is ${object.size} bytes; contacts and calendar files over ${MAX_PIM_OBJECT_BYTES} bytes are not read`);
    const parts: Uint8Array[] = [];
    for await (const chunk of session.readObject(object.handle, object.size)) parts.push(chunk as Uint8Array);
    return Buffer.concat(parts);
  };

  async function* pim<T>(category: 'contacts' | 'calendar', parse: (bytes: Uint8Array, object: WalkedObject) => T[], onSkip?: (reason: string) => void): AsyncGenerator<T> {
    for (const item of await list()) {
      if (item.type !== 'object' || item.kind.category !== category) continue;
      let bytes: Uint8Array;
      try {
        bytes = await readWhole(item);
      } catch (error) {
        const lost = asLost(error, `reading ${item.path}`);
        if (lost) throw lost;
        onSkip?.(`${item.path} could not be read: ${(error as Error).message}`);
        continue;
      }
      yield* parse(bytes, item);
    }
  }

  return {
    description: name,
    identity(): Promise<DeviceIdentity> {
      return identityOf(session, device);
    },
    contacts(): AsyncIterable<Contact> {
      return pim('contacts', (bytes, object) => readVCards(bytes, { sourceKeyPrefix: object.path }));
    },
    calendarEvents(onSkip?: (reason: string) => void): AsyncIterable<CalendarEvent> {
      return pim('calendar', (bytes, object) => readVCalendar(bytes, { sourceKeyPrefix: object.path, calendarName: calendarNameOf(object.path), onSkip }), onSkip);
    },
    media(): AsyncIterable<FoundMedia> {
      return (async function* () {
        for (const item of await list()) {
          if (item.type === 'refused') {
            yield { path: item.path, size: 0, mtimeMs: 0, mediaType: REFUSED_MEDIA_TYPE, kind: 'photo' as const };
          } else if (item.kind.category === 'media') {
            const typed = item.kind.kind === undefined ? {} : { mediaType: item.kind.mediaType, kind: item.kind.kind };
            yield { path: item.path, size: item.size, mtimeMs: item.mtimeMs, ...typed };
          }
        }
      })();
    },
    async openMedia(entry: FoundMedia, fromOffset = 0): Promise<Readable> {
      if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) throw new RangeError(`fromOffset must be a whole number >= 0, got ${fromOffset}`);
      await list();
      const item = byPath.get(entry.path);
      if (!item) throw new Error(`${entry.path} is not on this phone (anymore)`);
      if (item.type === 'refused') throw new Error(`refused: ${item.reason}`);
      if (session.deadReason) throw asLost(session.deadReason, `reading ${entry.path}`) ?? session.deadReason;
      const stream = session.readObject(item.handle, item.size, fromOffset);
      return Readable.from(checked(stream, item, fromOffset), { objectMode: false, highWaterMark: 256 * 1024 });
    },
    async close(): Promise<void> {
      await session.close();
    },
  };
}

/**
 * The object's bytes, with two checks: a photo or video must look like one (the listing trusted
 * the format and the name), and errors become what the rescue needs: SourceLostError when the
 * phone is gone, a plain Error for this object only.
 */
async function* checked(stream: Readable, item: WalkedObject, fromOffset: number): AsyncGenerator<Uint8Array> {
  // An untyped object is not checked here: the rescue decides on these same first bytes.
  let head: Buffer | undefined = fromOffset === 0 && item.kind.category === 'media' && item.kind.kind !== undefined ? Buffer.alloc(0) : undefined;
  const held: Uint8Array[] = [];
  try {
    for await (const chunk of stream) {
      const bytes = chunk as Uint8Array;
      if (head !== undefined) {
        head = Buffer.concat([head, bytes.subarray(0, SNIFF_BYTES - head.length)]);
        held.push(bytes);
        if (head.length < SNIFF_BYTES && head.length < item.size) continue;
        if (!sniffMediaType(head, item.path)) {
          throw new Error(`its content is not a photo or video, although the phone lists it as one (${describeFormat(item)})`);
        }
        head = undefined;
        yield* held.splice(0);
        continue;
      }
      yield bytes;
    }
    if (head !== undefined && !sniffMediaType(head, item.path)) throw new Error('its content is not a photo or video');
    yield* held.splice(0);
  } catch (error) {
    throw asLost(error, `reading ${item.path}`) ?? error;
  } finally {
    stream.destroy();
  }
}

function describeFormat(item: WalkedObject): string {
  return item.kind.category === 'media' ? (item.kind.mediaType ?? 'format undefined') : item.kind.category;
}

/** The error as SourceLostError when it means the phone is gone; undefined when it concerns one object. */
function asLost(error: unknown, what: string): SourceLostError | undefined {
  if (error instanceof SourceLostError) return error;
  if (error instanceof UsbDisconnectedError || error instanceof UsbAbortedError) {
    return new SourceLostError(`the phone was disconnected while ${what}; reconnect it and run the same command again`);
  }
  if (error instanceof MtpSessionDeadError) {
    return new SourceLostError(`${error.message}; unplug the phone, plug it in again (unlocked) and run the same command again`);
  }
  return undefined;
}

/** "Calendar/work.ics" → "work". */
function calendarNameOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

export interface MtpProbe {
  identity: DeviceIdentity;
  /** ready, or needs-trust: the phone shows no storage until its owner unlocks it (and taps Trust on an iPhone). */
  state: 'ready' | 'needs-trust';
  rescuable: Category[];
  hint?: string;
}

/**
 * Who an MTP/PTP phone is and what can be rescued through MTP, for `devices`. An Android phone
 * offers photos only over MTP (its contacts and calendar need ADB); a phone that lists vCard or
 * vCalendar among its formats offers those too.
 */
export async function probeMtpDevice(device: UsbDevice, options: MtpSessionOptions = {}): Promise<MtpProbe> {
  let session: MtpSession;
  try {
    session = await MtpSession.open(device, options);
  } catch (error) {
    throw asLost(error, 'opening the MTP session') ?? error;
  }
  try {
    const identity = await identityOf(session, device);
    const info = session.deviceInfo;
    const readiness = readinessOf(await session.storageIds());
    if (readiness !== 'ready') return { identity, state: 'needs-trust', rescuable: [], hint: needsOwnerError(session, readiness).message };
    if (isApplePhone(session)) {
      const note = icloudPhotosOn(info.vendorExtensionDesc) ? `; ${ICLOUD_PHOTOS_NOTE}` : '';
      return { identity, state: 'ready', rescuable: ['photos'], hint: `photos and videos only over this cable; an iPhone's contacts and calendar come from its backup on a computer${note}` };
    }
    if (/android\.com/i.test(info.vendorExtensionDesc)) {
      return { identity, state: 'ready', rescuable: ['photos'], hint: 'photos only: turn on USB debugging for contacts and calendar' };
    }
    const formats = info.playbackFormats;
    const rescuable: Category[] = [];
    if (formats.includes(Format.vCard2) || formats.includes(Format.vCard3)) rescuable.push('contacts');
    if (formats.includes(Format.vCalendar1) || formats.includes(Format.vCalendar2)) rescuable.push('calendar');
    rescuable.push('photos');
    if (rescuable.length === 1) return { identity, state: 'ready', rescuable, hint: 'photos only: this phone offers no contacts or calendar over MTP' };
    return { identity, state: 'ready', rescuable };
  } finally {
    await session.close();
  }
}

/** Who the phone is: DeviceInfo's names, the USB ids, and the battery when the phone offers it. */
async function identityOf(session: MtpSession, device: UsbDevice): Promise<DeviceIdentity> {
  let battery: number | null;
  try {
    battery = await session.batteryLevel();
  } catch (error) {
    throw asLost(error, 'reading the battery level') ?? error;
  }
  const info = session.deviceInfo;
  const apple = isApplePhone(session);
  // iOS names itself "Apple iPhone" in DeviceInfo; beside the manufacturer "Apple Inc." that says Apple twice.
  const model = apple ? info.model.replace(/^Apple\s+/, '') : info.model;
  return {
    transport: 'mtp',
    vendorId: device.vendorId,
    productId: device.productId,
    manufacturer: info.manufacturer || device.manufacturerName || 'unknown',
    model: model || device.productName || 'unknown',
    serial: info.serialNumber || device.serialNumber || '',
    battery,
    extra: {
      mtpVendorExtension: info.vendorExtensionDesc,
      deviceVersion: info.deviceVersion,
      ...(apple ? { ptp: 'iphone', icloudPhotos: icloudPhotosOn(info.vendorExtensionDesc) } : {}),
    },
  };
}
