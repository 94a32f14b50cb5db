import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';
import { checkHolders } from '../store/holders-check.ts';
import { StoreDesk } from '../store/store-desk.ts';
import { EXIT } from './exit-codes.ts';
import { parseOptions, required } from './parse-options.ts';
import { readPin } from './read-pin.ts';

/**
 * `store staff add --staff ID`, `store staff list`, `store check`: setting up store mode.
 * The PIN is typed (no echo) or, from a script, the first line of stdin.
 */
export async function storeCommand(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  if (what === 'staff') {
    const [action, ...opts] = rest;
    const { values } = parseOptions(`store staff ${action ?? ''}`.trim(), opts, { staff: { type: 'string' }, 'store-dir': { type: 'string' } });
    const desk = new StoreDesk(storeRoot(values['store-dir']));
    if (action === 'add') {
      const staffId = required('store staff add', 'staff', values.staff);
      const pin = await readPin(`New PIN for ${staffId}: `);
      if (process.stdin.isTTY && (await readPin('The same PIN again: ')) !== pin) throw new BadInputError('store staff add: the two PINs differ; nothing was changed.');
      desk.addStaff(staffId, pin);
      process.stderr.write(`Staff member ${staffId} can now sign in with that PIN (kept as an scrypt hash in ${desk.folder.staffFile}).\n`);
      return EXIT.ok;
    }
    if (action === 'list') {
      for (const id of desk.staff.list()) process.stdout.write(`${id}\n`);
      return EXIT.ok;
    }
    throw new BadInputError('store staff: add --staff ID, or list');
  }
  if (what === 'check') {
    parseOptions('store check', rest, {});
    const holders = await checkHolders();
    if (holders.length === 0) process.stdout.write('Nothing else on this PC holds phones.\n');
    for (const h of holders) process.stdout.write(`${h.severity === 'blocks' ? 'HOLDS PHONES' : 'note'}: ${h.name}\n  ${h.detail}\n  What to do: ${h.whatToDo}\n`);
    return EXIT.ok;
  }
  throw new BadInputError('store: staff add --staff ID | staff list | check');
}

export function storeRoot(dir: string | undefined): { root?: string } {
  return dir ? { root: path.resolve(dir) } : {};
}
