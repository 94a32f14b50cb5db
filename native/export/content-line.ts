/**
 * Content lines as vCard (RFC 2426, RFC 6350) and iCalendar (RFC 5545) share them:
 * `NAME;PARAM=value:value`, folded at 75 octets, CRLF-terminated, with TEXT escaped.
 * Everything a phone hands us is untrusted text, so every value goes through here.
 */

const CRLF = '\r\n';
const MAX_LINE_OCTETS = 75;

/**
 * Folds one logical line into physical lines of at most 75 octets of UTF-8 (the continuation's
 * leading space counts), so a fold never lands inside a UTF-8 sequence or a surrogate pair:
 * clients that unfold bytewise and clients that unfold by characters then agree.
 */
export function foldLine(line: string): string {
  if (/[\r\n]/.test(line)) {
    // A raw line break inside a value would end the line early and let the rest be read as
    // properties of its own: a bug upstream, never something to write.
    throw new Error('foldLine: a content line must not contain CR or LF');
  }
  if (line.length <= MAX_LINE_OCTETS && isAscii(line)) return line;
  if (isAscii(line)) return foldAscii(line);
  if (Buffer.byteLength(line, 'utf8') <= MAX_LINE_OCTETS) return line;

  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_LINE_OCTETS;
  for (const ch of line) {
    const size = utf8Length(ch);
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = MAX_LINE_OCTETS - 1;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

function foldAscii(line: string): string {
  const parts = [line.slice(0, MAX_LINE_OCTETS)];
  for (let i = MAX_LINE_OCTETS; i < line.length; i += MAX_LINE_OCTETS - 1) {
    parts.push(line.slice(i, i + MAX_LINE_OCTETS - 1));
  }
  return parts.join(`${CRLF} `);
}

function isAscii(s: string): boolean {
  return /^[\x00-\x7f]*$/.test(s);
}

/** Octets of one code point (as `for..of` yields them); a lone surrogate is written as U+FFFD. */
function utf8Length(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/**
 * Makes text safe to carry: CRLF and CR become LF, the Unicode line separators (NEL, LS, PS,
 * which Python's splitlines() and others treat as line ends) become LF too, the control
 * characters RFC 5545/6350 forbid (C0 but tab, and DEL) are dropped, and lone surrogates, which
 * have no UTF-8 form, become U+FFFD.
 */
export function sanitizeText(s: string): string {
  return s
    .replace(/\r\n?|[\u0085\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export interface EscapeOptions {
  /**
   * Escape `;` as `\;` (default). iCalendar and vCard 3.0 TEXT require it; vCard 4.0's TEXT
   * grammar has no `\;` outside compound values (N, ADR, ORG), and some 4.0 readers (ical.js)
   * then keep the backslash, so 4.0 single values pass `false`.
   */
  semicolon?: boolean;
}

/**
 * TEXT escaping shared by vCard and iCalendar: backslash first (so the escapes added after it are
 * not doubled), every newline form as `\n`, and the separators `,` and `;`.
 */
export function escapeText(s: string, opts: EscapeOptions = {}): string {
  const escaped = s
    .replace(/\\/g, '\\\\')
    .replace(/\r\n|\r|\n/g, '\\n')
    .replace(/,/g, '\\,');
  return opts.semicolon === false ? escaped : escaped.replace(/;/g, '\\;');
}

/** A TEXT value ready for a content line: sanitized, then escaped. */
export function textValue(s: string, opts: EscapeOptions = {}): string {
  return escapeText(sanitizeText(s), opts);
}

/** The components of a structured value (N, ADR, ORG), each escaped, joined with `;`. */
export function structuredValue(components: readonly (string | undefined)[]): string {
  return components.map((c) => textValue(c ?? '')).join(';');
}

/** A list value (NICKNAME, CATEGORIES), each item escaped, joined with `,`. */
export function listValue(items: readonly string[], opts: EscapeOptions = {}): string {
  return items.map((item) => textValue(item, opts)).join(',');
}

export interface ParamOptions {
  /**
   * Encode newline, `"` and `^` with RFC 6868 carets (`^n`, `^'`, `^^`) instead of dropping
   * them. Only where the reader is expected to know RFC 6868 (vCard 4.0's ADR LABEL).
   */
  caret?: boolean;
}

/**
 * A parameter value: `"` and control characters cannot appear in one at all (RFC 5545
 * QSAFE-CHAR), so they are dropped (newlines become a space so words stay apart), and the value is
 * quoted when it holds `:`, `;` or `,`, which would otherwise end it.
 */
export function paramValue(value: string, opts: ParamOptions = {}): string {
  let v = sanitizeText(value);
  if (opts.caret) {
    v = v.replace(/\^/g, '^^').replace(/\n/g, '^n').replace(/"/g, "^'");
  } else {
    v = v.replace(/\n/g, ' ').replace(/"/g, '');
  }
  return /[:;,]/.test(v) ? `"${v}"` : v;
}

/** A parameter: one value, or several joined with `,` (each quoted on its own when needed). */
export type Param = readonly [name: string, value: string | readonly string[], opts?: ParamOptions];

/**
 * One complete content line: name (with its group, if any), parameters, value, folded and
 * CRLF-terminated. `value` must already be in its final form (escaped TEXT, a URI, a date).
 */
export function contentLine(name: string, value: string, params: readonly Param[] = []): string {
  let head = name;
  for (const [pname, pvalue, opts] of params) {
    const values = typeof pvalue === 'string' ? [pvalue] : pvalue;
    if (values.length === 0) continue;
    head += `;${pname}=${values.map((v) => paramValue(v, opts)).join(',')}`;
  }
  return foldLine(`${head}:${value}`) + CRLF;
}

/** Re-folds a block of CRLF-separated lines from elsewhere (e.g. a VTIMEZONE) to our rules. */
export function foldBlock(block: string): string {
  return block
    .replace(/\r?\n[ \t]/g, '')
    .split(/\r\n|\n/)
    .filter((l) => l !== '')
    .map((l) => foldLine(l) + CRLF)
    .join('');
}
