/**
 * How `content query` turns one cell into text (frameworks/base/cmds/content, Content.java,
 * QueryCommand): by the cell's SQLite type, INTEGER → String.valueOf(getLong), FLOAT →
 * String.valueOf(getFloat) (a Java float, 24-bit mantissa!), STRING as is, BLOB → the word "BLOB",
 * NULL → the word "NULL". Strings are not quoted or escaped in any way.
 */
export function contentCellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  // With safe integers on, SQLite INTEGER arrives as bigint and only REAL as number.
  if (typeof value === 'number') return javaFloatToString(value);
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return 'BLOB';
  return String(value);
}

/**
 * Java's Float.toString: the shortest decimal that reads back as the same float, written as
 * "1.0", "0.001", "1.0E7", "1.2345E-4" (plain notation from 10^-3 up to 10^7, else scientific).
 */
export function javaFloatToString(input: number): string {
  if (Number.isNaN(input)) return 'NaN';
  const f = Math.fround(input);
  if (f === Infinity) return 'Infinity';
  if (f === -Infinity) return '-Infinity';
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  let digits = '';
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = f.toPrecision(precision);
    if (Math.fround(Number(candidate)) === f) {
      digits = candidate;
      break;
    }
  }
  const [mantissaText, exponentText] = Number(digits).toExponential().split('e');
  const exponent = Number(exponentText);
  const negative = mantissaText!.startsWith('-');
  const mantissa = mantissaText!.replace('-', '');
  const allDigits = mantissa.replace('.', '');
  const sign = negative ? '-' : '';
  const abs = Math.abs(f);
  if (abs >= 1e-3 && abs < 1e7) {
    // Plain: place the decimal point exponent+1 digits in.
    const pointAt = exponent + 1;
    let whole: string;
    let fraction: string;
    if (pointAt <= 0) {
      whole = '0';
      fraction = '0'.repeat(-pointAt) + allDigits;
    } else if (pointAt >= allDigits.length) {
      whole = allDigits + '0'.repeat(pointAt - allDigits.length);
      fraction = '0';
    } else {
      whole = allDigits.slice(0, pointAt);
      fraction = allDigits.slice(pointAt);
    }
    return `${sign}${whole}.${fraction || '0'}`;
  }
  const fractionDigits = allDigits.slice(1) || '0';
  return `${sign}${allDigits[0]}.${fractionDigits}E${exponent}`;
}
