import { responseName } from './mtp-codes.ts';

/** The phone answered an operation with a response code other than OK. */
export class MtpResponseError extends Error {
  override readonly name = 'MtpResponseError';
  constructor(
    readonly operation: string,
    readonly code: number,
  ) {
    super(`the phone answered ${operation} with ${responseName(code)}`);
  }
}

/**
 * The phone broke the protocol (a wrong transaction id, a container that is too short or too
 * long, a data phase that ends early). The session has found its footing again after it, so the
 * next operation may work: it is an error of one item, not of the phone.
 */
export class MtpProtocolError extends Error {
  override readonly name = 'MtpProtocolError';
}

/**
 * The session cannot go on: the phone stopped answering (stall watchdog) or could not be brought
 * back in step. What was read so far is good; the phone needs to be unplugged and replugged.
 */
export class MtpSessionDeadError extends Error {
  override readonly name = 'MtpSessionDeadError';
}
