import { useSyncExternalStore } from 'react';
import type { ExportSelection, ItemChoice, SafeCounts } from '../../native/api/api.ts';

export type SelectionKind = 'contacts' | 'events' | 'photos';
export const SELECTION_KINDS: readonly SelectionKind[] = ['contacts', 'events', 'photos'];

/**
 * A category's choice: everything or nothing as the base, and the ids ticked the other way. So
 * "select all" of 50,000 photos is one word, and a tick is one Set operation: no row holds
 * selection state, and no list of every id is ever built in the window.
 */
interface Choice {
  base: 'all' | 'none';
  flipped: Set<number>;
}

/**
 * What one phone's export takes, chosen in Review and used by Export. Mutable, with a version
 * number for React (useSelection): a tick re-renders only what reads the selection.
 */
export class Selection {
  #choices: Record<SelectionKind, Choice> = {
    contacts: { base: 'all', flipped: new Set() },
    events: { base: 'all', flipped: new Set() },
    photos: { base: 'all', flipped: new Set() },
  };
  #version = 0;
  #listeners = new Set<() => void>();

  isChosen(kind: SelectionKind, id: number): boolean {
    const c = this.#choices[kind];
    return (c.base === 'all') !== c.flipped.has(id);
  }

  set(kind: SelectionKind, id: number, chosen: boolean): void {
    const c = this.#choices[kind];
    if (chosen === (c.base === 'all')) c.flipped.delete(id);
    else c.flipped.add(id);
    this.#changed();
  }

  toggle(kind: SelectionKind, id: number): void {
    this.set(kind, id, !this.isChosen(kind, id));
  }

  setAll(kind: SelectionKind, chosen: boolean): void {
    this.#choices[kind] = { base: chosen ? 'all' : 'none', flipped: new Set() };
    this.#changed();
  }

  /** How many are chosen, of `total` items the vault holds. */
  count(kind: SelectionKind, total: number): number {
    const c = this.#choices[kind];
    return Math.max(0, Math.min(total, c.base === 'all' ? total - c.flipped.size : c.flipped.size));
  }

  /** All, none, or some: for the "select all" box's mixed state. */
  state(kind: SelectionKind, total: number): 'all' | 'none' | 'some' {
    const n = this.count(kind, total);
    return n === 0 ? 'none' : n === total ? 'all' : 'some';
  }

  /** The export call's `only`, or undefined when everything of every category is chosen. */
  toRequest(): ExportSelection | undefined {
    const whole = SELECTION_KINDS.every((k) => this.#choices[k].base === 'all' && this.#choices[k].flipped.size === 0);
    if (whole) return undefined;
    const out: ExportSelection = {};
    for (const k of SELECTION_KINDS) out[k] = choiceOf(this.#choices[k]);
    return out;
  }

  get version(): number {
    return this.#version;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  #changed(): void {
    this.#version++;
    for (const l of this.#listeners) l();
  }
}

function choiceOf(c: Choice): ItemChoice {
  const ids = [...c.flipped];
  if (c.base === 'none') return ids;
  return ids.length ? { except: ids } : 'all';
}

/** Re-renders the caller when the selection changes; returns its version (a dependency for memos). */
export function useSelection(selection: Selection): number {
  return useSyncExternalStore(selection.subscribe, () => selection.version);
}

/** The counts Export shows: "2 of 12 contacts". */
export function chosenCounts(selection: Selection, safe: SafeCounts): Record<SelectionKind, { chosen: number; of: number }> {
  return {
    contacts: { chosen: selection.count('contacts', safe.contacts), of: safe.contacts },
    events: { chosen: selection.count('events', safe.events), of: safe.events },
    photos: { chosen: selection.count('photos', safe.photos), of: safe.photos },
  };
}
