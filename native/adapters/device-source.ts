import type { Readable } from 'node:stream';
import type { Contact } from '../model/contact.ts';
import type { DeviceIdentity } from '../model/device.ts';
import type { CalendarEvent } from '../model/event.ts';
import type { FoundMedia } from '../model/media.ts';

/**
 * What every phone family offers the rescue engine: who the phone is, and three streams to read.
 * Read-only by construction: nothing here can change the phone. Adapters never write files.
 */
export interface DeviceSource {
  /** For people: "device image /path/to/img", "ADB Pixel 7 (serial ...)". */
  readonly description: string;
  identity(): Promise<DeviceIdentity>;
  /** `onSkip` hears of what the source holds but cannot give (e.g. contact photos over ADB), and why. */
  contacts(onSkip?: (reason: string) => void): AsyncIterable<Contact>;
  /** `onSkip` hears of rows the source holds but cannot turn into an event, and why. */
  calendarEvents(onSkip?: (reason: string) => void): AsyncIterable<CalendarEvent>;
  /** Files where photos live; those without a mediaType are sniffed by the rescue as they are read. */
  media(): AsyncIterable<FoundMedia>;
  /** A stream of the entry's bytes; `fromOffset` lets a rescue resume a large file. */
  openMedia(entry: FoundMedia, fromOffset?: number): Promise<Readable>;
  close(): Promise<void>;
}
