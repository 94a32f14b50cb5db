import { BadInputError } from '../adapters/errors.ts';
import { AT_HOSTILE_MODES, isAtHostileMode } from '../sim/at/at-hostile.ts';
import { serveAtPhoneOnPty } from '../sim/at/at-tty-server.ts';
import { EXIT } from './exit-codes.ts';
import { untilStopped } from './until-stopped.ts';

/**
 * `simulate --image IMAGE --tty [--hostile MODE]`: a feature-phone image ("transport": "at")
 * served on a pseudo-terminal. The first line of stdout is the pty's path, for gammu
 * (`device = /dev/pts/N`, `connection = at`), minicom, or `lifeboat rescue --device at:/dev/pts/N`.
 * What the phone hears and says goes to stderr. Runs until SIGINT or SIGTERM.
 */
export async function simulateTty(imageDir: string, hostile: string | undefined): Promise<number> {
  if (hostile !== undefined && !isAtHostileMode(hostile)) {
    throw new BadInputError(`simulate: --hostile for a feature phone is one of ${AT_HOSTILE_MODES.join(', ')}, not "${hostile}".`);
  }
  const served = await serveAtPhoneOnPty({
    imageDir,
    hostile: hostile as never,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${served.ptyPath}\n`);
  process.stderr.write(
    `Simulating ${served.identity.manufacturer} ${served.identity.model} (${served.identity.serial}) on ${served.ptyPath}; ` +
      `try: gammu with "device = ${served.ptyPath}" and "connection = at", or lifeboat rescue --device at:${served.ptyPath}. Ctrl-C stops.\n`,
  );
  await untilStopped();
  await served.close();
  return EXIT.ok;
}
