import { responseName } from './obex-codes.ts';

/** The phone answered a request with something other than success. The connection is still good. */
export class ObexResponseError extends Error {
  override readonly name = 'ObexResponseError';
  constructor(
    readonly operation: string,
    readonly code: number,
    what?: string,
  ) {
    super(`the phone answered ${operation}${what ? ` ${what}` : ''} with ${responseName(code)}`);
  }
}

/**
 * The phone broke the protocol: a packet longer than agreed, a header running past its packet,
 * bytes nobody asked for, an answer for another connection. The link cannot be trusted to be in
 * step any more, so the client is closed after it.
 */
export class ObexProtocolError extends Error {
  override readonly name = 'ObexProtocolError';
}

/** The phone did not answer in time (or stopped in the middle of a packet). The client is closed. */
export class ObexTimeoutError extends Error {
  override readonly name = 'ObexTimeoutError';
}

/** The link ended (cable pulled, the serial port closed). */
export class ObexLinkClosedError extends Error {
  override readonly name = 'ObexLinkClosedError';
}

/**
 * The phone gave one object wrong: longer or shorter than the Length it announced. The GET was
 * aborted and the connection is still in step: the next object may be fine.
 */
export class ObexObjectError extends Error {
  override readonly name: string = 'ObexObjectError';
}

/** An object grew past the size Lifeboat will read. The GET was aborted; the connection is still good. */
export class ObexTooLargeError extends ObexObjectError {
  override readonly name: string = 'ObexTooLargeError';
}

/** A request that is not on the read-only allowlist: it never reaches the wire. */
export class ObexNotAllowedError extends Error {
  override readonly name = 'ObexNotAllowedError';
}

/** Errors after which the link is out of step or gone: the whole phone is lost, not one object. */
export function isConnectionFatal(error: unknown): boolean {
  return error instanceof ObexProtocolError || error instanceof ObexTimeoutError || error instanceof ObexLinkClosedError;
}
