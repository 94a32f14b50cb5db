/**
 * What neither vobject, python-icalendar nor ical.js checks (they all accept long lines, bare LF
 * and a TZID without its VTIMEZONE), checked on the bytes as a client would receive them.
 */

/** Problems with the physical lines: CRLF endings, 75-octet limit, UTF-8 per line, no BOM. */
export function contentLineProblems(text: string): string[] {
  const problems: string[] = [];
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.toString('utf8') !== text) problems.push('text does not survive UTF-8 encoding (lone surrogate?)');
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) problems.push('starts with a BOM');
  if (text.length > 0 && !text.endsWith('\r\n')) problems.push('does not end with CRLF');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let lineStart = 0;
  let lineNo = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d && bytes[i + 1] !== 0x0a) problems.push(`line ${lineNo + 1}: bare CR`);
    if (b === 0x0a && bytes[i - 1] !== 0x0d) problems.push(`line ${lineNo + 1}: bare LF`);
    if (b !== 0x0a) continue;
    lineNo++;
    const line = bytes.subarray(lineStart, i - 1);
    if (line.length > 75) problems.push(`line ${lineNo}: ${line.length} octets`);
    try {
      // Each physical line must be valid UTF-8 on its own: a fold never splits a sequence.
      decoder.decode(line);
    } catch {
      problems.push(`line ${lineNo}: a UTF-8 sequence split by a fold`);
    }
    if (lineNo > 1 && line.length === 0) problems.push(`line ${lineNo}: empty line`);
    lineStart = i + 1;
  }
  return problems;
}

/** The logical lines (unfolded), without their CRLF. */
export function unfoldedLines(text: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, '')
    .split('\r\n')
    .filter((l) => l !== '');
}

export interface TimezoneCoverage {
  /** TZIDs used by properties outside VTIMEZONE components. */
  used: string[];
  /** TZIDs of the VTIMEZONE components. */
  defined: string[];
  missing: string[];
  duplicated: string[];
  unused: string[];
}

/** Which TZIDs an iCalendar text uses and defines. */
export function timezoneCoverage(ics: string): TimezoneCoverage {
  const used = new Set<string>();
  const defined: string[] = [];
  let depth = 0;
  for (const line of unfoldedLines(ics)) {
    if (line === 'BEGIN:VTIMEZONE') depth++;
    else if (line === 'END:VTIMEZONE') depth--;
    else if (depth > 0 && line.startsWith('TZID:')) defined.push(line.slice(5));
    else if (depth === 0) {
      const head = line.slice(0, headEnd(line));
      for (const m of head.matchAll(/;TZID=("?)([^";:]*)\1/gi)) used.add(m[2]!);
    }
  }
  const definedSet = new Set(defined);
  return {
    used: [...used].sort(),
    defined: [...defined].sort(),
    missing: [...used].filter((t) => !definedSet.has(t)).sort(),
    duplicated: defined.filter((t, i) => defined.indexOf(t) !== i),
    unused: defined.filter((t) => !used.has(t)),
  };
}

/** Where name and parameters end: the first `:` outside double quotes. */
function headEnd(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) return i;
  }
  return line.length;
}
