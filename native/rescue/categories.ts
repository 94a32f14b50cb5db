import { BadInputError } from '../adapters/errors.ts';

/** What a person can choose to rescue, in the order a rescue takes them: the small precious things first. */
export const CATEGORIES = ['contacts', 'calendar', 'photos'] as const;
export type Category = (typeof CATEGORIES)[number];

/** "contacts,photos" → the chosen categories, always in rescue order. */
export function parseCategories(text: string | undefined): Category[] {
  if (text === undefined) return [...CATEGORIES];
  const words = text
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  for (const word of words) {
    if (!(CATEGORIES as readonly string[]).includes(word)) {
      throw new BadInputError(`--only: "${word}" is not a category; use any of ${CATEGORIES.join(', ')} (photos include videos).`);
    }
  }
  if (words.length === 0) throw new BadInputError(`--only needs at least one of ${CATEGORIES.join(', ')}.`);
  return CATEGORIES.filter((c) => words.includes(c));
}
