import { decodeGsm7, encodeGsm7 } from './gsm-alphabet.ts';

/**
 * The character sets of +CSCS (3GPP TS 27.007 §5.5) Lifeboat reads, best first: UCS2 carries
 * every name, UTF-8 too, GSM only its own alphabet. "HEX" is the phone's own (GSM) bytes written
 * as hex digits; IRA is ASCII; 8859-1 is Latin-1.
 */
export const CHARSET_PREFERENCE = ['UCS2', 'UTF-8', 'GSM', 'HEX', '8859-1', 'IRA'] as const;
export type AtCharset = (typeof CHARSET_PREFERENCE)[number];

/** The names phones use in +CSCS=? for each set (UCS-2 and UTF8 are seen in the wild). */
const SPELLINGS: Record<AtCharset, readonly string[]> = {
  UCS2: ['UCS2', 'UCS-2'],
  'UTF-8': ['UTF-8', 'UTF8'],
  GSM: ['GSM'],
  HEX: ['HEX'],
  '8859-1': ['8859-1'],
  IRA: ['IRA'],
};

/** The best set the phone offers, and the spelling it used (to be sent back exactly). */
export function chooseCharset(offered: readonly string[]): { charset: AtCharset; spelling: string } | undefined {
  const upper = offered.map((name) => name.trim().toUpperCase());
  for (const charset of CHARSET_PREFERENCE) {
    for (const spelling of SPELLINGS[charset]) {
      if (upper.includes(spelling)) return { charset, spelling };
    }
  }
  return undefined;
}

export class AtCharsetError extends Error {
  override readonly name = 'AtCharsetError';
}

/** A quoted text field (its bytes as a latin1 string) to text, in the link's character set. */
export function decodeText(raw: string, charset: AtCharset): string {
  const bytes = Buffer.from(raw, 'latin1');
  switch (charset) {
    case 'UCS2':
      return decodeUcs2Hex(raw);
    case 'UTF-8':
      return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    case 'GSM':
      return decodeGsm7(bytes);
    case 'HEX':
      return decodeGsm7(hexBytes(raw));
    case '8859-1':
      return bytes.toString('latin1');
    case 'IRA':
      return [...bytes].map((b) => (b < 0x80 ? String.fromCharCode(b) : '\ufffd')).join('');
  }
}

/**
 * A phone number field. 27.007 puts numbers in the link's character set too, but many phones
 * send them plain while names are in UCS2 hex; a UCS2-looking number (every four digits starting
 * with "00" and decoding to dial characters) is decoded, anything else is taken as it is.
 */
export function decodeNumber(raw: string, charset: AtCharset): string {
  if (charset === 'UCS2' && /^(00[0-9A-Fa-f]{2})+$/.test(raw)) {
    const text = decodeUcs2Hex(raw);
    if (/^[0-9+*#pPwW,;]*$/.test(text)) return text;
    return raw;
  }
  if (charset === 'HEX' && /^([0-9A-Fa-f]{2})+$/.test(raw)) {
    const text = decodeGsm7(hexBytes(raw));
    if (/^[0-9+*#pPwW,;]*$/.test(text) && !/^[0-9]*$/.test(raw)) return text;
  }
  if (charset === 'GSM' || charset === 'HEX') return decodeGsm7(Buffer.from(raw, 'latin1'));
  return decodeText(raw, charset === 'UCS2' ? 'IRA' : charset);
}

/** Text to the bytes of a quoted field (latin1 string), for the simulator's answers. */
export function encodeText(text: string, charset: AtCharset): string {
  switch (charset) {
    case 'UCS2': {
      let hex = '';
      for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
      return hex;
    }
    case 'UTF-8':
      return Buffer.from(text, 'utf8').toString('latin1');
    case 'GSM':
    case 'HEX': {
      const septets = encodeGsm7(text);
      if (!septets) throw new AtCharsetError(`${JSON.stringify(text)} has characters outside the GSM alphabet`);
      return charset === 'GSM' ? Buffer.from(septets).toString('latin1') : Buffer.from(septets).toString('hex').toUpperCase();
    }
    case '8859-1':
      return Buffer.from(text, 'latin1').toString('latin1');
    case 'IRA':
      return text.replace(/[^\x00-\x7f]/g, '?');
  }
}

/** UCS2 as 27.007 writes it: four hex digits per UTF-16 code unit, big-endian; surrogate pairs pass through. */
export function decodeUcs2Hex(raw: string): string {
  const hex = raw.trim();
  if (hex.length % 4 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) {
    throw new AtCharsetError(`${JSON.stringify(hex.slice(0, 40))} is not UCS2 hex (groups of four hex digits)`);
  }
  let text = '';
  for (let i = 0; i < hex.length; i += 4) text += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
  return text;
}

function hexBytes(raw: string): Uint8Array {
  const hex = raw.trim();
  if (hex.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(hex)) throw new AtCharsetError(`${JSON.stringify(hex.slice(0, 40))} is not HEX (pairs of hex digits)`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** Type of address 145: an international number, which is shown with a leading "+" (27.007 §8.12, 24.008 §10.5.4.7). */
export function withNumberType(number: string, type: number | undefined): string {
  if (type === 145 && number !== '' && !number.startsWith('+')) return `+${number}`;
  return number;
}
