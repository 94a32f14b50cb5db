/**
 * Which items of a phone an export writes. Types only and no imports: the window's API contract
 * (native/api/api.ts) uses them, and the window is type-checked without Node.
 *
 * Items are named by the vault's item ids, the ids Review shows. They are cheap (the window has
 * them already) and stable: the vault never deletes or renumbers a row. An id stands for its
 * item's source key, so when a later rescue saved a newer version of the same contact, the
 * newest version is exported.
 */

/** Every item of a category, only these ids, or every item except these ids. */
export type ItemChoice = 'all' | readonly number[] | { readonly except: readonly number[] };

/**
 * A selection. A category left out is not exported at all (no file is written for it); `[]`
 * says the same. Exporting without a selection writes everything, exactly as before selections.
 */
export interface ExportSelection {
  contacts?: ItemChoice;
  events?: ItemChoice;
  photos?: ItemChoice;
}

export const SELECTION_CATEGORIES = ['contacts', 'events', 'photos'] as const;
export type SelectionCategory = (typeof SELECTION_CATEGORIES)[number];

/** How many of a category an export with a selection took, of how many the vault holds. */
export interface ChosenCount {
  chosen: number;
  of: number;
}

export type ChosenCounts = Record<SelectionCategory, ChosenCount>;
