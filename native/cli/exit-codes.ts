/** The CLI's exit codes: a contract that scripts and the app build on. */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** Bad usage or bad input; the message says what to fix. */
  badInput: 2,
  /** The phone went away mid-run; what was saved is safe and a new run resumes. */
  sourceLost: 3,
  /** Stopped by Ctrl-C; a new run resumes. */
  interrupted: 130,
} as const;
