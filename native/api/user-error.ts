import { BadInputError, SourceLostError } from '../adapters/errors.ts';
import { UnknownItemError } from '../export/chosen-items.ts';
import { DeviceChoiceNeededError } from '../export/export-bag.ts';
import { RescueCancelledError } from '../rescue/rescue-run.ts';
import type { UserError } from './api.ts';

/** An error the engine raises on purpose, already said for a person. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly whatToDo: string,
  ) {
    super(message);
  }
}

/**
 * Any failure, said for a person: what happened and what to do next. The window never sees a
 * stack trace; an unexpected error keeps its message (first line only) so it can be reported.
 */
export function toUserError(err: unknown): UserError {
  if (err instanceof ApiError) return { code: err.code, message: err.message, whatToDo: err.whatToDo };
  if (err instanceof DeviceChoiceNeededError) {
    return { code: 'choose-phone', message: 'This vault holds several phones.', whatToDo: `Choose one of: ${err.serials.join(', ')}.` };
  }
  if (err instanceof SourceLostError) {
    return {
      code: 'phone-lost',
      message: `The phone was disconnected (${firstLine(err.message)}).`,
      whatToDo: 'Everything saved so far is safe. Plug the phone in again and press Resume: Lifeboat continues where it stopped.',
    };
  }
  if (err instanceof RescueCancelledError) {
    return { code: 'cancelled', message: 'The rescue was stopped.', whatToDo: 'Everything saved so far is safe. Press Resume to continue later.' };
  }
  if (err instanceof UnknownItemError) {
    return {
      code: 'not-in-vault',
      message: 'Some of the items chosen for the export are not in this phone’s vault.',
      whatToDo: 'Open Review, choose again (or select all), then export into a new folder.',
    };
  }
  if (err instanceof BadInputError) {
    return { code: 'bad-input', message: firstLine(err.message), whatToDo: whatToDoFor(err.message) };
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') {
    return {
      code: 'disk-full',
      message: 'The disk is full.',
      whatToDo: 'What was saved before is safe. Free some space (or choose another disk), then try again.',
    };
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return {
      code: 'no-permission',
      message: 'Lifeboat may not write to that folder.',
      whatToDo: 'Choose a folder in your home folder or on a disk you can write to.',
    };
  }
  return {
    code: 'unexpected',
    message: `Something unexpected went wrong: ${firstLine((err as Error | undefined)?.message ?? String(err))}`,
    whatToDo: 'What was saved before is safe. Try again; if it happens again, keep the phone as it is and ask for help with this message.',
  };
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** Most engine messages already say what to do after a colon or a semicolon; else a general hint. */
function whatToDoFor(message: string): string {
  if (/Allow USB debugging/i.test(message)) return 'Unlock the phone and tap Allow, then try again.';
  if (/kill-server|another program/i.test(message)) {
    return 'Close other phone programs (Android Studio, adb, phone managers); in a terminal run "adb kill-server"; then plug the phone in again.';
  }
  return 'Check what the message names and try again.';
}
