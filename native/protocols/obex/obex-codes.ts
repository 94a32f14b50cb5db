/**
 * Numbers of IrOBEX 1.2 / 1.3 (IrDA "Object Exchange Protocol"): operation codes, response codes,
 * header identifiers, and the targets feature phones answer to.
 */

/** The high bit of an opcode or response code: "final" (the last packet of a request / a response). */
export const FINAL_BIT = 0x80;

export const Opcode = {
  Connect: 0x80,
  Disconnect: 0x81,
  Put: 0x02,
  PutFinal: 0x82,
  Get: 0x03,
  GetFinal: 0x83,
  SetPath: 0x85,
  Action: 0x86,
  Session: 0x87,
  Abort: 0xff,
} as const;

export function opcodeName(code: number): string {
  switch (code) {
    case Opcode.Connect: return 'CONNECT';
    case Opcode.Disconnect: return 'DISCONNECT';
    case Opcode.Put: case Opcode.PutFinal: return 'PUT';
    case Opcode.Get: case Opcode.GetFinal: return 'GET';
    case Opcode.SetPath: return 'SETPATH';
    case Opcode.Action: case 0x06: return 'ACTION';
    case Opcode.Session: return 'SESSION';
    case Opcode.Abort: return 'ABORT';
    default: return `opcode 0x${code.toString(16).padStart(2, '0')}`;
  }
}

/** Response codes as they travel (final bit set: every OBEX response packet carries it). */
export const Response = {
  Continue: 0x90,
  Success: 0xa0,
  Created: 0xa1,
  Accepted: 0xa2,
  NoContent: 0xa4,
  PartialContent: 0xa6,
  BadRequest: 0xc0,
  Unauthorized: 0xc1,
  Forbidden: 0xc3,
  NotFound: 0xc4,
  MethodNotAllowed: 0xc5,
  NotAcceptable: 0xc6,
  RequestTimeOut: 0xc8,
  LengthRequired: 0xcb,
  PreconditionFailed: 0xcc,
  RequestedEntityTooLarge: 0xcd,
  UnsupportedMediaType: 0xcf,
  InternalServerError: 0xd0,
  NotImplemented: 0xd1,
  ServiceUnavailable: 0xd3,
  DatabaseFull: 0xe0,
  DatabaseLocked: 0xe1,
} as const;

const RESPONSE_NAMES = new Map<number, string>(Object.entries(Response).map(([name, code]) => [code, name.replace(/([a-z])([A-Z])/g, '$1 $2')]));

/** Every response code IrOBEX defines (0x10 continue, 0x20-0x26, 0x30-0x35, 0x40-0x4f, 0x50-0x55, 0x60-0x61), final bit set. */
export function isDefinedResponse(code: number): boolean {
  const c = code & 0x7f;
  if ((code & FINAL_BIT) === 0) return false;
  return c === 0x10 || (c >= 0x20 && c <= 0x26) || (c >= 0x30 && c <= 0x35) || (c >= 0x40 && c <= 0x4f) || (c >= 0x50 && c <= 0x55) || c === 0x60 || c === 0x61;
}

export function responseName(code: number): string {
  const name = RESPONSE_NAMES.get(code);
  return `${name ?? 'response'} (0x${code.toString(16).padStart(2, '0')})`;
}

/**
 * Header identifiers. The top two bits say how the value is encoded: 00 null-terminated UTF-16BE
 * text with a 2-byte length, 01 bytes with a 2-byte length, 10 one byte, 11 four bytes.
 */
export const HeaderId = {
  Count: 0xc0,
  Name: 0x01,
  Type: 0x42,
  Length: 0xc3,
  TimeIso: 0x44,
  Time4: 0xc4,
  Description: 0x05,
  Target: 0x46,
  Http: 0x47,
  Body: 0x48,
  EndOfBody: 0x49,
  Who: 0x4a,
  ConnectionId: 0xcb,
  AppParameters: 0x4c,
  AuthChallenge: 0x4d,
  AuthResponse: 0x4e,
  CreatorId: 0xcf,
  WanUuid: 0x50,
  ObjectClass: 0x51,
  SessionParameters: 0x52,
  SessionSequenceNumber: 0x93,
  ActionId: 0x94,
  DestName: 0x15,
  Permissions: 0xd6,
  SingleResponseMode: 0x97,
  SingleResponseModeParameters: 0x98,
} as const;

export type HeaderEncoding = 'unicode' | 'bytes' | 'byte' | 'int';

export function headerEncoding(id: number): HeaderEncoding {
  switch (id & 0xc0) {
    case 0x00: return 'unicode';
    case 0x40: return 'bytes';
    case 0x80: return 'byte';
    default: return 'int';
  }
}

export const OBEX_VERSION = 0x10;
/** The smallest maximum packet length a peer may state (IrOBEX 1.2, 3.3.1.4). */
export const MIN_MAX_PACKET_LENGTH = 255;
export const MAX_MAX_PACKET_LENGTH = 0xffff;

/** SETPATH flag bits: bit 0 backs up a level ("cd .."), bit 1 forbids creating the folder. */
export const SetPathFlag = {
  BackUp: 0x01,
  DontCreate: 0x02,
} as const;

/** IrMC synchronisation: telecom/pb.vcf, telecom/cal.vcs, telecom/devinfo.txt (IrMC 1.1). */
export const TARGET_IRMC_SYNC: Uint8Array = new TextEncoder().encode('IRMC-SYNC');
/** OBEX Folder Browsing Service, UUID F9EC7BC4-953C-11D2-984E-525400DC9E09. */
export const TARGET_FOLDER_BROWSING: Uint8Array = Uint8Array.from([0xf9, 0xec, 0x7b, 0xc4, 0x95, 0x3c, 0x11, 0xd2, 0x98, 0x4e, 0x52, 0x54, 0x00, 0xdc, 0x9e, 0x09]);

export const FOLDER_LISTING_TYPE = 'x-obex/folder-listing';
