import * as path from 'node:path';
import { BadInputError } from '../adapters/errors.ts';
import type { StoreReceipt, StoreSessionInfo } from '../api/store-api.ts';
import { ApiError } from '../api/user-error.ts';
import { parseCategories } from '../rescue/categories.ts';
import { StoreDesk } from '../store/store-desk.ts';
import { EXIT } from './exit-codes.ts';
import { openSource } from './open-source.ts';
import { parseOptions, required } from './parse-options.ts';
import { readPin } from './read-pin.ts';
import { storeRoot } from './store-command.ts';

/**
 * `rescue --store (--sim IMAGE | --device ID) --handoff DIR --staff ID`: one whole customer
 * session. Staff sign-in (PIN), the check for other software holding phones, the rescue into a
 * sealed session (key in memory only), the export to DIR (the customer's medium) verified against
 * its BagIt manifest, the key destroyed, the session's files removed, and the receipt: on stdout
 * and beside the bag. A session that cannot be handed off is abandoned: a CLI run cannot keep a
 * key beyond its own process.
 */
export async function storeRescueCommand(args: string[]): Promise<number> {
  const { values } = parseOptions('rescue --store', args, {
    store: { type: 'boolean' },
    sim: { type: 'string' },
    device: { type: 'string' },
    image: { type: 'string' },
    vault: { type: 'string' },
    'link-rate': { type: 'string' },
    'unplug-after': { type: 'string' },
    handoff: { type: 'string' },
    staff: { type: 'string' },
    'store-dir': { type: 'string' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (values.image !== undefined) {
    throw new BadInputError('rescue --store reads phones (--sim IMAGE or --device ID), not folders: a folder on this PC already holds the customer\'s data in plain form.');
  }
  if (values.vault !== undefined) throw new BadInputError('rescue --store keeps no vault: each session is sealed and removed at handoff. Leave out --vault.');
  const handoff = path.resolve(required('rescue --store', 'handoff', values.handoff));
  const staffId = required('rescue --store', 'staff', values.staff);
  const categories = parseCategories(values.only);
  const json = values.json === true;
  const say = (text: string) => process.stderr.write(`${text}\n`);
  const emit = (obj: object) => json && process.stdout.write(`${JSON.stringify(obj)}\n`);

  const desk = new StoreDesk(storeRoot(values['store-dir']));
  const pin = await readPin(`PIN for ${staffId}: `);
  try {
    desk.signIn(staffId, pin);
  } catch (err) {
    throw new BadInputError(`rescue --store: ${(err as Error).message}`);
  }
  for (const h of await desk.checkHolders()) {
    say(`${h.severity === 'blocks' ? 'Other software holds phones' : 'Note'}: ${h.name}. ${h.detail}\n  What to do: ${h.whatToDo}`);
    emit({ type: 'holder', ...h });
  }

  const session = await desk.startSession({ staffId, categories });
  say(`Session ${session.id} (staff ${staffId}): everything it writes is sealed with a key that lives only in memory.`);
  let lastState = '';
  desk.onChange((info: StoreSessionInfo) => {
    if (info.sessionId !== session.id || info.state === lastState) return;
    lastState = info.state;
    const c = info.counts;
    say(`  ${info.state}${info.problem ? `: ${info.problem.message} ${info.problem.whatToDo}` : ''} (${c.contacts} contacts, ${c.events} events, ${c.photos} photos sealed)`);
    emit({ type: 'store-session', sessionId: info.sessionId, state: info.state, counts: c, ...(info.problem ? { problem: info.problem } : {}) });
  });
  const onSigint = () => void session.cancel().then(() => (stopped = true));
  let stopped = false;
  process.once('SIGINT', onSigint);
  let receipt: StoreReceipt;
  let exit: number = EXIT.ok;
  try {
    await session.rescue(
      (hooks) =>
        openSource({
          sim: values.sim,
          device: values.device,
          linkRateMBps: positive('link-rate', values['link-rate']),
          unplugAfterBytes: positive('unplug-after', values['unplug-after']),
          onWaitingForOwner: () => hooks.waitingForAllow(),
        }),
      values.device ?? (values.sim ? `sim:${values.sim}` : null),
    );
    const info = session.info();
    if (stopped || info.problem?.code === 'cancelled') {
      receipt = await session.abandon('stopped by staff (Ctrl-C)');
      exit = EXIT.interrupted;
    } else if (info.counts.contacts + info.counts.events + info.counts.photos === 0) {
      receipt = await session.abandon(`nothing could be read${info.problem ? ` (${info.problem.message})` : ''}`);
      exit = info.problem?.code === 'phone-lost' ? EXIT.sourceLost : EXIT.failed;
    } else {
      if (session.state === 'interrupted') exit = info.problem?.code === 'phone-lost' ? EXIT.sourceLost : EXIT.failed;
      try {
        receipt = await session.handoff(handoff);
      } catch (err) {
        const why = err instanceof ApiError ? `${err.message} ${err.whatToDo}` : (err as Error).message;
        say(`The handoff failed: ${why}`);
        receipt = await session.abandon(`the handoff failed (${err instanceof ApiError ? err.code : 'error'})`);
        exit = EXIT.failed;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await desk.close();
  }
  if (json) emit({ type: 'receipt', ...receipt, text: undefined });
  else process.stdout.write(receipt.text);
  if (receipt.bagFolder) say(`The receipt is also in ${path.join(receipt.bagFolder, 'store-receipt.txt')}.`);
  return exit;
}

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new BadInputError(`rescue: --${name} wants a number above 0, not "${text}".`);
  return n;
}
