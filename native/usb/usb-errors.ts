/**
 * USB errors a person (or the layer above) can act on.
 *
 * The USB layer must not know about adapters or exit codes, so it defines its own errors; the
 * adapters map them (UsbDisconnectedError → SourceLostError → exit code 3, and so on). Every
 * error keeps the backend's original error as `cause`, so nothing is lost for a bug report.
 */

/** Base class: every error the USB layer raises on purpose is a UsbError. */
export class UsbError extends Error {
  override readonly name: string = 'UsbError';
}

/** The device went away (cable pulled, phone rebooted, bus reset). Reconnect and run again. */
export class UsbDisconnectedError extends UsbError {
  override readonly name = 'UsbDisconnectedError';
  constructor(message = 'The phone was disconnected (the USB cable was pulled or the phone restarted).', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The operating system refused access. Each platform has its own cure, so the message carries a
 * hint for the platform we run on (see accessDeniedHint).
 */
export class UsbAccessDeniedError extends UsbError {
  override readonly name = 'UsbAccessDeniedError';
  readonly hint: string;
  constructor(what: string, options?: ErrorOptions & { platform?: NodeJS.Platform; vendorId?: number }) {
    const hint = accessDeniedHint(options?.platform ?? process.platform, options?.vendorId);
    super(`${what}: access denied. ${hint}`, options);
    this.hint = hint;
  }
}

/** Another program holds the interface (typically an adb server, or a file-transfer app). */
export class UsbBusyError extends UsbError {
  override readonly name = 'UsbBusyError';
  constructor(
    what: string,
    options?: ErrorOptions,
    hint = 'Another program is using the phone: if an adb server runs, stop it with `adb kill-server`; close apps that browse the phone (file managers, photo importers), then try again.',
  ) {
    super(`${what}: the phone is busy. ${hint}`, options);
  }
}

/** The phone did not answer in time. */
export class UsbTimeoutError extends UsbError {
  override readonly name = 'UsbTimeoutError';
  constructor(what: string, options?: ErrorOptions) {
    super(`${what}: the phone did not answer in time. Unlock it, keep it awake, and check the cable.`, options);
  }
}

/**
 * A transfer was aborted because this program closed the device (WebUSB's "AbortError").
 * Not the phone's fault and not a lost phone: whoever closed the device expects this.
 */
export class UsbAbortedError extends UsbError {
  override readonly name = 'UsbAbortedError';
  constructor(message = 'The USB transfer was aborted because the device was closed.', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A call made in the wrong state: a transfer before open() or before claimInterface(), an
 * interface or endpoint the device does not have (WebUSB's InvalidStateError / NotFoundError).
 * This is a bug in the caller, not something a person can fix.
 */
export class UsbStateError extends UsbError {
  override readonly name = 'UsbStateError';
}

/** What to do when the OS denies access, per platform (see ../shared/STACK.md, "Platform limits"). */
export function accessDeniedHint(platform: NodeJS.Platform, vendorId?: number): string {
  switch (platform) {
    case 'linux': {
      const vendor = vendorId === undefined ? '' : `, ATTR{idVendor}=="${vendorId.toString(16).padStart(4, '0')}"`;
      return (
        'On Linux your user needs a udev rule to open the phone, for example a file ' +
        `/etc/udev/rules.d/51-lifeboat.rules holding SUBSYSTEM=="usb"${vendor}, MODE="0660", TAG+="uaccess"; ` +
        'then run `sudo udevadm control --reload` and unplug and replug the phone.'
      );
    }
    case 'darwin':
      return (
        'On macOS another app holds the phone: quit Photos, Image Capture, Android File Transfer, ' +
        'Google Drive and similar apps; the system service ptpcamerad also grabs phones and cameras ' +
        '(it restarts when the phone is replugged). Then unplug and replug the phone.'
      );
    case 'win32':
      return (
        'On Windows the phone must use the WinUSB driver: in file-transfer (MTP) mode Windows’ own ' +
        'driver owns it; for USB debugging install the phone maker’s or Google’s USB driver.'
      );
    default:
      return 'Check that your user may open USB devices and that no other program uses the phone.';
  }
}
