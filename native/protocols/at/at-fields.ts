/**
 * The parameters of an information line ("+CPBR: 1,"123",129,"Ann"") split at top-level commas:
 * quoted strings (their bytes kept raw, as the character set decides what they mean), groups in
 * parentheses, and bare values. Lenient where phones are sloppy (spaces after commas, a stray
 * quote inside a string), never unbounded: the line is already bounded by the session.
 */
export type AtField = { kind: 'string'; raw: string } | { kind: 'group'; raw: string } | { kind: 'bare'; raw: string };

/** The text after `prefix` (e.g. "+CPBR:") when the line starts with it, else undefined. */
export function afterPrefix(line: string, prefix: string): string | undefined {
  if (!line.toUpperCase().startsWith(prefix.toUpperCase())) return undefined;
  return line.slice(prefix.length).trimStart();
}

export function splitFields(payload: string): AtField[] {
  const fields: AtField[] = [];
  let i = 0;
  const n = payload.length;
  const skipSpaces = () => {
    while (i < n && (payload[i] === ' ' || payload[i] === '\t')) i++;
  };
  while (i <= n) {
    skipSpaces();
    if (i >= n) {
      if (fields.length > 0 && payload.trimEnd().endsWith(',')) fields.push({ kind: 'bare', raw: '' });
      break;
    }
    const ch = payload[i];
    if (ch === '"') {
      // The closing quote is the next one followed by a comma or the end: a quote inside a
      // name (seen on Samsung phones with raw 8-bit names) does not cut the field short.
      let j = i + 1;
      let end = -1;
      while (j < n) {
        if (payload[j] === '"') {
          let k = j + 1;
          while (k < n && (payload[k] === ' ' || payload[k] === '\t')) k++;
          if (k >= n || payload[k] === ',') {
            end = j;
            break;
          }
        }
        j++;
      }
      if (end < 0) end = n; // an unclosed string runs to the end of the line
      fields.push({ kind: 'string', raw: payload.slice(i + 1, end) });
      i = end + 1;
    } else if (ch === '(') {
      let depth = 0;
      let j = i;
      let inQuote = false;
      for (; j < n; j++) {
        const c = payload[j];
        if (c === '"') inQuote = !inQuote;
        else if (!inQuote && c === '(') depth++;
        else if (!inQuote && c === ')') {
          depth--;
          if (depth === 0) break;
        }
      }
      fields.push({ kind: 'group', raw: payload.slice(i + 1, Math.min(j, n)) });
      i = j + 1;
    } else {
      let j = i;
      while (j < n && payload[j] !== ',') j++;
      fields.push({ kind: 'bare', raw: payload.slice(i, j).trim() });
      i = j;
    }
    skipSpaces();
    if (i < n && payload[i] === ',') {
      i++;
      if (i >= n) {
        fields.push({ kind: 'bare', raw: '' });
        break;
      }
      continue;
    }
    if (i >= n) break;
    // Something after a closed string or group but before a comma: keep it as its own field.
    let j = i;
    while (j < n && payload[j] !== ',') j++;
    fields.push({ kind: 'bare', raw: payload.slice(i, j).trim() });
    i = j + 1;
    if (j >= n) break;
  }
  return fields;
}

/** The quoted strings inside a group or a list: ("SM","ME") → ["SM", "ME"]. */
export function quotedStrings(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
}

export function fieldInt(field: AtField | undefined): number | undefined {
  if (!field || field.kind === 'group') return undefined;
  const text = field.raw.trim();
  if (!/^-?\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

export function fieldString(field: AtField | undefined): string | undefined {
  if (!field) return undefined;
  if (field.kind === 'string') return field.raw;
  if (field.kind === 'bare') return field.raw; // some phones leave numbers unquoted
  return undefined;
}
