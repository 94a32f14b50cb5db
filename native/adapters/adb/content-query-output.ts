/**
 * Reading what Android's `content query` prints (AOSP frameworks/base/cmds/content, Content.java):
 *
 *     Row: 0 _id=7, mimetype=vnd.android.cursor.item/name, data1=Anna, data15=BLOB
 *     Row: 1 _id=8, mimetype=..., data1=NULL, ...
 *
 * one `println` per row, columns joined by ", ", each as `name=value`, values printed raw: no
 * quoting, no escaping, NULL as `NULL`, blobs as `BLOB`; an empty cursor prints
 * "No result found.". A value may itself hold ", ", "=", new lines or "Row: 3 ", so this text
 * cannot be split in general. We make it readable by asking for an explicit `--projection`: the
 * column names and their order are then known, and
 *
 *   - the value of column i ends where ", <name of column i+1>=" first appears;
 *   - the last value of a row ends at a new line followed by "Row: <next index> <first column>=",
 *     and only where what follows it can still be a whole row (every ", <column>=" in order);
 *   - the last value of the output ends before the final new line.
 *
 * What stays ambiguous is a value that contains ", <next column>=" itself; callers put free text
 * (notes, descriptions) late in the projection, after columns whose values cannot contain that.
 * Text "NULL" and "BLOB" cannot be told from a null and a blob: Android prints them alike.
 *
 * Numbers are left as the text the phone printed: phone numbers like "0049..." are text, and
 * 64-bit times must not go through a double; `contentInteger` reads integers exactly.
 */

/** A blob: `content` prints only the word, never the bytes. */
export const CONTENT_BLOB: unique symbol = Symbol('BLOB');
export type ContentValue = string | null | typeof CONTENT_BLOB;
export type ContentRow = Record<string, ContentValue>;

export class ContentQueryFormatError extends Error {
  override readonly name: string = 'ContentQueryFormatError';
}

/** A row that never ends: the command is still printing, so there is no point waiting for it. */
export class ContentRowTooLongError extends ContentQueryFormatError {
  override readonly name = 'ContentRowTooLongError';
}

const NO_RESULT = 'No result found.';
/** A row larger than this is not a contact or an event: the output is broken or hostile. */
const MAX_ROW_CHARS = 4 * 1024 * 1024;

/**
 * Parses `content query` output as it streams in (text chunks, already decoded from UTF-8), one
 * row at a time: memory holds one row and one chunk, whatever the number of rows.
 */
export async function* parseContentQueryOutput(
  chunks: AsyncIterable<string> | Iterable<string>,
  columns: readonly string[],
  options: ContentQueryParseOptions = {},
): AsyncGenerator<ContentRow> {
  const parser = new ContentQueryParser(columns, options);
  for await (const chunk of chunks) {
    yield* parser.push(chunk);
  }
  yield* parser.end();
}

/** The same, for output already whole in memory. */
export function parseContentQueryText(text: string, columns: readonly string[], options: ContentQueryParseOptions = {}): ContentRow[] {
  const parser = new ContentQueryParser(columns, options);
  return [...parser.push(text), ...parser.end()];
}

/** An integer as printed by `content`: a number when a double holds it exactly, else a BigInt. */
export function contentInteger(value: ContentValue | undefined): number | bigint | undefined {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return undefined;
  const big = BigInt(value);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

export interface ContentQueryParseOptions {
  /**
   * The first column holds an integer (or NULL), such as `_id`: a row start is then only taken
   * where an integer follows it, which settles most text that merely looks like a row start.
   */
  firstColumnIsInteger?: boolean;
}

export class ContentQueryParser {
  private buffer = '';
  private nextIndex = 0;
  private started = false;
  private empty = false;
  /** Where in `buffer` the search for the end of the current row may resume (saves rescans). */
  private searchFrom = 0;
  private readonly separators: string[];

  constructor(
    private readonly columns: readonly string[],
    private readonly options: ContentQueryParseOptions = {},
  ) {
    if (columns.length === 0) throw new Error('content query output can only be read with a known projection');
    for (const name of columns) {
      if (name === '' || /[,=\s:]/.test(name)) throw new Error(`"${name}" cannot be a projection column`);
    }
    this.separators = columns.slice(1).map((name) => `, ${name}=`);
  }

  *push(chunk: string): Generator<ContentRow> {
    this.buffer += chunk;
    yield* this.drain(false);
  }

  *end(): Generator<ContentRow> {
    yield* this.drain(true);
    if (!this.started) {
      throw new ContentQueryFormatError(this.buffer.trim() === '' ? 'content query printed nothing' : `content query printed something else than rows: ${preview(this.buffer)}`);
    }
  }

  private rowStart(index: number): string {
    return `Row: ${index} ${this.columns[0]}=`;
  }

  private *drain(atEnd: boolean): Generator<ContentRow> {
    if (!this.started && !this.startOutput(atEnd)) return;
    if (this.empty) {
      if (this.buffer.trim() !== '') throw new ContentQueryFormatError(`unexpected text after "${NO_RESULT}": ${preview(this.buffer)}`);
      return;
    }
    for (;;) {
      // The buffer starts with "Row: <nextIndex> <first column>=" (checked when the row was cut).
      const bodyStart = this.rowStart(this.nextIndex).length;
      const boundary = this.findRowEnd(bodyStart);
      let body: string;
      if (boundary !== undefined) {
        body = this.buffer.slice(bodyStart, boundary);
        this.buffer = this.buffer.slice(boundary + 1);
        this.searchFrom = 0;
      } else if (atEnd) {
        if (this.buffer.length === 0) return;
        // println ends the last row with a new line; a cut-short output may not have it.
        body = this.buffer.slice(bodyStart, this.buffer.endsWith('\n') ? -1 : undefined);
        this.buffer = '';
      } else {
        if (this.buffer.length > MAX_ROW_CHARS) throw new ContentRowTooLongError(`row ${this.nextIndex} is longer than ${MAX_ROW_CHARS} characters`);
        return;
      }
      yield this.splitRow(body, this.nextIndex);
      this.nextIndex++;
      if (this.buffer.length === 0 && atEnd) return;
    }
  }

  /** Decides between rows and "No result found."; false while too little has arrived to tell. */
  private startOutput(atEnd: boolean): boolean {
    const first = this.rowStart(0);
    if (this.buffer.startsWith(first)) {
      this.started = true;
      return true;
    }
    if (this.buffer.startsWith(NO_RESULT)) {
      this.started = true;
      this.empty = true;
      this.buffer = this.buffer.slice(NO_RESULT.length).replace(/^\r?\n/, '');
      return true;
    }
    const couldStillBe = first.startsWith(this.buffer) || NO_RESULT.startsWith(this.buffer);
    if (couldStillBe && !atEnd) return false;
    if (this.buffer.length === 0) return false;
    throw new ContentQueryFormatError(`content query printed something else than rows: ${preview(this.buffer)}`);
  }

  /**
   * The index in `buffer` of the new line that ends the current row, if it has arrived: the first
   * "\nRow: <next> <first column>=" after which a whole row can follow, and before which this row
   * holds every column separator in order.
   */
  private findRowEnd(bodyStart: number): number | undefined {
    const marker = `\n${this.rowStart(this.nextIndex + 1)}`;
    let from = Math.max(bodyStart, this.searchFrom);
    let waiting: number | undefined;
    for (;;) {
      const at = this.buffer.indexOf(marker, from);
      if (at < 0) {
        // Resume next time at a candidate still waiting for the rest of its row, else just
        // before the tail (the marker may be cut across chunks).
        this.searchFrom = waiting ?? Math.max(bodyStart, this.buffer.length - marker.length);
        return undefined;
      }
      if (this.hasAllSeparators(this.buffer, bodyStart, at)) {
        if (this.nextRowCanFollow(at + marker.length)) return this.lastMarkerBeforeFirstSeparator(at, marker);
        waiting ??= at;
      }
      from = at + 1;
    }
  }

  /**
   * Of several row starts before the next row's first ", <column>=", the last one is taken: a
   * value that ends in "\nRow: 8 _id=" (as text) then stays in this row, and the next row's
   * first value (an _id, by the callers' choice) is the short one after the real row start.
   */
  private lastMarkerBeforeFirstSeparator(at: number, marker: string): number {
    const firstSeparator = this.separators[0];
    if (firstSeparator === undefined) return at;
    const limit = this.buffer.indexOf(firstSeparator, at + marker.length);
    let best = at;
    for (;;) {
      const later = this.buffer.indexOf(marker, best + 1);
      if (later < 0 || later + marker.length > limit) return best;
      best = later;
    }
  }

  /** True when every ", <column>=" appears in order between start and end. */
  private hasAllSeparators(text: string, start: number, end: number): boolean {
    let position = start;
    for (const separator of this.separators) {
      const found = text.indexOf(separator, position);
      if (found < 0 || found + separator.length > end) return false;
      position = found + separator.length;
    }
    return true;
  }

  /**
   * Whether the text after a candidate row start can be a row: all its separators in order. When
   * the rest has not arrived yet we cannot know; a candidate is then only taken once it has, or
   * at the end of the output (see drain), except that a single-column projection has nothing to check.
   */
  private nextRowCanFollow(position: number): boolean {
    if (this.options.firstColumnIsInteger) {
      const end = this.separators.length > 0 ? this.buffer.indexOf(this.separators[0]!, position) : this.buffer.indexOf('\n', position);
      if (end < 0) return false;
      if (!/^(-?\d+|NULL)$/.test(this.buffer.slice(position, end))) return false;
    }
    if (this.separators.length === 0) return true;
    return this.hasAllSeparators(this.buffer, position, this.buffer.length);
  }

  private splitRow(body: string, index: number): ContentRow {
    const row: ContentRow = {};
    let position = 0;
    for (let i = 0; i < this.columns.length; i++) {
      const separator = this.separators[i];
      let end = body.length;
      if (separator !== undefined) {
        end = body.indexOf(separator, position);
        if (end < 0) throw new ContentQueryFormatError(`row ${index} has no column ${this.columns[i + 1]}: ${preview(body)}`);
      }
      row[this.columns[i]!] = value(body.slice(position, end));
      if (separator !== undefined) position = end + separator.length;
    }
    return row;
  }
}

function value(text: string): ContentValue {
  if (text === 'NULL') return null;
  if (text === 'BLOB') return CONTENT_BLOB;
  return text;
}

function preview(text: string): string {
  const line = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return JSON.stringify(line);
}
