import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';
import { verifyBag } from '../export/verify-bag.ts';
import { CATALOG_FILE, isSealedVaultFolder, Vault } from '../vault/vault.ts';
import { EXIT } from './exit-codes.ts';
import { parseOptions } from './parse-options.ts';
import { ProgressBar } from './progress-bar.ts';

/** `verify PATH`: a vault or an exported bag; exit 0 when every hash matches, else 1 with the list. */
export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions('verify', args, { json: { type: 'boolean', default: false } }, 1);
  const target = positionals[0];
  if (!target) throw new BadInputError('verify: name a vault or an exported folder, e.g. verify ./my-vault');
  if (!fs.existsSync(target)) throw new BadInputError(`verify: ${target} does not exist.`);
  const bar = new ProgressBar();
  const onProgress = (done: number, total: number) => bar.update('verify', done, total);
  let kind: 'vault' | 'bag';
  let problems: string[];
  if (fs.existsSync(path.join(target, CATALOG_FILE)) || isSealedVaultFolder(target)) {
    kind = 'vault';
    const vault = await Vault.open(target, { create: false });
    try {
      problems = await vault.verify(onProgress);
    } finally {
      vault.close();
    }
  } else if (fs.existsSync(path.join(target, 'bagit.txt'))) {
    kind = 'bag';
    problems = await verifyBag(target, onProgress);
  } else {
    throw new BadInputError(`verify: ${target} is neither a Lifeboat vault (${CATALOG_FILE}) nor an exported bag (bagit.txt).`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ type: 'verify', kind, ok: problems.length === 0, problems })}\n`);
  if (problems.length === 0) {
    bar.done(`OK: every hash of the ${kind} ${target} matches.`);
    return EXIT.ok;
  }
  bar.done(`${problems.length} problem(s) in the ${kind} ${target}:`);
  if (!values.json) for (const p of problems) process.stdout.write(`${p}\n`);
  return EXIT.failed;
}
