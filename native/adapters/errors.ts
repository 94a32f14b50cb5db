/**
 * Errors a person can act on. The CLI maps them to exit codes:
 * BadInputError → 2 (fix the input), SourceLostError → 3 (reconnect and run again: it resumes).
 */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

export class SourceLostError extends Error {
  override readonly name = 'SourceLostError';
}
