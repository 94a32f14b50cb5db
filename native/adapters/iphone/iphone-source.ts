import { Readable } from 'node:stream';
import { AfcConnectionError, type AfcClient } from '../../protocols/afc/afc-client.ts';
import { optionalString } from '../../protocols/usbmux/plist-xml.ts';
import type { Contact } from '../../model/contact.ts';
import type { DeviceIdentity } from '../../model/device.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia } from '../../model/media.ts';
import type { DeviceSource } from '../device-source.ts';
import { SourceLostError } from '../errors.ts';
import { connectIphone, type IphoneConnectOptions, type IphoneConnection } from './iphone-connect.ts';

/** Why a live iPhone gives no contacts or calendar, and what to do instead. */
export const IPHONE_RECORDS_HINT = 'contacts and calendar: make a backup in Finder/iTunes, then use --backup';

export const APPLE_VENDOR_ID = 0x05ac;

/** Folders deeper than this under DCIM are not a camera's (DCIM is two levels: 100APPLE/IMG_0001.HEIC). */
const MAX_DEPTH = 8;

export async function openIphoneSource(options: IphoneConnectOptions & { label?: string }): Promise<DeviceSource> {
  return iphoneSource(await connectIphone(options), options.label);
}

/**
 * A live iPhone as a DeviceSource: who it is and its battery from lockdown, its photos and
 * videos from AFC's /DCIM. Contacts and calendar live outside AFC's reach (HomeDomain), so a
 * live phone gives none and says where to get them: a computer backup.
 */
export function iphoneSource(connection: IphoneConnection, label?: string): DeviceSource {
  const { values, afc } = connection;
  const name = optionalString(values, 'DeviceName') ?? 'iPhone';
  return {
    description: label ?? `iPhone "${name}" (UDID ${connection.device.udid}) through usbmuxd`,
    async identity(): Promise<DeviceIdentity> {
      const extra: NonNullable<DeviceIdentity['extra']> = { udid: connection.device.udid };
      for (const [key, field] of [
        ['deviceName', 'DeviceName'],
        ['productType', 'ProductType'],
        ['iosVersion', 'ProductVersion'],
        ['buildVersion', 'BuildVersion'],
      ] as const) {
        const value = optionalString(values, field);
        if (value !== undefined) extra[key] = value;
      }
      return {
        transport: 'iphone',
        vendorId: APPLE_VENDOR_ID,
        productId: connection.device.productId,
        manufacturer: 'Apple',
        model: optionalString(values, 'ProductType') ?? 'iPhone',
        // The hardware serial, as a computer backup's Info.plist gives it: one phone, one vault entry.
        serial: optionalString(values, 'SerialNumber') ?? connection.device.udid,
        battery: connection.battery,
        extra,
      };
    },
    contacts(onSkip?: (reason: string) => void): AsyncIterable<Contact> {
      return nothingBut(() => onSkip?.(`a live iPhone gives no ${IPHONE_RECORDS_HINT}`));
    },
    calendarEvents(onSkip?: (reason: string) => void): AsyncIterable<CalendarEvent> {
      return nothingBut(() => onSkip?.(`a live iPhone gives no ${IPHONE_RECORDS_HINT}`));
    },
    media: () => walkDcim(afc),
    openMedia: (entry, fromOffset = 0) => openAfcFile(afc, entry, fromOffset),
    async close() {
      connection.close();
    },
  };
}

async function* nothingBut<T>(tell: () => void): AsyncGenerator<T> {
  tell();
}

/** Every regular file under /DCIM, folders first-come; links are not followed, odd names not used. */
async function* walkDcim(afc: AfcClient): AsyncGenerator<FoundMedia> {
  const folders: { path: string; depth: number }[] = [{ path: 'DCIM', depth: 0 }];
  while (folders.length > 0) {
    const folder = folders.shift()!;
    let names: string[];
    try {
      names = await afc.readDirectory(`/${folder.path}`);
    } catch (error) {
      if (error instanceof AfcConnectionError) throw new SourceLostError(error.message);
      if (folder.depth === 0) return; // no DCIM: a phone that never took a photo
      continue;
    }
    for (const name of names.sort()) {
      if (name === '' || name.includes('/') || name === '.' || name === '..' || /[\u0000]/.test(name)) continue;
      const path = `${folder.path}/${name}`;
      let info;
      try {
        info = await afc.fileInfo(`/${path}`);
      } catch (error) {
        if (error instanceof AfcConnectionError) throw new SourceLostError(error.message);
        continue; // gone since the listing
      }
      if (info.type === 'S_IFDIR') {
        if (folder.depth + 1 < MAX_DEPTH) folders.push({ path, depth: folder.depth + 1 });
      } else if (info.type === 'S_IFREG') {
        yield { path, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
  }
}

/**
 * A file's bytes from `fromOffset` on (AFC seeks, so a cut-off file resumes where it stopped),
 * one request at a time. A file may not outgrow its listed size by more than max(size, 16 MiB):
 * a phone that keeps sending is cut off.
 */
async function openAfcFile(afc: AfcClient, entry: FoundMedia, fromOffset: number): Promise<Readable> {
  let handle: bigint;
  try {
    handle = await afc.openForReading(`/${entry.path}`);
    if (fromOffset > 0) await afc.seek(handle, fromOffset);
  } catch (error) {
    throw error instanceof AfcConnectionError ? new SourceLostError(error.message) : error;
  }
  const limit = entry.size + Math.max(entry.size, 16 * 1024 * 1024);
  async function* chunks(): AsyncGenerator<Buffer> {
    let position = fromOffset;
    let closed = false;
    try {
      for (;;) {
        const chunk = await afc.read(handle);
        if (chunk.length === 0) break;
        position += chunk.length;
        if (position > limit) throw new Error(`the phone went on sending ${entry.path} past ${limit} bytes, though it listed the file as ${entry.size} bytes`);
        yield chunk;
      }
      closed = true;
      await afc.close(handle);
    } catch (error) {
      throw error instanceof AfcConnectionError ? new SourceLostError(error.message) : error;
    } finally {
      if (!closed) await afc.close(handle).catch(() => undefined);
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}
