import { describe, expect, it } from 'vitest';
import {
  CONTENT_BLOB, ContentQueryFormatError, contentInteger, parseContentQueryOutput, parseContentQueryText,
  type ContentRow, type ContentValue,
} from './content-query-output.ts';

/** Prints rows the way Android's Content.java does: "Row: N a=x, b=y" + println, raw values. */
function formatLikeAndroid(columns: string[], rows: ContentValue[][]): string {
  if (rows.length === 0) return 'No result found.\n';
  return rows
    .map((values, index) => {
      const cells = columns.map((name, i) => {
        const v = values[i]!;
        return `${name}=${v === null ? 'NULL' : v === CONTENT_BLOB ? 'BLOB' : v}`;
      });
      return `Row: ${index} ${cells.join(', ')}\n`;
    })
    .join('');
}

function asRows(columns: string[], rows: ContentValue[][]): ContentRow[] {
  return rows.map((values) => Object.fromEntries(columns.map((name, i) => [name, values[i]!])));
}

/** A small deterministic random source (mulberry32), so a failing case can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE_PIECES = [', ', '=', '\n', 'Row: ', 'Row: 1 ', 'Row: 2 _id=', ',', ' ', 'NULL ', 'a', 'Zoë', '🎸', '\r\n', '\\', ';', 'x=y, z=w'];

/** The last column may even hold its row's own separators and fake row starts with text ids. */
const LAST_COLUMN_PIECES = [...HOSTILE_PIECES, ', data1=', ', mimetype=x, data2=', '\nRow: 1 _id=x, mimetype=', '\nRow: 2 _id=', '\nRow: 3 '];

function hostileText(next: () => number, pieces = HOSTILE_PIECES): string {
  const n = Math.floor(next() * 8);
  let s = '';
  for (let i = 0; i < n; i++) s += pieces[Math.floor(next() * pieces.length)]!;
  // "NULL" / "BLOB" as whole values are indistinguishable from null and blob by design.
  return s === 'NULL' || s === 'BLOB' ? `${s}.` : s;
}

async function* chunked(text: string, sizes: () => number): AsyncGenerator<string> {
  let at = 0;
  while (at < text.length) {
    const size = 1 + Math.floor(sizes() * 40);
    yield text.slice(at, at + size);
    at += size;
  }
}

async function collect(iterable: AsyncIterable<ContentRow>): Promise<ContentRow[]> {
  const rows: ContentRow[] = [];
  for await (const row of iterable) rows.push(row);
  return rows;
}

describe('content query output', () => {
  it('reads plain rows, NULL and BLOB', () => {
    const text = 'Row: 0 _id=1, mimetype=vnd.android.cursor.item/name, data1=Anna, data15=NULL\nRow: 1 _id=2, mimetype=vnd.android.cursor.item/photo, data1=NULL, data15=BLOB\n';
    expect(parseContentQueryText(text, ['_id', 'mimetype', 'data1', 'data15'])).toEqual([
      { _id: '1', mimetype: 'vnd.android.cursor.item/name', data1: 'Anna', data15: null },
      { _id: '2', mimetype: 'vnd.android.cursor.item/photo', data1: null, data15: CONTENT_BLOB },
    ]);
  });

  it('reads "No result found." as no rows', () => {
    expect(parseContentQueryText('No result found.\n', ['_id'])).toEqual([]);
  });

  it('refuses output that is not rows (an error message, nothing at all)', () => {
    expect(() => parseContentQueryText('Error while accessing provider:com.android.contacts\n', ['_id'])).toThrow(ContentQueryFormatError);
    expect(() => parseContentQueryText('', ['_id'])).toThrow(ContentQueryFormatError);
    expect(() => parseContentQueryText('Row: 0 other=1\n', ['_id'])).toThrow(ContentQueryFormatError);
  });

  it('keeps values with ", ", "=", new lines and fake row starts whole', () => {
    const columns = ['_id', 'title', 'description'];
    const rows: ContentValue[][] = [
      ['1', 'a, b=c', 'line one\nRow: 1 _id=9\nRow: 7 x=y, title=z'],
      ['2', 'Row: 0 _id=1', 'ends with a new line\n'],
      ['3', '', ''],
    ];
    expect(parseContentQueryText(formatLikeAndroid(columns, rows), columns, { firstColumnIsInteger: true })).toEqual(asRows(columns, rows));
  });

  it('keeps an empty last value and a value that is only a new line', () => {
    const columns = ['_id', 'note'];
    const rows: ContentValue[][] = [['1', '\n'], ['2', ''], ['3', '\n\n']];
    expect(parseContentQueryText(formatLikeAndroid(columns, rows), columns)).toEqual(asRows(columns, rows));
  });

  it('reads 64-bit times exactly', () => {
    const [row] = parseContentQueryText('Row: 0 _id=1, dtstart=9007199254740993\n', ['_id', 'dtstart']);
    expect(contentInteger(row!.dtstart)).toBe(9007199254740993n);
    expect(contentInteger('1718000000123')).toBe(1718000000123);
    expect(contentInteger('-5')).toBe(-5);
    expect(contentInteger('12a')).toBeUndefined();
    expect(contentInteger(null)).toBeUndefined();
  });

  it('survives hostile values, fed in random chunks (fuzz)', async () => {
    const columns = ['_id', 'mimetype', 'data1', 'data2', 'data3'];
    for (let seed = 1; seed <= 2000; seed++) {
      const next = random(seed);
      const count = Math.floor(next() * 6);
      const rows: ContentValue[][] = [];
      for (let r = 0; r < count; r++) {
        rows.push([
          String(Math.floor(next() * 1e6)),
          next() < 0.1 ? null : 'vnd.android.cursor.item/note',
          next() < 0.1 ? null : hostileText(next),
          next() < 0.05 ? CONTENT_BLOB : hostileText(next),
          hostileText(next, LAST_COLUMN_PIECES),
        ]);
      }
      const text = formatLikeAndroid(columns, rows);
      const expected = asRows(columns, rows);
      expect(parseContentQueryText(text, columns, { firstColumnIsInteger: true }), `seed ${seed}`).toEqual(expected);
      expect(await collect(parseContentQueryOutput(chunked(text, next), columns, { firstColumnIsInteger: true })), `seed ${seed} chunked`).toEqual(expected);
    }
  });

  it('streams: a row is given before the output ends', async () => {
    const columns = ['_id', 'data1'];
    let released = false;
    async function* slow(): AsyncGenerator<string> {
      yield 'Row: 0 _id=1, data1=a\nRow: 1 _id=2, data1=b\n';
      released = true;
      yield 'Row: 2 _id=3, data1=c\n';
    }
    const iterator = parseContentQueryOutput(slow(), columns)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ _id: '1', data1: 'a' });
    expect(released).toBe(false);
  });

  it('refuses a projection it could not split on', () => {
    expect(() => parseContentQueryText('', [])).toThrow();
    expect(() => parseContentQueryText('', ['a=b'])).toThrow();
  });
});
