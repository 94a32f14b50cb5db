import type { DeviceIdentity } from '../model/device.ts';
import type { Category } from './categories.ts';

/** What a rescue tells the people watching it (CLI progress bar, JSON lines, later the app). */
export type RescueEvent =
  | { type: 'device'; identity: DeviceIdentity; runId: number }
  | { type: 'category-start'; category: Category; totalItems?: number; totalBytes?: number }
  | {
      type: 'progress';
      category: Category;
      items: number;
      totalItems?: number;
      bytes: number;
      totalBytes?: number;
      skipped: number;
    }
  | { type: 'item-skipped'; category: Category; sourceKey: string; reason: string }
  | { type: 'category-failed'; category: Category; reason: string }
  | { type: 'category-done'; category: Category; saved: number; skipped: number; bytes: number };

/** The last line of `rescue --json`: what is now safe in the vault for this source. */
export interface RescueSummary {
  type: 'summary';
  contacts: number;
  events: number;
  photos: number;
  /** Bytes now safe in the vault for this source (records and media). */
  bytes: number;
  /** Media bytes read from the source in this run. */
  transferredBytes: number;
  /** Items found already safe, so not saved again. */
  skipped: number;
  status: 'done' | 'lost' | 'cancelled' | 'failed';
  serial: string;
  runId: number;
}
