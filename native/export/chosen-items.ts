import { BadInputError } from '../adapters/errors.ts';
import type { ItemKind, Vault, VaultDevice } from '../vault/vault.ts';
import { SELECTION_CATEGORIES, type ExportSelection, type ItemChoice, type SelectionCategory } from './export-selection.ts';

/** The vault's kind of item behind each category of a selection. */
export const KIND_OF: Record<SelectionCategory, ItemKind> = { contacts: 'contact', events: 'event', photos: 'media' };

const NOUN: Record<SelectionCategory, string> = { contacts: 'contact', events: 'calendar event', photos: 'photo or video' };

/** A selection named an item this vault does not hold for the phone (say, chosen in a window gone stale). */
export class UnknownItemError extends BadInputError {}

/** Ids in one choice, at most: far more than a person ticks, few enough to check quickly. */
export const MAX_CHOSEN_IDS = 1_000_000;

/**
 * A selection resolved against one phone of a vault: for each category, which source keys the
 * export writes. Built before anything is written, so a wrong id never leaves a half-made folder.
 */
export class ChosenItems {
  private constructor(
    /** False when the export writes everything (no selection was given). */
    readonly isSelection: boolean,
    private readonly filters: Record<SelectionCategory, Filter>,
  ) {}

  static everything(): ChosenItems {
    return new ChosenItems(false, { contacts: ALL, events: ALL, photos: ALL });
  }

  /** Checks the selection's shape and that every id names an item of this phone and category. */
  static resolve(vault: Vault, device: VaultDevice, only: unknown): ChosenItems {
    if (only === undefined) return ChosenItems.everything();
    const selection = checkSelection(only);
    const runIds = new Set(vault.runs(device.id).map((r) => r.id));
    const filters = {} as Record<SelectionCategory, Filter>;
    for (const category of SELECTION_CATEGORIES) {
      const choice = selection[category];
      if (choice === undefined) filters[category] = NONE;
      else if (choice === 'all') filters[category] = ALL;
      else if (isExcept(choice)) filters[category] = { keys: keysOf(vault, device, runIds, category, choice.except), except: true };
      else filters[category] = { keys: keysOf(vault, device, runIds, category, choice), except: false };
    }
    return new ChosenItems(true, filters);
  }

  /** Whether the item with this source key is written. */
  has(category: SelectionCategory, sourceKey: string): boolean {
    const f = this.filters[category];
    if (f === ALL) return true;
    return f.keys.has(sourceKey) !== f.except;
  }

  /** Every item of the category is written, whatever the vault holds (no selection, or "all"). */
  takesAll(category: SelectionCategory): boolean {
    return this.filters[category] === ALL;
  }
}

interface Filter {
  keys: Set<string>;
  /** True: every item but these keys. */
  except: boolean;
}

const ALL: Filter = { keys: new Set(), except: true };
const NONE: Filter = { keys: new Set(), except: false };

function isExcept(choice: ItemChoice): choice is { readonly except: readonly number[] } {
  return typeof choice === 'object' && !Array.isArray(choice);
}

/**
 * A selection from outside (the window, a script), checked: known categories only, each "all",
 * a list of item ids, or { except: ids }. Throws a BadInputError that says what is wrong.
 */
export function checkSelection(value: unknown): ExportSelection {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadInputError('the selection must be an object such as { contacts: [1, 2], photos: "all" }');
  }
  const out: ExportSelection = {};
  for (const [name, choice] of Object.entries(value)) {
    if (!(SELECTION_CATEGORIES as readonly string[]).includes(name)) {
      throw new BadInputError(`the selection names "${name.slice(0, 40)}", which is not one of ${SELECTION_CATEGORIES.join(', ')}`);
    }
    out[name as SelectionCategory] = checkChoice(name, choice);
  }
  return out;
}

function checkChoice(name: string, choice: unknown): ItemChoice {
  if (choice === 'all') return 'all';
  if (Array.isArray(choice)) return checkIds(name, choice);
  if (typeof choice === 'object' && choice !== null && Object.keys(choice).length === 1 && Array.isArray((choice as { except?: unknown }).except)) {
    return { except: checkIds(name, (choice as { except: unknown[] }).except) };
  }
  throw new BadInputError(`the selection of ${name} must be "all", a list of item ids, or { except: [ids] }`);
}

function checkIds(name: string, ids: unknown[]): number[] {
  if (ids.length > MAX_CHOSEN_IDS) throw new BadInputError(`the selection of ${name} names ${ids.length} items; at most ${MAX_CHOSEN_IDS} can be listed (choose "all" or { except: [...] } instead)`);
  for (const id of ids) {
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
      throw new BadInputError(`the selection of ${name} holds ${JSON.stringify(id)?.slice(0, 40)}, which is not an item id (a whole number from 1)`);
    }
  }
  return ids as number[];
}

/**
 * The source keys behind item ids. An id of an older version of an item stands for the item, so
 * the export writes its newest version; an id of another phone or another kind is refused.
 */
function keysOf(vault: Vault, device: VaultDevice, runIds: Set<number>, category: SelectionCategory, ids: readonly number[]): Set<string> {
  const keys = new Set<string>();
  for (const id of ids) {
    let item;
    try {
      item = vault.itemById(id);
    } catch {
      item = undefined;
    }
    if (!item || item.kind !== KIND_OF[category] || !runIds.has(item.runId)) {
      throw new UnknownItemError(
        `the selection names ${NOUN[category]} ${id}, which this vault does not hold for phone ${device.serial}: choose again in Review, or export without a selection`,
      );
    }
    keys.add(item.sourceKey);
  }
  return keys;
}
