import { BadInputError } from '../adapters/errors.ts';
import { parseCategories } from '../rescue/categories.ts';
import type { RescueEvent, RescueSummary } from '../rescue/rescue-events.ts';
import { runRescue } from '../rescue/rescue-run.ts';
import { Vault } from '../vault/vault.ts';
import { EXIT } from './exit-codes.ts';
import { openSource, WAITING_FOR_OWNER_MESSAGE } from './open-source.ts';
import { backupPasswordSource } from './backup-password.ts';
import { parseOptions, required } from './parse-options.ts';
import { formatSize } from '../util/format-size.ts';
import { ProgressBar } from './progress-bar.ts';
import { storeRescueCommand } from './store-rescue.ts';

export async function rescueCommand(args: string[]): Promise<number> {
  // Store mode: one sealed customer session, handed off and ended in the same run.
  if (args.includes('--store')) return storeRescueCommand(args);
  const { values } = parseOptions('rescue', args, {
    image: { type: 'string' },
    sim: { type: 'string' },
    device: { type: 'string' },
    backup: { type: 'string' },
    'password-file': { type: 'string' },
    'link-rate': { type: 'string' },
    'unplug-after': { type: 'string' },
    vault: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const vaultDir = required('rescue', 'vault', values.vault);
  const categories = parseCategories(values.only);
  const json = values.json === true;

  const source = await openSource({
    image: values.image,
    sim: values.sim,
    device: values.device,
    backup: values.backup,
    backupPassword: backupPasswordSource(values['password-file']),
    onBackupNote: (message) => process.stderr.write(`${message}\n`),
    linkRateMBps: positiveNumber('link-rate', values['link-rate']),
    unplugAfterBytes: positiveNumber('unplug-after', values['unplug-after'], true),
    onWaitingForOwner: () => {
      if (json) process.stdout.write(`${JSON.stringify({ type: 'waiting-for-owner', message: WAITING_FOR_OWNER_MESSAGE })}\n`);
      process.stderr.write(`${WAITING_FOR_OWNER_MESSAGE}\n`);
    },
    onOwnerStep: (message) => {
      if (json) process.stdout.write(`${JSON.stringify({ type: 'waiting-for-owner', message })}\n`);
      process.stderr.write(`${message}\n`);
    },
  });
  let vault: Vault;
  try {
    vault = await Vault.open(vaultDir, { create: true });
  } catch (err) {
    await source.close();
    throw err;
  }
  const bar = new ProgressBar();
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  const onEvent = (event: RescueEvent) => {
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    showHuman(event, bar);
  };
  try {
    const summary = await runRescue({ source, vault, categories, signal: abort.signal, onEvent });
    report(summary, json, bar);
    return EXIT.ok;
  } catch (err) {
    const summary = (err as { summary?: RescueSummary }).summary;
    if (summary) report(summary, json, bar);
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    vault.close();
    await source.close();
  }
}

function showHuman(event: RescueEvent, bar: ProgressBar): void {
  switch (event.type) {
    case 'device': {
      const id = event.identity;
      const battery = id.battery === null ? 'battery unknown' : `battery ${id.battery}%`;
      bar.done(`${id.manufacturer} ${id.model} (serial ${id.serial}), ${battery}`);
      if (id.battery !== null && id.battery < 15) bar.done('Battery is low: contacts and calendar are rescued first.');
      break;
    }
    case 'progress':
      bar.update(event.category, event.items, event.totalItems, event.bytes, event.totalBytes);
      break;
    case 'item-skipped':
      bar.done(`  skipped ${event.sourceKey}: ${event.reason}`);
      break;
    case 'category-done': {
      const size = event.category === 'photos' ? `, ${formatSize(event.bytes)}` : '';
      if (event.saved + event.skipped === 0) bar.done(`${event.category}: none found on this phone`);
      else bar.done(`${event.category}: ${event.saved} saved, ${event.skipped} already safe${size}`);
      break;
    }
    case 'category-failed':
      bar.done(`${event.category}: could not be read: ${event.reason}`);
      break;
    case 'category-start':
      break;
  }
}

function report(summary: RescueSummary, json: boolean, bar: ProgressBar): void {
  if (json) {
    const { type, contacts, events, photos, bytes, transferredBytes, skipped, status, serial, runId } = summary;
    process.stdout.write(`${JSON.stringify({ type, contacts, events, photos, bytes, transferredBytes, skipped, status, serial, runId })}\n`);
    return;
  }
  const lines = [
    `Safe in the vault for ${summary.serial}: ${summary.contacts} contacts, ${summary.events} events, ${summary.photos} photos and videos (${formatSize(summary.bytes)}).`,
    `This run read ${formatSize(summary.transferredBytes)}; ${summary.skipped} items were already safe.`,
  ];
  if (summary.status === 'lost') lines.push('The phone was lost mid-run. What was saved is safe: connect it again and run the same command to resume.');
  if (summary.status === 'cancelled') lines.push('Stopped. What was saved is safe: run the same command again to resume.');
  bar.done(lines.join('\n'));
}

function positiveNumber(name: string, text: string | undefined, whole = false): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    throw new BadInputError(`rescue: --${name} wants a ${whole ? 'whole ' : ''}number above 0, not "${text}".`);
  }
  return n;
}
