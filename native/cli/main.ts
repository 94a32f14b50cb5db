import { BadInputError, SourceLostError } from '../adapters/errors.ts';
import { DeviceChoiceNeededError } from '../export/export-bag.ts';
import { RescueCancelledError } from '../rescue/rescue-run.ts';
import { EXIT } from './exit-codes.ts';
import { devicesCommand } from './devices-command.ts';
import { exportCommand } from './export-command.ts';
import { rescueCommand } from './rescue-command.ts';
import { simulateCommand } from './simulate-command.ts';
import { USAGE } from './usage.ts';
import { verifyCommand } from './verify-command.ts';
import { auditCommand } from './audit-command.ts';
import { storeCommand } from './store-command.ts';
import { webCommand } from './web-command.ts';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  rescue: rescueCommand,
  export: exportCommand,
  verify: verifyCommand,
  simulate: simulateCommand,
  devices: devicesCommand,
  web: webCommand,
  store: storeCommand,
  audit: auditCommand,
};

/** The headless entry point: `npm run --silent lifeboat -- COMMAND ...`. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) {
    process.stderr.write(`lifeboat: name a command.\n\n${USAGE}`);
    return EXIT.badInput;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`lifeboat: unknown command "${command}".\n\n${USAGE}`);
    return EXIT.badInput;
  }
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  try {
    return await run(args);
  } catch (err) {
    return reportError(err);
  }
}

function reportError(err: unknown): number {
  if (err instanceof DeviceChoiceNeededError) {
    process.stderr.write(`lifeboat: this vault holds several phones; choose one with --device SERIAL:\n`);
    for (const serial of err.serials) process.stderr.write(`  ${serial}\n`);
    return EXIT.badInput;
  }
  if (err instanceof BadInputError) {
    process.stderr.write(`lifeboat: ${err.message}\n`);
    return EXIT.badInput;
  }
  if (err instanceof SourceLostError) {
    process.stderr.write(`lifeboat: the phone was lost: ${err.message}\nWhat was saved is safe; reconnect and run the same command to resume.\n`);
    return EXIT.sourceLost;
  }
  if (err instanceof RescueCancelledError) {
    process.stderr.write(`lifeboat: ${err.message}\n`);
    return EXIT.interrupted;
  }
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'SQLITE_FULL' || code === 'EDQUOT') {
    process.stderr.write('lifeboat: the disk is full. What was saved before is safe; free some space and run the same command again.\n');
    return EXIT.failed;
  }
  process.stderr.write(`lifeboat: failed: ${(err as Error).stack ?? String(err)}\n`);
  return EXIT.failed;
}

const isEntryPoint = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`lifeboat: ${String(err)}\n`);
      process.exitCode = EXIT.failed;
    },
  );
}
