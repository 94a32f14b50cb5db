import type Database from 'better-sqlite3';
import { quoteIdentifier } from '../../readers/provider-db.ts';
import type { CommandOutput } from './command-output.ts';
import { PROVIDER_VIEWS, type ProviderView } from './content-provider-views.ts';
import type { ProviderDatabases } from './provider-databases.ts';
import { contentCellText } from './java-value-text.ts';

/**
 * The phone's `content` command (frameworks/base/cmds/content, Content.java), `query` only, the
 * simulator being read-only:
 *   content query --uri URI [--user N] [--projection a:b:c] [--where W] [--sort S]
 * Output, exactly as Content.java prints it: per row `Row: <i> <col>=<value>, <col>=<value>...`
 * then "\n" (System.out.println), values by cell type (see java-value-text.ts), nothing quoted or
 * escaped, so values with ", ", "=", new lines or "Row: 5" come out as they are; an empty cursor
 * prints "No result found.". Bad arguments print the usage and "[ERROR] ..." on stdout; a failing
 * provider prints "Error while accessing provider:AUTHORITY" and the exception on stderr. Either
 * way the exit code is 0, as the real command's is (its main() returns normally).
 */
export const CONTENT_USAGE =
  'usage: adb shell content [subcommand] [options]\n' +
  '\n' +
  'usage: adb shell content query --uri <URI> [--user <USER_ID>] [--projection <PROJECTION>] [--where <WHERE>] [--sort <SORT_ORDER>]\n' +
  '  <PROJECTION> is a list of colon separated column names and is formatted:\n' +
  '  <COLUMN_NAME>[:<COLUMN_NAME>...]\n' +
  '  <SORT_ORDER> is the order in which rows in the result should be sorted.\n' +
  '\n';

export interface ContentQuery {
  uri: string;
  userId: number;
  projection: string[] | undefined;
  where: string | undefined;
  sort: string | undefined;
}

class UsageError extends Error {}

/** Parses what follows `content`, as Content.java's Parser does. */
export function parseContentArguments(args: readonly string[]): ContentQuery | { usageError: string } | { refused: string } {
  let index = 0;
  const next = () => (index < args.length ? args[index++] : undefined);
  const valueOf = (argument: string) => {
    const value = next();
    if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError(`No value for argument: ${argument}`);
    return value;
  };
  try {
    const operation = next();
    if (operation === 'insert' || operation === 'update' || operation === 'delete' || operation === 'call' || operation === 'write') {
      return { refused: operation };
    }
    if (operation !== 'query') throw new UsageError(`Unsupported operation: ${operation ?? 'null'}`);
    const query: ContentQuery = { uri: '', userId: 0, projection: undefined, where: undefined, sort: undefined };
    for (let argument = next(); argument !== undefined; argument = next()) {
      if (argument === '--uri') query.uri = valueOf(argument);
      else if (argument === '--user') query.userId = Number.parseInt(valueOf(argument), 10);
      else if (argument === '--where') query.where = valueOf(argument);
      else if (argument === '--sort') query.sort = valueOf(argument);
      else if (argument === '--projection') query.projection = valueOf(argument).split(/\s*:\s*/);
      else throw new UsageError(`Unsupported argument: ${argument}`);
    }
    if (!query.uri) throw new UsageError('Content provider URI not specified. Did you specify --uri argument?');
    return query;
  } catch (error) {
    if (error instanceof UsageError) return { usageError: error.message };
    throw error;
  }
}

/** A provider-side failure, printed the way Content.java prints a caught exception. */
class ProviderError extends Error {
  constructor(readonly javaClass: string, message: string) {
    super(message);
  }
}

/** Runs `content ...`; returns the exit code (always 0, like the real command). */
export async function runContentCommand(args: readonly string[], databases: ProviderDatabases, out: CommandOutput): Promise<number> {
  const parsed = parseContentArguments(args);
  if ('usageError' in parsed) {
    await out.stdout(`${CONTENT_USAGE}\n[ERROR] ${parsed.usageError}\n`);
    return 0;
  }
  if ('refused' in parsed) {
    await out.stderr(`Error while accessing provider:content\njava.lang.SecurityException: content ${parsed.refused}: the simulated phone is read-only\n`);
    return 0;
  }
  const authority = /^content:\/\/([^/?#]*)/.exec(parsed.uri)?.[1] ?? '';
  try {
    await runQuery(parsed, authority, databases, out);
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    await out.stderr(`Error while accessing provider:${authority}\n${error.javaClass}: ${error.message}\n`);
  }
  return 0;
}

async function runQuery(query: ContentQuery, authority: string, databases: ProviderDatabases, out: CommandOutput): Promise<void> {
  const known = PROVIDER_VIEWS[authority];
  if (!known || query.userId !== 0) {
    throw new ProviderError('java.lang.IllegalStateException', `Could not find provider: ${authority}`);
  }
  const path = query.uri.slice(`content://${authority}`.length).replace(/[?#].*$/, '');
  const segments = path.split('/').filter((segment) => segment !== '');
  const makeView = segments[0] === undefined ? undefined : known.paths[segments[0]];
  const rowId = segments[1];
  if (!makeView || segments.length > 2 || (rowId !== undefined && !/^\d+$/.test(rowId))) {
    throw new ProviderError('java.lang.IllegalArgumentException', `Unknown URL ${query.uri}`);
  }
  if (!databases.exists(known.provider)) {
    await out.stdout('No result found.\n');
    return;
  }
  const connection = databases.connect(known.provider);
  try {
    const view = makeView(connection.columns);
    const statement = prepareQuery(connection.db, view, query, rowId);
    await printRows(statement, out);
  } finally {
    connection.db.close();
  }
}

function prepareQuery(db: Database.Database, view: ProviderView, query: ContentQuery, rowId: string | undefined): Database.Statement {
  const projection = query.projection ?? [...view.columns];
  for (const column of projection) {
    if (!view.columns.includes(column)) throw new ProviderError('java.lang.IllegalArgumentException', `Invalid column ${column}`);
  }
  const conditions: string[] = [];
  if (rowId !== undefined) conditions.push(`_id = ${rowId}`);
  if (query.where !== undefined && query.where.trim() !== '') conditions.push(`(${checkedClause(query.where, 'selection')})`);
  let sql = `SELECT ${projection.map(quoteIdentifier).join(', ')} FROM (${view.sql})`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`;
  if (query.sort !== undefined && query.sort.trim() !== '') sql += ` ORDER BY ${checkedClause(query.sort, 'sort order')}`;
  let statement: Database.Statement;
  try {
    statement = db.prepare(sql);
  } catch (error) {
    throw new ProviderError('android.database.sqlite.SQLiteException', `${(error as Error).message} (code 1 SQLITE_ERROR): , while compiling: ${sql}`);
  }
  if (!statement.reader) throw new ProviderError('java.lang.IllegalArgumentException', 'the selection is not a query');
  return statement;
}

/**
 * A --where or --sort goes into the SQL as text, as ContentProvider selections do. It must stay a
 * clause: no ";" and no parenthesis closed that it did not open (which could end our WHERE and
 * append a UNION), checked outside string literals; comments are not allowed either. The
 * connection is read-only besides, so nothing can be written whatever the text.
 */
function checkedClause(text: string, what: string): string {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new ProviderError('android.database.sqlite.SQLiteException', `unrecognized token in ${what}: ${text}`);
      i = end;
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (--depth < 0) throw new ProviderError('java.lang.IllegalArgumentException', `Invalid ${what}: unbalanced parenthesis: ${text}`);
    } else if (c === ';' || (c === '-' && text[i + 1] === '-') || (c === '/' && text[i + 1] === '*')) {
      throw new ProviderError('java.lang.IllegalArgumentException', `Invalid ${what}: only an expression is allowed: ${text}`);
    }
  }
  if (depth !== 0) throw new ProviderError('java.lang.IllegalArgumentException', `Invalid ${what}: unbalanced parenthesis: ${text}`);
  return text;
}

/** Streams rows out in ~64 KiB pieces, so a 100,000-contact answer never sits whole in memory. */
async function printRows(statement: Database.Statement, out: CommandOutput): Promise<void> {
  const columns = statement.columns().map((column) => column.name);
  let rowIndex = 0;
  let pending = '';
  let rows: IterableIterator<unknown[]>;
  try {
    rows = statement.raw(true).iterate() as IterableIterator<unknown[]>;
  } catch (error) {
    throw new ProviderError('android.database.sqlite.SQLiteException', (error as Error).message);
  }
  try {
    for (;;) {
      let next: IteratorResult<unknown[]>;
      try {
        next = rows.next();
      } catch (error) {
        throw new ProviderError('android.database.sqlite.SQLiteException', (error as Error).message);
      }
      if (next.done) break;
      const cells = next.value.map((value, i) => `${columns[i]}=${contentCellText(value)}`);
      pending += `Row: ${rowIndex++} ${cells.join(', ')}\n`;
      if (pending.length >= 64 * 1024) {
        const piece = pending;
        pending = '';
        await out.stdout(piece);
      }
    }
  } finally {
    rows.return?.();
  }
  if (rowIndex === 0) pending = 'No result found.\n';
  if (pending) await out.stdout(pending);
}
