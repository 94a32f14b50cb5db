/**
 * The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1), as the
 * "GSM" character set of +CSCS carries it over AT: one byte per septet, an extension character
 * as 0x1B followed by its code.
 */
const DEFAULT_TABLE: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** After 0x1B (escape to the extension table). */
const EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const ESCAPE = 0x1b;

const ENCODE_DEFAULT = new Map<string, number>(DEFAULT_TABLE.map((ch, code) => [ch, code] as [string, number]).filter(([, code]) => code !== ESCAPE));
const ENCODE_EXTENSION = new Map<string, number>([...EXTENSION_TABLE].map(([code, ch]) => [ch, code]));

/** Septets (one per byte) to text. A byte above 0x7F is not GSM; it becomes U+FFFD so nothing passes silently. */
export function decodeGsm7(bytes: ArrayLike<number>): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte > 0x7f) {
      text += '\ufffd';
      continue;
    }
    if (byte === ESCAPE) {
      const next = bytes[i + 1];
      if (next === undefined) {
        text += ' '; // a lone escape at the end: 23.038 says show a space
        continue;
      }
      i++;
      // An unknown extension code is shown as the default-table character (23.038 §6.2.1.1).
      text += EXTENSION_TABLE.get(next) ?? (next <= 0x7f && next !== ESCAPE ? DEFAULT_TABLE[next]! : ' ');
      continue;
    }
    text += DEFAULT_TABLE[byte]!;
  }
  return text;
}

/** Text to septets, or undefined when a character has no place in the GSM alphabet. */
export function encodeGsm7(text: string): number[] | undefined {
  const out: number[] = [];
  for (const ch of text) {
    const code = ENCODE_DEFAULT.get(ch);
    if (code !== undefined) {
      out.push(code);
      continue;
    }
    const extension = ENCODE_EXTENSION.get(ch);
    if (extension === undefined) return undefined;
    out.push(ESCAPE, extension);
  }
  return out;
}
