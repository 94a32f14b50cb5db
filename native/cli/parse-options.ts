import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BadInputError } from '../adapters/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its errors turned into messages that say what to fix (exit 2). */
export function parseOptions<O extends Options>(command: string, args: string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    throw new BadInputError(`${command}: ${(err as Error).message}. Run with --help for the usage.`);
  }
  if (parsed.positionals.length > positionals) {
    throw new BadInputError(`${command}: unexpected argument ${JSON.stringify(parsed.positionals[positionals])}.`);
  }
  return parsed;
}

export function required(command: string, name: string, value: string | boolean | undefined): string {
  if (typeof value !== 'string' || value === '') throw new BadInputError(`${command}: --${name} is required.`);
  return value;
}
