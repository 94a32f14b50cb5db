/**
 * The iPhone flavour of the MTP simulator: an iPhone's camera roll as iOS's PTP responder (ptpd)
 * gives it to a computer over the still-image interface (class 6/1/1), with the quirks a host
 * meets on a real one:
 *
 * - Trust: until the owner unlocks the phone and taps "Trust" on its screen, GetStorageIDs lists
 *   one placeholder storage, 0xFEEDFACE, with nothing in it (a locked phone: no storage at all).
 *   When the phone starts trusting the computer it sends StoreRemoved(0xFEEDFACE) and
 *   StoreAdded(0x00010001) on the interrupt endpoint and lists the real storage from then on
 *   (libgphoto2 camlibs/ptp2/library.c, "Apple iOS 10.2 hack"; gphoto2 issue #295).
 * - DeviceInfo: Manufacturer "Apple Inc.", Model "Apple " + the device class ("Apple iPhone"),
 *   DeviceVersion the iOS version, and a VendorExtensionDesc "ICPE^<0|1>&CPLS^<n>&ASN^<serial>"
 *   whose ICPE says whether iCloud Photos is on (seen in iOS's ptpd). No MTP extension, no
 *   GetPartialObject64, no battery property.
 * - Storage: DCIM/100APPLE, 101APPLE ... with IMG_nnnn.JPG/.HEIC/.MOV/.PNG and .AAE edit sidecars;
 *   the same name can appear twice in one folder (libgphoto2 issue #1238): in an image, the
 *   second copy is stored as "NAME#2" (mtp-object-store.ts, duplicateNames).
 *
 * What was not checked against a real iPhone (none was at hand): the exact operation, event
 * and format lists, the interface string, and what a locked phone that already trusts the
 * computer lists (taken here to be no storage at all).
 */
import type { DeviceIdentity } from '../../model/device.ts';
import { APPLE_PLACEHOLDER_STORAGE_ID, EventCode, Format, Op } from '../../protocols/mtp/mtp-codes.ts';
import type { DeviceInfo } from '../../protocols/mtp/mtp-datasets.ts';

/** What the phone thinks of the computer when the session opens. */
export type IphoneTrust = 'trusted' | 'untrusted' | 'locked';
export const IPHONE_TRUST_STATES: readonly IphoneTrust[] = ['trusted', 'untrusted', 'locked'];

export interface IphonePtpOptions {
  /** Default "trusted". */
  readonly trust?: IphoneTrust;
  /** The owner unlocks and taps Trust this long after the session opened (default: never). */
  readonly trustAfterMs?: number;
  /** iCloud Photos on (ICPE^1): photos kept only in iCloud are not on the phone. */
  readonly icloudPhotos?: boolean;
  readonly iosVersion?: string;
}

/** device.json fields of the iPhone flavour (see README.md in this folder). */
export function iphoneOptionsOf(extra: DeviceIdentity['extra']): IphonePtpOptions {
  const trust = extra?.iphoneTrust;
  const after = extra?.iphoneTrustAfterMs;
  return {
    trust: typeof trust === 'string' && (IPHONE_TRUST_STATES as readonly string[]).includes(trust) ? (trust as IphoneTrust) : 'trusted',
    ...(typeof after === 'number' && after >= 0 ? { trustAfterMs: after } : {}),
    icloudPhotos: extra?.icloudPhotos === true,
    iosVersion: typeof extra?.iosVersion === 'string' ? extra.iosVersion : '17.5.1',
  };
}

export const IPHONE_OPERATIONS = [
  Op.GetDeviceInfo, Op.OpenSession, Op.CloseSession, Op.GetStorageIDs, Op.GetStorageInfo, Op.GetNumObjects,
  Op.GetObjectHandles, Op.GetObjectInfo, Op.GetObject, Op.GetThumb, Op.GetPartialObject,
  Op.GetObjectPropsSupported, Op.GetObjectPropDesc, Op.GetObjectPropValue,
];

export function iphoneDeviceInfo(identity: Pick<DeviceIdentity, 'model' | 'serial'>, options: IphonePtpOptions): DeviceInfo {
  const icloud = options.icloudPhotos ? 1 : 0;
  return {
    standardVersion: 100,
    vendorExtensionId: 0,
    vendorExtensionVersion: 0,
    vendorExtensionDesc: `ICPE^${icloud}&CPLS^${icloud}&ASN^${identity.serial}`,
    functionalMode: 0,
    operations: [...IPHONE_OPERATIONS],
    events: [EventCode.ObjectAdded, EventCode.ObjectRemoved, EventCode.StoreAdded, EventCode.StoreRemoved, EventCode.DeviceInfoChanged],
    deviceProperties: [],
    captureFormats: [],
    playbackFormats: [Format.Undefined, Format.Association, Format.EXIF_JPEG, Format.HEIF, Format.PNG, Format.GIF, Format.TIFF, Format.QuickTime, Format.MP4Container],
    manufacturer: 'Apple Inc.',
    model: identity.model.startsWith('Apple ') ? identity.model : `Apple ${identity.model}`,
    deviceVersion: options.iosVersion ?? '17.5.1',
    serialNumber: identity.serial,
  };
}

/** The phone's trust in this computer over time: placeholder, nothing, or the real storage. */
export class IphoneTrustClock {
  #state: IphoneTrust;
  readonly #afterMs: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onTrusted: (() => void) | undefined;

  constructor(options: IphonePtpOptions) {
    this.#state = options.trust ?? 'trusted';
    this.#afterMs = options.trustAfterMs;
  }

  get state(): IphoneTrust {
    return this.#state;
  }

  /** A session opened: the phone asks its owner now; `onTrusted` runs when the owner says yes. */
  sessionOpened(onTrusted: () => void): void {
    this.#onTrusted = onTrusted;
    if (this.#state === 'trusted' || this.#afterMs === undefined || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#state = 'trusted';
      this.#onTrusted?.();
    }, this.#afterMs);
    this.#timer.unref();
  }

  /** Storage ids as GetStorageIDs gives them now. */
  storageIds(realStorageId: number): number[] {
    if (this.#state === 'trusted') return [realStorageId];
    if (this.#state === 'untrusted') return [APPLE_PLACEHOLDER_STORAGE_ID];
    return [];
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
