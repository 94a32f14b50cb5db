import { BadInputError, SourceLostError } from '../adapters/errors.ts';
import type { DeviceSource } from '../adapters/device-source.ts';
import type { FoundMedia, MediaEntry } from '../model/media.ts';
import { CAPTURE_TIME_HEAD_BYTES, captureTimeOf } from '../readers/exif-capture-time.ts';
import { SNIFF_BYTES, sniffMediaType } from '../readers/media-type.ts';
import { PartialBlobs } from '../vault/partial-blobs.ts';
import type { Vault } from '../vault/vault.ts';
import type { Category } from './categories.ts';
import type { RescueEvent, RescueSummary } from './rescue-events.ts';

export interface RescueOptions {
  source: DeviceSource;
  vault: Vault;
  categories: Category[];
  signal?: AbortSignal;
  onEvent?: (event: RescueEvent) => void;
}

/** Records are committed in batches: one flush per batch keeps 100,000 contacts quick and each batch durable. */
const RECORD_BATCH = 256;
const PROGRESS_EVERY_MS = 200;
const MEDIA_IN_FLIGHT = 2;

interface Tally {
  transferredBytes: number;
  skipped: number;
}

export class RescueCancelledError extends Error {
  override readonly name = 'RescueCancelledError';
}

/**
 * One rescue of one phone into a vault: identity first, then contacts, calendar, photos and videos.
 * Everything already safe is skipped, so running it again after a pulled cable resumes the work.
 */
export async function runRescue(opts: RescueOptions): Promise<RescueSummary> {
  const { source, vault, signal } = opts;
  const emit = opts.onEvent ?? (() => undefined);
  await vault.sweepTemporary();
  vault.markAbandonedRuns();

  const identity = await source.identity();
  const device = vault.registerDevice(identity);
  const runId = vault.startRun(device.id, source.description, opts.categories, identity.battery);
  emit({ type: 'device', identity, runId });

  // Shared with the category steps, so a run cut short still reports what it read.
  const tally: Tally = { transferredBytes: 0, skipped: 0 };
  let status: RescueSummary['status'] = 'done';
  let failure: unknown;
  const unreadable: string[] = [];
  try {
    for (const category of opts.categories) {
      throwIfCancelled(signal);
      try {
        if (category === 'photos') await rescueMedia(opts, device.id, runId, emit, tally);
        else await rescueRecords(opts, category, device.id, runId, emit, tally);
      } catch (err) {
        // A damaged database must not cost the owner the other categories: note it, go on.
        if (!(err instanceof BadInputError)) throw err;
        unreadable.push(`${category}: ${err.message}`);
        vault.recordSkip(runId, 'category', category, err.message);
        emit({ type: 'category-failed', category, reason: err.message });
      }
    }
    if (unreadable.length > 0) {
      throw new BadInputError(`some of the phone could not be read (the rest is safe):\n  ${unreadable.join('\n  ')}`);
    }
  } catch (err) {
    failure = err;
    status = err instanceof SourceLostError ? 'lost' : err instanceof RescueCancelledError ? 'cancelled' : 'failed';
  }
  const totals = vault.totals(device.id);
  const summary: RescueSummary = {
    type: 'summary',
    contacts: totals.contact.count,
    events: totals.event.count,
    photos: totals.media.count,
    bytes: totals.contact.bytes + totals.event.bytes + totals.media.bytes,
    transferredBytes: tally.transferredBytes,
    skipped: tally.skipped,
    status,
    serial: identity.serial,
    runId,
  };
  try {
    vault.finishRun(runId, status, numbersOf(summary), failure ? String((failure as Error).message ?? failure) : undefined);
  } catch (err) {
    // A full disk can refuse even this line; the next run marks this one interrupted instead.
    if (!failure) throw err;
  }
  if (failure) throw Object.assign(failure as Error, { summary });
  return summary;
}

async function rescueRecords(
  opts: RescueOptions,
  category: 'contacts' | 'calendar',
  deviceId: number,
  runId: number,
  emit: (e: RescueEvent) => void,
  tally: Tally,
): Promise<void> {
  const kind = category === 'contacts' ? 'contact' : 'event';
  let unreadable = 0;
  const onSkip = (reason: string) => {
    unreadable++;
    opts.vault.recordSkip(runId, kind, `row ${unreadable}`, reason);
    emit({ type: 'item-skipped', category, sourceKey: `row ${unreadable}`, reason });
  };
  const stream = category === 'contacts' ? opts.source.contacts(onSkip) : opts.source.calendarEvents(onSkip);
  emit({ type: 'category-start', category });
  let batch: { sourceKey: string; record: unknown }[] = [];
  let saved = 0;
  let skipped = 0;
  let bytes = 0;
  let lastProgress = 0;
  const flush = () => {
    for (const result of opts.vault.putRecords(runId, deviceId, kind, batch)) {
      if (result.isNew) {
        saved++;
        bytes += result.size;
      } else {
        skipped++;
        tally.skipped++;
      }
    }
    batch = [];
    const now = Date.now();
    if (now - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = now;
      emit({ type: 'progress', category, items: saved + skipped, bytes, skipped });
    }
  };
  for await (const record of stream) {
    throwIfCancelled(opts.signal);
    batch.push({ sourceKey: record.sourceKey, record });
    if (batch.length >= RECORD_BATCH) flush();
  }
  flush();
  emit({ type: 'progress', category, items: saved + skipped, totalItems: saved + skipped, bytes, skipped });
  emit({ type: 'category-done', category, saved, skipped, bytes });
}

async function rescueMedia(
  opts: RescueOptions,
  deviceId: number,
  runId: number,
  emit: (e: RescueEvent) => void,
  tally: Tally,
): Promise<void> {
  const category = 'photos';
  // The listing comes first so that progress can say how much is left.
  const entries: FoundMedia[] = [];
  for await (const entry of opts.source.media()) {
    throwIfCancelled(opts.signal);
    entries.push(entry);
  }
  // Totals shrink when a file turns out, from its first bytes, not to be a photo or a video.
  let totalItems = entries.length;
  let totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
  emit({ type: 'category-start', category, totalItems, totalBytes });

  let items = 0;
  let saved = 0;
  let skipped = 0;
  let bytes = 0;
  let lastProgress = 0;
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = now;
    emit({ type: 'progress', category, items, totalItems, bytes, totalBytes, skipped });
  };

  const rescueOne = async (entry: FoundMedia) => {
    if (opts.vault.findSafeMedia(deviceId, entry)) {
      skipped++;
      tally.skipped++;
      items++;
      bytes += entry.size;
      progress();
      return;
    }
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let readHere = 0;
    const sniffer = isKnownMedia(entry) ? undefined : new MediaSniffer(entry);
    const partialKey = mediaPartialKey(deviceId, entry);
    try {
      const blob = await opts.vault.storeBlobResumable(deviceId, partialKey, {
        open: async (fromOffset) => {
          const stream = await opts.source.openMedia(entry, fromOffset).catch((err: unknown) => {
            throw asItemReadError(err);
          });
          return readSource(stream, opts.signal);
        },
        onChunk: (chunk, kept) => {
          sniffer?.see(chunk);
          if (headBytes < CAPTURE_TIME_HEAD_BYTES) {
            head.push(Uint8Array.from(chunk.subarray(0, CAPTURE_TIME_HEAD_BYTES - headBytes)));
            headBytes += Math.min(chunk.byteLength, CAPTURE_TIME_HEAD_BYTES - headBytes);
          }
          readHere += chunk.byteLength;
          bytes += chunk.byteLength;
          if (!kept) tally.transferredBytes += chunk.byteLength;
          progress();
        },
      });
      const known = sniffer ? sniffer.result() : (entry as MediaEntry);
      const capture = await captureTimeOf(Buffer.concat(head), entry.mtimeMs);
      opts.vault.recordMedia(runId, deviceId, { entry: { ...known, size: blob.size }, capture }, blob);
      saved++;
      // A file that changed size while it was read is kept as read; the totals follow what was stored.
      bytes += entry.size - readHere;
    } catch (err) {
      if (err instanceof NotMediaError) {
        // Not a photo or a video after all (a text file named .jpg): not counted, as a folder
        // source would not have listed it.
        await opts.vault.discardPartial(deviceId, partialKey);
        bytes -= readHere;
        totalItems--;
        totalBytes -= entry.size;
        progress();
        return;
      }
      // Only a file the phone could not give is skipped; a vault that cannot write (a full disk)
      // stops the run, so nothing is reported safe that is not.
      if (!(err instanceof ItemReadError)) throw err;
      bytes += entry.size - readHere;
      const reason = `could not be read: ${err.message}`;
      opts.vault.recordSkip(runId, 'media', entry.path, reason);
      emit({ type: 'item-skipped', category, sourceKey: entry.path, reason });
    }
    items++;
    progress();
  };

  // Two files in flight: while one is flushed to the disk (fsync), the next one is already being
  // read. An adapter whose link carries one transfer at a time serialises its reads itself.
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (next < entries.length && !stopped) {
      try {
        throwIfCancelled(opts.signal);
        await rescueOne(entries[next++]!);
      } catch (err) {
        stopped = true; // the source is gone or the person cancelled: the other worker stops too
        throw err;
      }
    }
  };
  const workers = Array.from({ length: Math.min(MEDIA_IN_FLIGHT, entries.length) }, worker);
  const results = await Promise.allSettled(workers);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  // Everything listed is stored or skipped: half-read files of files that are gone or were
  // skipped for good (refused by the phone) are of no more use.
  await opts.vault.discardPartials(deviceId);
  progress(true);
  emit({ type: 'category-done', category, saved, skipped, bytes });
}

function isKnownMedia(entry: FoundMedia): entry is MediaEntry {
  return entry.mediaType !== undefined && entry.kind !== undefined;
}

/** Thrown from a transfer whose first bytes show it is not a photo or a video; the transfer stops there. */
class NotMediaError extends Error {
  override readonly name = 'NotMediaError';
}

/**
 * Decides what a file is from its first bytes, as they pass (kept from an earlier run or read
 * now), for sources that list files without their type: a file that is not a photo or a video
 * ends its read at once. Deciding on the transfer itself spares the phone a second read of each head.
 */
class MediaSniffer {
  private readonly wanted: number;
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private decided: MediaEntry | undefined;

  constructor(private readonly entry: FoundMedia) {
    this.wanted = Math.min(SNIFF_BYTES, entry.size);
  }

  see(chunk: Uint8Array): void {
    if (this.decided || this.heldBytes >= this.wanted) return;
    // A copy: a source may reuse its buffer once it has yielded.
    this.held.push(Uint8Array.from(chunk.subarray(0, this.wanted - this.heldBytes)));
    this.heldBytes += Math.min(chunk.byteLength, this.wanted - this.heldBytes);
    if (this.heldBytes >= this.wanted) this.decide();
  }

  /** The entry with its type; a file shorter than it was listed is decided on what came. */
  result(): MediaEntry {
    return this.decided ?? this.decide();
  }

  private decide(): MediaEntry {
    const sniffed = sniffMediaType(Buffer.concat(this.held), this.entry.path);
    if (!sniffed) throw new NotMediaError(`${this.entry.path} is not a photo or a video`);
    this.decided = { ...this.entry, ...sniffed };
    return this.decided;
  }
}

/** Names a half-read file by what it is on the phone, so a file changed since is not continued. */
function mediaPartialKey(deviceId: number, entry: FoundMedia): string {
  return PartialBlobs.keyOf([deviceId, entry.path, entry.size, entry.mtimeMs]);
}

/** A read from the phone that failed for this one item (not a lost phone, not a cancel). */
class ItemReadError extends Error {
  override readonly name = 'ItemReadError';
}

function asItemReadError(err: unknown): unknown {
  if (err instanceof SourceLostError || err instanceof RescueCancelledError) return err;
  return new ItemReadError((err as Error)?.message ?? String(err));
}

/** The source's bytes, with its failures told apart from the vault's. */
async function* readSource(stream: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      throwIfCancelled(signal);
      let step: IteratorResult<Uint8Array>;
      try {
        step = await iterator.next();
      } catch (err) {
        throw asItemReadError(err);
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await iterator.return?.();
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new RescueCancelledError('the rescue was cancelled; run it again to resume');
}

function numbersOf(summary: RescueSummary): Record<string, number> {
  const { contacts, events, photos, bytes, transferredBytes, skipped } = summary;
  return { contacts, events, photos, bytes, transferredBytes, skipped };
}
