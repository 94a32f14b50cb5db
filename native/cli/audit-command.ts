import * as fs from 'node:fs';
import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';
import { verifyAuditLog } from '../store/audit-log.ts';
import { storeFolder } from '../store/store-folder.ts';
import { EXIT } from './exit-codes.ts';
import { parseOptions } from './parse-options.ts';

/** `audit verify [--log FILE] [--json]`: exit 0 when the chain is intact, 1 naming the first bad line. */
export async function auditCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify') throw new BadInputError('audit: the one subcommand is "verify": audit verify [--log FILE] [--json]');
  const { values } = parseOptions('audit verify', rest, { log: { type: 'string' }, 'store-dir': { type: 'string' }, json: { type: 'boolean', default: false } });
  const file = values.log ?? storeFolder(values['store-dir'] ? path.resolve(values['store-dir']) : undefined).auditFile;
  if (!fs.existsSync(file)) throw new BadInputError(`audit verify: there is no audit log at ${file}`);
  const result = verifyAuditLog(file);
  if (values.json) process.stdout.write(`${JSON.stringify({ type: 'audit-verify', file, ...result })}\n`);
  if (result.ok) {
    if (!values.json) process.stdout.write(`OK: ${result.lines} line(s) of ${file} form an unbroken chain; last hash ${result.lastHash ?? '(empty log)'}\n`);
    return EXIT.ok;
  }
  const bad = result.firstBad!;
  process.stderr.write(`lifeboat: the audit log ${file} is broken at line ${bad.line}: ${bad.reason}\n`);
  return EXIT.failed;
}
