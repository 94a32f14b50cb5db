/**
 * An iPhone over PTP hides its photos until its owner unlocks it and taps "Trust" for this
 * computer: until then it lists one empty placeholder storage (0xFEEDFACE), or none at all while
 * locked. A host that walks that storage "succeeds" with nothing, which would look like a phone
 * without photos; here the wait ends with a sentence that says what the owner must do.
 *
 * The phone announces trust with StoreRemoved/StoreAdded events on its interrupt endpoint
 * (libgphoto2 waits for them). Lifeboat asks GetStorageIDs again instead: the same answer
 * without a second reader on the pipe, and a phone whose events get lost is still seen.
 */
import { APPLE_PLACEHOLDER_STORAGE_ID, APPLE_VENDOR_ID } from '../../protocols/mtp/mtp-codes.ts';
import type { MtpSession } from '../../protocols/mtp/mtp-session.ts';
import { BadInputError } from '../errors.ts';

const IPHONE_ACTION = 'unlock the iPhone and tap Trust';
const OTHER_ACTION = 'unlock the phone (on Android, choose "File transfer" in its USB notification)';

/**
 * The phone will not give anything until its owner does something on it. A BadInputError: the
 * CLI prints the message and ends with exit 2, nothing was started that a later run resumes.
 */
export class PhoneNeedsOwnerError extends BadInputError {}

/** An Apple device (iPhone, iPad): by its USB vendor id or DeviceInfo's manufacturer. */
export function isApplePhone(session: MtpSession): boolean {
  return session.device.vendorId === APPLE_VENDOR_ID || /^apple\b/i.test(session.deviceInfo.manufacturer);
}

/** The real storages: the placeholder is never one. */
export function realStorages(ids: readonly number[]): number[] {
  return ids.filter((id) => id !== APPLE_PLACEHOLDER_STORAGE_ID);
}

export type StorageReadiness = 'ready' | 'untrusted' | 'locked';

/** What GetStorageIDs says about the phone's storage now. */
export function readinessOf(ids: readonly number[]): StorageReadiness {
  if (realStorages(ids).length > 0) return 'ready';
  return ids.includes(APPLE_PLACEHOLDER_STORAGE_ID) ? 'untrusted' : 'locked';
}

/**
 * Asks GetStorageIDs until a real storage is listed or `waitMs` has passed (the owner may be
 * tapping Trust right now; libgphoto2 gives the phone 9 s).
 */
export async function waitForStorage(session: MtpSession, options: { waitMs: number; pollMs?: number; onWaiting?: (message: string) => void }): Promise<StorageReadiness> {
  const until = Date.now() + options.waitMs;
  let told = false;
  for (;;) {
    const readiness = readinessOf(await session.storageIds());
    if (readiness === 'ready' || Date.now() >= until) return readiness;
    if (!told) {
      told = true;
      options.onWaiting?.(`Waiting up to ${Math.round(options.waitMs / 1000)} s for the phone: ${isApplePhone(session) ? IPHONE_ACTION : OTHER_ACTION} ...`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? 500, Math.max(0, until - Date.now()))));
  }
}

/** What the owner must do, for a phone that shows no storage. */
export function ownerStep(session: MtpSession): string {
  return `${isApplePhone(session) ? IPHONE_ACTION : OTHER_ACTION}, then run the same command again`;
}

/** The error a rescue ends with when the wait was in vain. */
export function needsOwnerError(session: MtpSession, readiness: Exclude<StorageReadiness, 'ready'>): PhoneNeedsOwnerError {
  const what = isApplePhone(session)
    ? readiness === 'untrusted'
      ? 'the iPhone does not trust this computer yet (it shows only its empty placeholder storage 0xFEEDFACE), or it is locked'
      : 'the iPhone is locked (it lists no storage)'
    : 'the phone lists no storage (it is locked, or not in "File transfer" mode)';
  return new PhoneNeedsOwnerError(`${what}: nothing can be rescued yet. ${capitalize(ownerStep(session))}.`);
}

/** iOS says in DeviceInfo whether iCloud Photos is on ("ICPE^1" in its VendorExtensionDesc). */
export function icloudPhotosOn(vendorExtensionDesc: string): boolean {
  return /(^|&)ICPE\^1(&|$)/.test(vendorExtensionDesc);
}

export const ICLOUD_PHOTOS_NOTE = 'iCloud Photos is on: photos kept only in iCloud ("Optimize iPhone Storage") are not on the phone and cannot be rescued over the cable';

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
