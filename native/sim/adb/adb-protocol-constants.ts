/**
 * Numbers of the ADB transport protocol, as AOSP's adbd and the adb client use them
 * (packages/modules/adb: docs/dev/protocol.md, adb.h). Commands are four ASCII letters read as a
 * little-endian u32, so 'CNXN' is 0x4e584e43.
 */
export const A_CNXN = 0x4e584e43;
export const A_AUTH = 0x48545541;
export const A_OPEN = 0x4e45504f;
export const A_OKAY = 0x59414b4f;
export const A_WRTE = 0x45545257;
export const A_CLSE = 0x45534c43;
export const A_STLS = 0x534c5453;
export const A_SYNC = 0x434e5953;

export const KNOWN_COMMANDS: ReadonlySet<number> = new Set([A_CNXN, A_AUTH, A_OPEN, A_OKAY, A_WRTE, A_CLSE, A_STLS, A_SYNC]);

/** The first version; a peer that speaks it needs the payload checksum on every packet. */
export const A_VERSION_MIN = 0x01000000;
/** From this version on the checksum may be 0 and is not checked (A_VERSION_SKIP_CHECKSUM). */
export const A_VERSION_SKIP_CHECKSUM = 0x01000001;
/** What this simulator speaks: the newest version, as adbd since Android 9. */
export const A_VERSION = A_VERSION_SKIP_CHECKSUM;

/** adbd's MAX_PAYLOAD: the largest payload it advertises in CNXN and accepts (1 MiB). */
export const MAX_PAYLOAD = 1024 * 1024;
/** Payloads sent before CNXN tells the peer's limit (CNXN, AUTH) stay within the old 4 KiB. */
export const MAX_PAYLOAD_V1 = 4 * 1024;

/** AUTH packet types (arg0). */
export const AUTH_TOKEN = 1;
export const AUTH_SIGNATURE = 2;
export const AUTH_RSAPUBLICKEY = 3;
/** adbd's token length (TOKEN_SIZE). */
export const AUTH_TOKEN_SIZE = 20;

export const HEADER_SIZE = 24;

export function commandName(command: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(command >>> 0);
  return /^[A-Z0-9]{4}$/.test(bytes.toString('latin1')) ? bytes.toString('latin1') : `0x${(command >>> 0).toString(16).padStart(8, '0')}`;
}
