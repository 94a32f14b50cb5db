import type { Category } from '../rescue/categories.ts';
import type { RescueEvent } from '../rescue/rescue-events.ts';
import type { CategoryProgress, RescueState } from './api.ts';

/** Speed is measured over the last few seconds: a person wants "now", not the average since start. */
const SPEED_WINDOW_MS = 5_000;

interface Sample {
  atMs: number;
  items: number;
  bytes: number;
}

/**
 * Folds the engine's rescue events into the state a window shows: per category items, bytes,
 * speed and time left, and whether the phone has stopped sending (a stall).
 */
export class RescueTracker {
  readonly state: RescueState;
  #samples = new Map<Category, Sample[]>();
  #lastChangeMs: number;

  constructor(
    init: { rescueId: string; deviceId: string; serial: string; model: string; categories: Category[] },
    private readonly now: () => number = Date.now,
  ) {
    this.#lastChangeMs = now();
    this.state = {
      rescueId: init.rescueId,
      deviceId: init.deviceId,
      serial: init.serial,
      model: init.model,
      status: 'running',
      stalled: false,
      startedMs: this.#lastChangeMs,
      categories: init.categories.map((category) => ({
        category,
        state: 'waiting',
        items: 0,
        totalItems: null,
        bytes: 0,
        totalBytes: null,
        skipped: 0,
        bytesPerSecond: 0,
        itemsPerSecond: 0,
        secondsLeft: null,
      })),
    };
  }

  /** Applies one event; true when the state changed in a way worth showing. */
  apply(event: RescueEvent): boolean {
    if (event.type === 'device' || event.type === 'item-skipped') return event.type === 'device';
    const c = this.#category(event.category);
    if (!c) return false;
    this.#lastChangeMs = this.now();
    switch (event.type) {
      case 'category-start':
        c.state = 'running';
        c.totalItems = event.totalItems ?? null;
        c.totalBytes = event.totalBytes ?? null;
        this.#sample(c);
        break;
      case 'progress':
        c.state = 'running';
        c.items = event.items;
        c.bytes = event.bytes;
        c.skipped = event.skipped;
        if (event.totalItems !== undefined) c.totalItems = event.totalItems;
        if (event.totalBytes !== undefined) c.totalBytes = event.totalBytes;
        this.#sample(c);
        break;
      case 'category-done':
        c.state = 'done';
        c.items = event.saved + event.skipped;
        c.totalItems = c.items;
        c.skipped = event.skipped;
        c.bytes = Math.max(c.bytes, event.bytes);
        if (c.totalBytes === null) c.totalBytes = c.bytes;
        c.secondsLeft = 0;
        break;
      case 'category-failed':
        c.state = 'failed';
        c.failure = event.reason;
        c.secondsLeft = null;
        break;
    }
    return true;
  }

  /** Milliseconds since the last sign of life from the rescue. */
  quietForMs(): number {
    return this.now() - this.#lastChangeMs;
  }

  #category(category: Category): CategoryProgress | undefined {
    return this.state.categories.find((c) => c.category === category);
  }

  #sample(c: CategoryProgress): void {
    const at = this.now();
    const samples = this.#samples.get(c.category) ?? [];
    samples.push({ atMs: at, items: c.items, bytes: c.bytes });
    while (samples.length > 2 && at - samples[0]!.atMs > SPEED_WINDOW_MS) samples.shift();
    this.#samples.set(c.category, samples);
    const first = samples[0]!;
    const seconds = (at - first.atMs) / 1000;
    if (seconds < 0.2) return; // too short to say anything honest
    c.bytesPerSecond = Math.max(0, (c.bytes - first.bytes) / seconds);
    c.itemsPerSecond = Math.max(0, (c.items - first.items) / seconds);
    c.secondsLeft = timeLeft(c);
  }
}

function timeLeft(c: CategoryProgress): number | null {
  if (c.totalBytes !== null && c.totalBytes > 0 && c.bytesPerSecond > 0) {
    return Math.max(0, (c.totalBytes - c.bytes) / c.bytesPerSecond);
  }
  if (c.totalItems !== null && c.itemsPerSecond > 0) return Math.max(0, (c.totalItems - c.items) / c.itemsPerSecond);
  return null;
}
