/** The phone answered a command with ERROR, +CME ERROR or +CMS ERROR: that command failed, the session is fine. */
export class AtCommandError extends Error {
  override readonly name = 'AtCommandError';
  constructor(
    readonly command: string,
    readonly finalLine: string,
  ) {
    super(`the phone answered ${command} with ${finalLine}${describeCmeError(finalLine)}`);
  }
}

/**
 * The phone broke the rules of the line (a line or an answer past Lifeboat's limits) or stopped
 * answering. Its next bytes could belong to any command, so the session is closed for good: what
 * was read before is sound, the phone needs to be reconnected.
 */
export class AtSessionDeadError extends Error {
  override readonly name = 'AtSessionDeadError';
}

/** The link itself went away (cable pulled, pty closed). */
export class AtLinkLostError extends Error {
  override readonly name = 'AtLinkLostError';
}

/** Words for the +CME ERROR codes a phonebook read meets (3GPP TS 27.007 §9.2.1). */
const CME_WORDS: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  5: 'PH-SIM PIN required',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  14: 'SIM busy',
  15: 'SIM wrong',
  16: 'incorrect password',
  17: 'SIM PIN2 required',
  18: 'SIM PUK2 required',
  20: 'memory full',
  21: 'invalid index',
  22: 'not found',
  23: 'memory failure',
  24: 'text string too long',
  25: 'invalid characters in text string',
  30: 'no network service',
  100: 'unknown',
};

export function cmeErrorCode(finalLine: string): number | undefined {
  const match = /^\+CME ERROR:\s*(\d+)\s*$/.exec(finalLine);
  return match ? Number(match[1]) : undefined;
}

function describeCmeError(finalLine: string): string {
  const code = cmeErrorCode(finalLine);
  const words = code === undefined ? undefined : CME_WORDS[code];
  return words ? ` (${words})` : '';
}
