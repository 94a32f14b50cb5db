import { ClassRequest, Op } from './mtp-codes.ts';

/**
 * The only operations Lifeboat will ever put on the wire. Each one reads; none has a host-to-
 * device data phase, so the phone's storage cannot change through this client. Everything that
 * writes (SendObject, DeleteObject, SetObjectPropValue, the Android edit extensions ...) or resets
 * (ResetDevice, FormatStore) is absent on purpose. The command encoder refuses any other code,
 * and a test walks all 65,536 codes through it.
 */
export const ALLOWED_OPERATIONS: ReadonlySet<number> = new Set<number>([
  Op.GetDeviceInfo,
  Op.OpenSession,
  Op.CloseSession,
  Op.GetStorageIDs,
  Op.GetStorageInfo,
  Op.GetObjectHandles,
  Op.GetObjectInfo,
  Op.GetObject,
  Op.GetThumb,
  Op.GetPartialObject,
  Op.GetPartialObject64,
  Op.GetObjectPropsSupported,
  Op.GetObjectPropValue,
  Op.GetObjectPropList,
  Op.GetDevicePropValue,
]);

/**
 * Class control requests the client may make: Cancel (stop a data phase we no longer want) and
 * Get Device Status (ask whether the phone is ready again). Device Reset is left out: it would
 * end the session of any other program on the phone.
 */
export const ALLOWED_CLASS_REQUESTS: ReadonlySet<number> = new Set<number>([ClassRequest.Cancel, ClassRequest.GetDeviceStatus]);

export class MtpNotAllowedError extends Error {
  override readonly name = 'MtpNotAllowedError';
}

export function assertAllowedOperation(code: number): void {
  if (!ALLOWED_OPERATIONS.has(code)) {
    throw new MtpNotAllowedError(`MTP operation 0x${code.toString(16).padStart(4, '0')} is not on Lifeboat's read-only allowlist`);
  }
}

export function assertAllowedClassRequest(request: number): void {
  if (!ALLOWED_CLASS_REQUESTS.has(request)) {
    throw new MtpNotAllowedError(`USB class request 0x${request.toString(16)} is not on Lifeboat's read-only allowlist`);
  }
}
