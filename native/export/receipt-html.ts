import { formatSize } from '../util/format-size.ts';
import type { DeviceIdentity } from '../model/device.ts';
import type { VaultRun } from '../vault/vault.ts';
import type { ChosenCount } from './export-selection.ts';

export interface ReceiptCategory {
  name: string;
  count: number;
  bytes?: number;
  where: string;
  /** Set when the export holds a selection: how many of the vault's items of this kind were chosen. */
  chosen?: ChosenCount;
}

export interface ReceiptSkip {
  what: string;
  reason: string;
}

/** Something written in a slightly different form than the phone had it, and why. */
export interface ReceiptNote {
  what: string;
  note: string;
}

export interface ReceiptData {
  identity: DeviceIdentity;
  runs: VaultRun[];
  exportedAtIso: string;
  appVersion: string;
  categories: ReceiptCategory[];
  skipped: ReceiptSkip[];
  /**
   * Set when the export holds a selection. `unlistedSkips`: what the rescue could not read of
   * categories chosen only in part or not at all, left out of "Skipped" (it is not missing here).
   */
  selection?: { unlistedSkips: number };
  notes: ReceiptNote[];
  options: Record<string, string>;
}

/**
 * The receipt: one self-contained HTML page a person can read and print. Every value is escaped
 * and nothing is loaded from anywhere (no scripts, no remote styles or images).
 */
export function receiptHtml(r: ReceiptData): string {
  const id = r.identity;
  const rows = (pairs: [string, string][]) =>
    pairs.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n');
  const runs = r.runs
    .map(
      (run) =>
        `<tr><td>${esc(iso(run.startedMs))}</td><td>${esc(run.finishedMs ? iso(run.finishedMs) : '—')}</td>` +
        `<td>${esc(run.status)}</td><td>${esc(run.categories.join(', '))}</td>` +
        `<td>${esc(run.battery === null ? 'unknown' : `${run.battery}%`)}</td><td>${esc(run.source)}</td></tr>`,
    )
    .join('\n');
  const selection = r.selection !== undefined;
  const categories = r.categories
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td>${selection ? `<td class="n">${esc(c.chosen ? chosenText(c.chosen) : '')}</td>` : ''}<td class="n">${c.count}</td><td class="n">${esc(c.bytes === undefined ? '' : formatSize(c.bytes))}</td><td>${esc(c.where)}</td></tr>`,
    )
    .join('\n');
  const selectionText = selection
    ? `<p class="selection"><strong>This export holds a selection:</strong> ${esc(
        r.categories
          .filter((c) => c.chosen)
          .map((c) => `${chosenText(c.chosen!)} ${c.name.toLowerCase()} chosen`)
          .join(', '),
      )}. What was not chosen is not in this folder and not listed on this receipt; it stays safe in the vault, and an export of everything holds it.</p>\n`
    : '';
  const unlisted = r.selection?.unlistedSkips
    ? `<p>${r.selection.unlistedSkips} thing(s) the rescue could not read belong to categories exported only in part or not at all; the receipt of an export of everything lists them.</p>`
    : '';
  const skipped = r.skipped.length
    ? `<table><thead><tr><th>What</th><th>Why</th></tr></thead><tbody>\n${r.skipped
        .map((s) => `<tr><td>${esc(s.what)}</td><td>${esc(s.reason)}</td></tr>`)
        .join('\n')}\n</tbody></table>${unlisted}`
    : `<p>Nothing was skipped.</p>${unlisted}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Lifeboat receipt — ${esc(id.manufacturer)} ${esc(id.model)}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 56em; color: #111; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25em .6em; border-bottom: 1px solid #eee; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; } code, pre { font-family: ui-monospace, monospace; }
pre { background: #f4f4f4; padding: .6em; overflow-x: auto; } .sign { margin-top: 3em; display: flex; gap: 3em; }
.sign div { flex: 1; border-top: 1px solid #333; padding-top: .3em; }
@media print { body { margin: 0; } }
</style>
</head>
<body>
<h1>Lifeboat rescue receipt</h1>
<p>What was rescued from this phone, where it is in this folder, and how to check that nothing changed since.</p>
<h2>Phone</h2>
<table>${rows([
    ['Manufacturer', id.manufacturer],
    ['Model', id.model],
    ['Serial number', id.serial],
    ['Connection', id.transport],
    ['USB id', `${hex4(id.vendorId)}:${hex4(id.productId)}`],
    ['Battery at last rescue', id.battery === null ? 'unknown' : `${id.battery}%`],
  ])}</table>
<h2>Rescues</h2>
<table><thead><tr><th>Started</th><th>Finished</th><th>Result</th><th>Categories</th><th>Battery</th><th>Source</th></tr></thead>
<tbody>
${runs}
</tbody></table>
<h2>What is in this export</h2>
${selectionText}<table><thead><tr><th>Category</th>${selection ? '<th class="n">Chosen</th>' : ''}<th class="n">Items</th><th class="n">Size</th><th>Where</th></tr></thead>
<tbody>
${categories}
</tbody></table>
<h2>Skipped, and why</h2>
${skipped}
<h2>Written in another form, and why</h2>
${
  r.notes.length
    ? `<table><thead><tr><th>What</th><th>Note</th></tr></thead><tbody>\n${r.notes
        .map((n) => `<tr><td>${esc(n.what)}</td><td>${esc(n.note)}</td></tr>`)
        .join('\n')}\n</tbody></table>`
    : '<p>Everything was written as the phone had it.</p>'
}
<h2>How to check it</h2>
<p>This folder is a BagIt bag (RFC 8493). <code>manifest-sha256.txt</code> lists the SHA-256 of every file under <code>data/</code>.
To check it on any Linux or macOS machine, open a terminal in this folder and run:</p>
<pre>sha256sum -c manifest-sha256.txt</pre>
<p>or, with Lifeboat: <code>lifeboat verify FOLDER</code>. Any BagIt validator works too.</p>
<h2>Details</h2>
<table>${rows([
    ['Exported', iso(Date.parse(r.exportedAtIso))],
    ['Lifeboat version', r.appVersion],
    ...Object.entries(r.options),
  ])}</table>
<div class="sign"><div>Owner</div><div>Staff</div><div>Date</div></div>
</body>
</html>
`;
}

/** "12 of 340": how many were chosen, of how many the vault holds. */
function chosenText(c: ChosenCount): string {
  return `${c.chosen.toLocaleString('en')} of ${c.of.toLocaleString('en')}`;
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function iso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
