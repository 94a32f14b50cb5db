import type { Adb } from '@yume-chan/adb';
import { BadInputError } from '../errors.ts';
import { runShell } from './adb-shell.ts';
import { ContentQueryFormatError, ContentRowTooLongError, parseContentQueryOutput, type ContentRow } from './content-query-output.ts';

/**
 * `content query` on the phone, as rows. The phone's `shell` user holds READ_CONTACTS and
 * READ_CALENDAR, so this reads both providers without root.
 *
 * The projection is always explicit (the parser needs the names and their order): the first
 * column must be an integer id, free-text columns go last. A provider that refuses the query
 * (a column it does not know, a missing permission) prints "Error while accessing provider" and
 * a stack trace on stderr and still exits 0; that becomes a ContentQueryError with the reason.
 */
export interface ContentQuery {
  uri: string;
  projection: readonly string[];
  where?: string;
  sort?: string;
}

/** The provider refused, or printed what cannot be rows: that category cannot be read; the others can. */
export class ContentQueryError extends BadInputError {
}

export async function* contentQuery(adb: Adb, query: ContentQuery): AsyncGenerator<ContentRow> {
  const args = ['content', 'query', '--uri', query.uri, '--projection', query.projection.join(':')];
  if (query.where !== undefined) args.push('--where', query.where);
  if (query.sort !== undefined) args.push('--sort', query.sort);
  const run = await runShell(adb, args);
  let complete = false;
  try {
    yield* parseContentQueryOutput(decodeUtf8(run.stdout), query.projection, { firstColumnIsInteger: true });
    complete = true;
  } catch (error) {
    if (!(error instanceof ContentQueryFormatError)) throw error;
    // Output that is not rows is most often the provider's refusal, told on stderr; a command
    // still printing (broken or hostile) is stopped first, and its stderr waited for briefly.
    await run.kill().catch(() => undefined);
    const { stderr } =
      error instanceof ContentRowTooLongError ? { stderr: '' } : await withinMs(run.finished, 2000).catch(() => ({ stderr: '' }));
    throw new ContentQueryError(`content query ${query.uri} failed: ${providerError(stderr) ?? error.message}`);
  } finally {
    if (!complete) await run.kill().catch(() => undefined);
  }
  const { stderr } = await run.finished;
  const refused = providerError(stderr);
  if (refused) throw new ContentQueryError(`content query ${query.uri} failed: ${refused}`);
}

/** The useful line of Content.java's error report: the exception's message. */
function providerError(stderr: string): string | undefined {
  if (!stderr.includes('Error while accessing provider') && !/Exception/.test(stderr)) return undefined;
  const exception = stderr.split('\n').find((line) => /^\s*[\w.$]+(Exception|Error):/.test(line));
  return (exception ?? stderr.split('\n').find((line) => line.trim() !== '') ?? stderr).trim();
}

async function* decodeUtf8(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  // One decoder for the whole stream: a character cut across two packets is joined again.
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
