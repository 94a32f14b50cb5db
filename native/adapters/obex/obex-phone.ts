/**
 * A feature phone read over an OBEX link: contacts (IrMC telecom/pb.vcf) and calendar
 * (telecom/cal.vcs) through the IrMC sync service, who it is (telecom/devinfo.txt), and pictures
 * found by walking the Folder Browsing service, each read as a stream.
 *
 * The link is any byte duplex that already speaks OBEX (a serial port after AT+CPROT=0, a USB
 * CDC OBEX interface); it stays the caller's. One OBEX connection is open at a time: switching
 * between IrMC and Folder Browsing is DISCONNECT + CONNECT on the same link, as Gammu does.
 * Read-only by construction (native/protocols/obex/obex-allowlist.ts). Adapters never write files.
 *
 * Errors: a phone that breaks the protocol, goes silent or away is SourceLostError (the rescue
 * stops, says "reconnect and run again", and resumes later); an object the phone refuses or gives
 * wrong is skipped with the reason.
 */
import { Readable, type Duplex } from 'node:stream';
import type { Contact } from '../../model/contact.ts';
import type { CalendarEvent } from '../../model/event.ts';
import type { FoundMedia } from '../../model/media.ts';
import { ObexClient, type ObexClientOptions } from '../../protocols/obex/obex-client.ts';
import { Response, TARGET_FOLDER_BROWSING, TARGET_IRMC_SYNC } from '../../protocols/obex/obex-codes.ts';
import { ObexResponseError, isConnectionFatal } from '../../protocols/obex/obex-errors.ts';
import { FolderListingError, nameProblem, parseFolderListing } from '../../protocols/obex/obex-folder-listing.ts';
import { readVCalendar } from '../../readers/vcalendar-reader.ts';
import { readVCards } from '../../readers/vcard-reader.ts';
import { SourceLostError } from '../errors.ts';
import { parseDevInfo, type IrmcDeviceInfo } from './irmc-devinfo.ts';

export interface ObexPhoneOptions extends ObexClientOptions {
  /** Largest phonebook or calendar object read (they are parsed in memory). Default 32 MiB. */
  readonly maxPimBytes?: number;
  /** Largest folder listing read. Default 2 MiB. */
  readonly maxListingBytes?: number;
  /** Largest picture or video read. Default 4 GiB. */
  readonly maxMediaBytes?: number;
  /** Deepest folder level walked below the root. Default 12. */
  readonly maxDepth?: number;
  /** Most files and folders walked in all. Default 100,000. */
  readonly maxEntries?: number;
  /**
   * Called before a CONNECT that follows a DISCONNECT on this link. A phone on a serial line goes
   * back to AT commands after DISCONNECT (gammu counts on it too), so its line must be switched to
   * OBEX again (AT+CPROT=0) before the next connection. Without it, CONNECT follows at once.
   */
  readonly reconnectLine?: () => Promise<void>;
}

export interface ObexPhone {
  /** telecom/devinfo.txt, or undefined when the phone has none. */
  deviceInfo(): Promise<IrmcDeviceInfo | undefined>;
  contacts(onSkip?: (reason: string) => void): AsyncIterable<Contact>;
  calendarEvents(onSkip?: (reason: string) => void): AsyncIterable<CalendarEvent>;
  /** Files of the Folder Browsing tree that may be photos or videos; the rescue sniffs their first bytes. */
  media(onSkip?: (reason: string) => void): AsyncIterable<FoundMedia>;
  /** The file's bytes as a stream. OBEX cannot start a GET at an offset: the bytes before `fromOffset` are read and dropped. */
  openMedia(entry: FoundMedia, fromOffset?: number): Promise<Readable>;
  /** DISCONNECT; the link stays open (it is the caller's). */
  close(): Promise<void>;
}

export const IRMC_PHONEBOOK = 'telecom/pb.vcf';
export const IRMC_CALENDAR = 'telecom/cal.vcs';
export const IRMC_DEVINFO = 'telecom/devinfo.txt';

/** Extensions that are surely not photos or videos: not worth a GET to look at their first bytes. */
const NOT_MEDIA = /\.(vcf|vcs|ics|vnt|txt|log|xml|jar|jad|sis|sisx|mid|midi|mp3|amr|aac|m4a|wav|wma|ogg|imy|mmf|ott|nrt|html?|wml|thm|db|dat|ini|cfg)$/i;

type Service = 'irmc' | 'inbox' | 'browsing';

export function openObexPhone(link: Duplex, options: ObexPhoneOptions = {}): ObexPhone {
  const maxPim = options.maxPimBytes ?? 32 * 1024 * 1024;
  const maxListing = options.maxListingBytes ?? 2 * 1024 * 1024;
  const maxMedia = options.maxMediaBytes ?? 4 * 1024 * 1024 * 1024;
  const maxDepth = options.maxDepth ?? 12;
  const maxEntries = options.maxEntries ?? 100_000;
  let current: { service: Service; client: ObexClient } | undefined;
  let lost: SourceLostError | undefined;
  /** Whether the phone refused IRMC-SYNC (then IrMC objects are asked of its default inbox). */
  let irmcRefused = false;
  let walk: Promise<FoundMedia[]> | undefined;
  let closed = false;
  /** Whether the last connection was ended with DISCONNECT (the line may need switching again). */
  let disconnected = false;
  /** One picture read at a time: its SETPATHs and GET must not interleave with another's. */
  let mediaTurn: Promise<void> = Promise.resolve();

  const asLost = (error: unknown, what: string): SourceLostError | undefined => {
    if (error instanceof SourceLostError) return error;
    if (!isConnectionFatal(error)) return undefined;
    lost ??= new SourceLostError(`the phone stopped answering over OBEX while ${what} (${(error as Error).message}); unplug it, plug it in again and run the same command again`);
    return lost;
  };

  async function session(wanted: 'irmc' | 'browsing'): Promise<ObexClient> {
    if (lost) throw lost;
    if (closed) throw new Error('the OBEX phone is closed');
    const service: Service = wanted === 'irmc' && irmcRefused ? 'inbox' : wanted;
    if (current?.service === service) return current.client;
    if (current) {
      const old = current.client;
      current = undefined;
      await old.disconnect();
      disconnected = true;
    }
    if (disconnected && options.reconnectLine) {
      await options.reconnectLine();
      disconnected = false;
    }
    if (service === 'irmc') {
      try {
        current = { service, client: await ObexClient.connect(link, TARGET_IRMC_SYNC, options) };
        return current.client;
      } catch (error) {
        if (!(error instanceof ObexResponseError)) throw error;
        // Some phones serve telecom/* on their default inbox only.
        irmcRefused = true;
        return session('irmc');
      }
    }
    current = { service, client: await ObexClient.connect(link, service === 'browsing' ? TARGET_FOLDER_BROWSING : undefined, options) };
    return current.client;
  }

  /** An IrMC object whole, or undefined when the phone has none (Not Found and the like). */
  async function irmcObject(name: string, onSkip?: (reason: string) => void): Promise<Uint8Array | undefined> {
    try {
      const client = await session('irmc');
      return await client.getAll({ name }, { maxBytes: maxPim });
    } catch (error) {
      const fatal = asLost(error, `reading ${name}`);
      if (fatal) throw fatal;
      if (error instanceof ObexResponseError && (error.code === Response.NotFound || error.code === Response.Forbidden || error.code === Response.ServiceUnavailable)) {
        onSkip?.(`the phone offers no ${name} (${(error as Error).message})`);
        return undefined;
      }
      onSkip?.(`${name} could not be read: ${(error as Error).message}`);
      return undefined;
    }
  }

  async function listHere(client: ObexClient, where: string, onSkip?: (reason: string) => void) {
    const bytes = await client.listFolder(maxListing);
    try {
      const listing = parseFolderListing(bytes);
      for (const r of listing.refused) onSkip?.(`${where}${r.shownName || '(no name)'}: refused, ${r.reason}`);
      return listing.entries;
    } catch (error) {
      if (error instanceof FolderListingError) {
        onSkip?.(`the listing of ${where || '/'} could not be read: ${error.message}`);
        return [];
      }
      throw error;
    }
  }

  async function walkTree(onSkip?: (reason: string) => void): Promise<FoundMedia[]> {
    const client = await session('browsing');
    await client.setPathRoot();
    const found: FoundMedia[] = [];
    let seen = 0;
    const visit = async (segments: string[]): Promise<void> => {
      const where = segments.map((s) => `${s}/`).join('');
      let entries;
      try {
        entries = await listHere(client, where, onSkip);
      } catch (error) {
        if (isConnectionFatal(error)) throw error;
        onSkip?.(`the folder ${where || '/'} could not be listed: ${(error as Error).message}`);
        return;
      }
      for (const entry of entries) {
        if (++seen > maxEntries) throw new Error(`the phone lists more than ${maxEntries} files and folders`);
        const where2 = `${where}${entry.name}`;
        if (entry.kind === 'folder') {
          if (segments.length + 1 > maxDepth) {
            onSkip?.(`${where2}/ is deeper than ${maxDepth} folders: not walked`);
            continue;
          }
          try {
            await client.setPathDown(entry.name);
          } catch (error) {
            if (isConnectionFatal(error)) throw error;
            onSkip?.(`${where2}/ could not be entered: ${(error as Error).message}`);
            continue;
          }
          await visit([...segments, entry.name]);
          await client.setPathUp();
        } else if (!NOT_MEDIA.test(entry.name)) {
          const size = entry.size ?? (await lengthOf(client, entry.name));
          if (size === undefined) {
            onSkip?.(`${where2}: the phone tells neither in its listing nor in its answer how big it is; left out`);
            continue;
          }
          found.push({ path: where2, size, mtimeMs: entry.modifiedMs ?? 0 });
        }
      }
    };
    await visit([]);
    return found;
  }

  /** The Length the phone announces for a file, read from the first answer of a GET that is then aborted. */
  async function lengthOf(client: ObexClient, name: string): Promise<number | undefined> {
    const get = client.get({ name }, { maxBytes: maxMedia });
    const iterator = get[Symbol.asyncIterator]();
    try {
      await iterator.next();
      return get.announcedLength;
    } finally {
      await iterator.return?.();
    }
  }

  async function* readMedia(entry: FoundMedia, fromOffset: number): AsyncGenerator<Uint8Array> {
    const segments = entry.path.split('/');
    const name = segments.pop()!;
    let skip = fromOffset;
    const previous = mediaTurn;
    let done!: () => void;
    mediaTurn = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      if ([...segments, name].some((s) => nameProblem(s) !== undefined)) throw new Error(`${entry.path} is not a path Lifeboat reads`);
      const client = await session('browsing');
      await client.setPathRoot();
      for (const s of segments) await client.setPathDown(s);
      for await (const chunk of client.get({ name }, { maxBytes: maxMedia })) {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          continue;
        }
        yield skip > 0 ? chunk.subarray(skip) : chunk;
        skip = 0;
      }
    } catch (error) {
      throw asLost(error, `reading ${entry.path}`) ?? error;
    } finally {
      done();
    }
  }

  return {
    async deviceInfo() {
      const bytes = await irmcObject(IRMC_DEVINFO);
      return bytes ? parseDevInfo(bytes) : undefined;
    },
    contacts(onSkip) {
      return (async function* () {
        const bytes = await irmcObject(IRMC_PHONEBOOK, onSkip);
        if (bytes) yield* readVCards(bytes, { sourceKeyPrefix: IRMC_PHONEBOOK });
      })();
    },
    calendarEvents(onSkip) {
      return (async function* () {
        const bytes = await irmcObject(IRMC_CALENDAR, onSkip);
        if (bytes) yield* readVCalendar(bytes, { sourceKeyPrefix: IRMC_CALENDAR, calendarName: 'Phone calendar', onSkip });
      })();
    },
    media(onSkip) {
      return (async function* () {
        walk ??= walkTree(onSkip).catch((error: unknown) => {
          walk = undefined;
          throw asLost(error, 'walking the phone’s folders') ?? error;
        });
        yield* await walk;
      })();
    },
    async openMedia(entry, fromOffset = 0) {
      if (!Number.isSafeInteger(fromOffset) || fromOffset < 0) throw new RangeError(`fromOffset must be a whole number >= 0, got ${fromOffset}`);
      if (lost) throw lost;
      return Readable.from(readMedia(entry, fromOffset), { objectMode: false, highWaterMark: 64 * 1024 });
    },
    async close() {
      if (closed) return;
      closed = true;
      const c = current;
      current = undefined;
      try {
        await c?.client.disconnect();
        if (c) disconnected = true;
      } catch (error) {
        // A phone that is gone cannot be told goodbye; anything else is worth hearing about.
        if (!isConnectionFatal(error)) throw error;
      }
    },
  };
}
