import fs from 'node:fs';
import { BadInputError } from '../adapters/errors.ts';

/**
 * The password of an encrypted iPhone backup, asked for only when the backup turns out to be
 * encrypted, and never stored or logged. In this order:
 *   1. --password-file FILE: its first line (a trailing newline is not part of the password);
 *   2. the environment variable LIFEBOAT_BACKUP_PASSWORD (for scripts; visible to the user's own processes);
 *   3. a prompt on the terminal, without echo, when stdin is a TTY.
 * Without any of them the rescue stops with exit 2 and says how to give it.
 */
export function backupPasswordSource(passwordFile: string | undefined, env: NodeJS.ProcessEnv = process.env): () => Promise<string> {
  return async () => {
    if (passwordFile !== undefined) {
      let text: string;
      try {
        text = fs.readFileSync(passwordFile, 'utf8');
      } catch (error) {
        throw new BadInputError(`--password-file ${passwordFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
      }
      const password = text.split(/\r?\n/)[0] ?? '';
      if (password === '') throw new BadInputError(`--password-file ${passwordFile} is empty: put the backup password on its first line.`);
      return password;
    }
    const fromEnv = env.LIFEBOAT_BACKUP_PASSWORD;
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden('Backup password (the one set in iTunes/Finder for encrypted backups): ');
    throw new BadInputError(
      'this iPhone backup is encrypted. Give its password with --password-file FILE, or in the environment variable LIFEBOAT_BACKUP_PASSWORD, or run on a terminal to be asked.',
    );
  };
}

/** Reads one line from the terminal in raw mode, echoing nothing. Ctrl-C cancels (exit 130 as usual). */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') {
          done(new BadInputError('stopped: no backup password given.'));
          process.kill(process.pid, 'SIGINT');
          return;
        }
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
