/**
 * Turns the errors of the USB backends into the errors of usb-errors.ts, so the layers above
 * react to "phone gone", "access denied", "busy" and "timeout" without parsing strings.
 *
 * Two vocabularies are understood:
 * - npm `usb` 3.x (Rust, nusb): plain Errors whose message reads "<call> error: <what>", with
 *   <what> from nusb: "Disconnected", "Stall", "Cancelled" (a transfer cut by its timeout),
 *   "permission denied", "device is busy" / "interface is busy", "... (os error 19)" and so on;
 * - npm `usb` 2.x and other libusb bindings: LIBUSB_ERROR_* names and their numeric errno.
 */
import {
  UsbAccessDeniedError,
  UsbAbortedError,
  UsbBusyError,
  UsbDisconnectedError,
  UsbError,
  UsbStateError,
  UsbTimeoutError,
} from './usb-errors.ts';

export interface TranslationContext {
  /** What was being done, for the message: "Claiming the phone's ADB interface". */
  readonly what: string;
  readonly vendorId?: number | undefined;
  /** True when this program closed the device meanwhile: a cancelled transfer is then no timeout. */
  readonly closing?: boolean | undefined;
  readonly platform?: NodeJS.Platform | undefined;
}

/** libusb's error numbers (libusb.h), as usb@2 puts them in `errno`. */
const LIBUSB_ERRNO: Record<number, string> = {
  [-3]: 'LIBUSB_ERROR_ACCESS',
  [-4]: 'LIBUSB_ERROR_NO_DEVICE',
  [-6]: 'LIBUSB_ERROR_BUSY',
  [-7]: 'LIBUSB_ERROR_TIMEOUT',
  [-9]: 'LIBUSB_ERROR_PIPE',
  [-8]: 'LIBUSB_ERROR_OVERFLOW',
};

export type UsbErrorKind = 'disconnected' | 'access' | 'busy' | 'timeout' | 'cancelled' | 'stall' | 'babble' | 'state' | 'other';

/** Which kind of failure a backend error is. */
export function classifyUsbError(error: unknown): UsbErrorKind {
  if (error instanceof UsbDisconnectedError) return 'disconnected';
  if (error instanceof UsbAccessDeniedError) return 'access';
  if (error instanceof UsbBusyError) return 'busy';
  if (error instanceof UsbTimeoutError) return 'timeout';
  const e = (typeof error === 'object' && error !== null ? error : {}) as { message?: unknown; errno?: unknown; code?: unknown; name?: unknown };
  const errnoName = typeof e.errno === 'number' ? (LIBUSB_ERRNO[e.errno] ?? '') : '';
  const text = [String(e.name ?? ''), String(e.code ?? ''), errnoName, String(e.message ?? error)].join(' ').toLowerCase();

  if (/libusb_error_no_device|no such device|\bdisconnected\b|os error 19\b|enodev|\bdevice not found|networkerror: device unavailable/.test(text)) return 'disconnected';
  if (/libusb_error_access|permission denied|access denied|access is denied|os error 13\b|eacces|securityerror/.test(text)) return 'access';
  if (/libusb_error_busy|\bbusy\b|os error 16\b|ebusy|endpoint already in use/.test(text)) return 'busy';
  if (/libusb_error_timeout|timed out|os error 110\b|etimedout/.test(text)) return 'timeout';
  if (/\bcancelled\b|\bcanceled\b|libusb_error_interrupted/.test(text)) return 'cancelled';
  if (/libusb_error_pipe|\bstall\b|endpoint stalled/.test(text)) return 'stall';
  if (/libusb_error_overflow|\bbabble\b|overflow/.test(text)) return 'babble';
  // usb@3's words for a call in the wrong state (not open, not claimed, no such endpoint).
  if (/invalid state|endpoint not found|not claimed|invalid configuration|configuration not found|libusb_error_not_found|libusb_error_invalid_param/.test(text)) return 'state';
  return 'other';
}

/**
 * The UsbError for a backend error. Stalls and babble are not errors in WebUSB (they are a
 * transfer's status), so callers check classifyUsbError first for those.
 */
export function translateUsbError(error: unknown, context: TranslationContext): UsbError {
  if (error instanceof UsbError) return error;
  const options = { cause: error };
  switch (classifyUsbError(error)) {
    case 'disconnected':
      return new UsbDisconnectedError(undefined, options);
    case 'access':
      return new UsbAccessDeniedError(context.what, { ...options, platform: context.platform, vendorId: context.vendorId });
    case 'busy':
      return new UsbBusyError(context.what, options);
    case 'timeout':
      return new UsbTimeoutError(context.what, options);
    case 'state':
      return new UsbStateError(`${context.what}: ${error instanceof Error ? error.message : String(error)}`, options);
    case 'cancelled':
      // nusb reports a transfer cut by its timeout as "Cancelled"; so does a transfer cut by close().
      return context.closing ? new UsbAbortedError(undefined, options) : new UsbTimeoutError(context.what, options);
    default: {
      const detail = error instanceof Error ? error.message : String(error);
      return new UsbError(`${context.what}: ${detail}`, options);
    }
  }
}
