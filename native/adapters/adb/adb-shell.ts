import type { Adb } from '@yume-chan/adb';
import type { ReadableStream } from '@yume-chan/stream-extra';
import { BadInputError } from '../errors.ts';

/**
 * Running one command on the phone. Shell protocol v2 (Android 7+) keeps stdout, stderr and the
 * exit code apart and never mangles bytes; older phones get `exec:`, which is raw too but mixes
 * stderr into stdout (callers that parse stdout then fail loudly rather than misread).
 *
 * adbd hands the command line to the phone's `sh -c`, so every argument is quoted here.
 */
export interface ShellRun {
  /** stdout as it arrives; read it to the end (or call kill) so the process can finish. */
  stdout: AsyncIterable<Uint8Array>;
  /** Resolves after stdout ended: the exit code (undefined without shell v2) and stderr (first 64 KiB). */
  finished: Promise<{ exitCode: number | undefined; stderr: string }>;
  kill(): Promise<void>;
}

const STDERR_LIMIT = 64 * 1024;

/** Single quotes for the phone's sh: everything literal, a ' written as '\''. */
export function quoteShellArg(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export async function runShell(adb: Adb, args: readonly string[]): Promise<ShellRun> {
  const command = args.map(quoteShellArg);
  const shell = adb.subprocess.shellProtocol;
  if (shell?.isSupported) {
    const process = await shell.spawn(command);
    // stderr is read alongside stdout: an unread stream would stall the process on the phone.
    const stderr = collectText(process.stderr, STDERR_LIMIT);
    const finished = (async () => {
      const [exitCode, text] = await Promise.all([process.exited, stderr]);
      return { exitCode, stderr: text };
    })();
    // A command stopped half-way (killed, or its connection cut) rejects `finished`; callers
    // that gave up on it do not await it, and an unawaited rejection would end the process.
    finished.catch(() => undefined);
    return {
      stdout: iterate(process.stdout),
      finished,
      kill: async () => {
        await process.kill();
      },
    };
  }
  const process = await adb.subprocess.noneProtocol.spawn(command);
  const finished = process.exited.then(() => ({ exitCode: undefined, stderr: '' }));
  finished.catch(() => undefined);
  return {
    stdout: iterate(process.output),
    finished,
    kill: async () => {
      await process.kill();
    },
  };
}

/** The whole stdout of a short command (getprop, dumpsys battery) as text. */
export async function shellText(adb: Adb, args: readonly string[], limit = 1024 * 1024): Promise<{ stdout: string; exitCode: number | undefined; stderr: string }> {
  const run = await runShell(adb, args);
  const decoder = new TextDecoder();
  let stdout = '';
  for await (const chunk of run.stdout) {
    stdout += decoder.decode(chunk, { stream: true });
    if (stdout.length > limit) {
      await run.kill();
      throw new BadInputError(
        `the phone's answer to "${args.join(' ')}" went on past ${limit} characters: its software is misbehaving; restart the phone and run again`,
      );
    }
  }
  stdout += decoder.decode();
  const { exitCode, stderr } = await run.finished;
  return { stdout, exitCode, stderr };
}

/** A web ReadableStream as an async iterable whose early exit cancels the stream. */
export async function* iterate<T>(stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader();
  let done = false;
  try {
    for (;;) {
      const result = await reader.read();
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

async function collectText(stream: ReadableStream<Uint8Array>, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  try {
    for await (const chunk of iterate(stream)) {
      if (text.length < limit) text += decoder.decode(chunk, { stream: true });
    }
  } catch {
    // a broken stderr must not hide what stdout said
  }
  return text.slice(0, limit);
}
