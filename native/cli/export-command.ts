import { BadInputError } from '../adapters/errors.ts';
import { exportBag, type ExportProgress } from '../export/export-bag.ts';
import type { ExportSelection } from '../export/export-selection.ts';
import { parseCategories } from '../rescue/categories.ts';
import { Vault } from '../vault/vault.ts';
import { EXIT } from './exit-codes.ts';
import { parseOptions, required } from './parse-options.ts';
import { formatSize } from '../util/format-size.ts';
import { ProgressBar } from './progress-bar.ts';

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseOptions('export', args, {
    vault: { type: 'string' },
    out: { type: 'string' },
    device: { type: 'string' },
    vcard: { type: 'string', default: '3.0' },
    photos: { type: 'string', default: 'by-date' },
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
  });
  const vaultDir = required('export', 'vault', values.vault);
  const out = required('export', 'out', values.out);
  if (values.vcard !== '3.0' && values.vcard !== '4.0') {
    throw new BadInputError(`export: --vcard must be 3.0 or 4.0, not ${JSON.stringify(values.vcard)}.`);
  }
  if (values.photos !== 'by-date' && values.photos !== 'as-on-device') {
    throw new BadInputError(`export: --photos must be by-date or as-on-device, not ${JSON.stringify(values.photos)}.`);
  }
  const json = values.json === true;
  // Whole categories only; single items are chosen in the app's Review.
  const onlyCategories = values.only === undefined ? undefined : parseCategories(values.only);
  const only = onlyCategories && selectionOf(onlyCategories);
  const vault = await Vault.open(vaultDir, { create: false });
  const bar = new ProgressBar();
  try {
    const result = await exportBag({
      vault,
      out,
      serial: values.device,
      vcardVersion: values.vcard,
      photoLayout: values.photos,
      ...(only ? { only } : {}),
      onProgress: (p: ExportProgress) => {
        if (json) process.stdout.write(`${JSON.stringify(p)}\n`);
        bar.update(p.phase, p.done, p.total);
      },
    });
    if (json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...result })}\n`);
    bar.done(
      [
        `Exported ${result.serial} to ${result.out}:`,
        `  ${result.contacts} contacts, ${result.events} events in ${result.calendars} calendars, ${result.photos} photos and videos (${formatSize(result.photoBytes)})` +
          (result.duplicates ? `, ${result.duplicates} identical copies exported once` : ''),
        ...(only ? [`  only: ${onlyCategories!.join(', ')} (the rest was not chosen)`] : []),
        `  receipt: ${result.out}/data/report.html`,
        `  manifest sha256: ${result.manifestSha256}`,
      ].join('\n'),
    );
    return EXIT.ok;
  } finally {
    vault.close();
  }
}

function selectionOf(categories: string[]): ExportSelection {
  return {
    ...(categories.includes('contacts') ? { contacts: 'all' as const } : {}),
    ...(categories.includes('calendar') ? { events: 'all' as const } : {}),
    ...(categories.includes('photos') ? { photos: 'all' as const } : {}),
  };
}
