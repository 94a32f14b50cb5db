/**
 * Broken and hostile feature phones, for tests: each mode twists the phone's answers from the
 * first phonebook read on, so a test can check that a rescue ends by itself with a clear error
 * (or, for wrong counts, with the honest entries and a note), in bounded memory and time.
 */
export const AT_HOSTILE_MODES = [
  /** A phonebook read is answered with one line that never ends. */
  'endless-line',
  /** A phonebook read is answered with +CPBR lines forever, never a final result code. */
  'endless-answer',
  /** From the phonebook on, the phone never answers again. */
  'never-answers',
  /** A phonebook read is answered with random bytes (CR and LF among them) forever. */
  'garbage',
  /** +CPBR=? claims a million slots, +CPBS? lies about the counts, reads answer with entries out of range and twice. */
  'wrong-counts',
  /** A phonebook read is answered one byte at a time, each just before the reader would give up. */
  'dribble',
] as const;

export type AtHostileMode = (typeof AT_HOSTILE_MODES)[number];

export function isAtHostileMode(text: string): text is AtHostileMode {
  return (AT_HOSTILE_MODES as readonly string[]).includes(text);
}
