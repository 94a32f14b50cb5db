import type { NotTransferred, StoreReceipt } from '../api/store-api.ts';

/** The receipt as printed for the customer (plain text: any printer, any viewer). */
export function receiptText(r: Omit<StoreReceipt, 'text'>): string {
  const lines = [
    'LIFEBOAT - STORE RECEIPT',
    '',
    `Session:            ${r.sessionId}`,
    `Staff:              ${r.staffId}`,
    `Phone:              ${r.device ? `${r.device.manufacturer} ${r.device.model}` : 'not identified'}`,
    `Outcome:            ${r.outcome === 'handed-off' ? 'handed over to the customer\'s medium, verified' : 'abandoned: no data retained'}`,
    '',
    r.outcome === 'handed-off' ? 'Transferred:' : 'Read from the phone (none of it kept):',
    `  Contacts:         ${r.counts.contacts}`,
    `  Calendar events:  ${r.counts.events}`,
    `  Photos and videos: ${r.counts.photos}`,
    '',
  ];
  if (r.outcome === 'handed-off') {
    lines.push(`Export folder:      ${r.bagFolder}`, `Manifest SHA-256:   ${r.manifestSha256}`);
    lines.push('  (check it: sha256sum manifest-sha256.txt in the export folder gives this digest,');
    lines.push('   and "sha256sum -c manifest-sha256.txt" there checks every file)');
    lines.push('');
  }
  lines.push(notTransferredText(r.notTransferred), '');
  lines.push(`Session key destroyed: ${r.keyDestroyedAt}`);
  lines.push('  Everything this PC held of the phone was encrypted with that key, which existed only in');
  lines.push('  memory; with it gone, no copy on this PC can be read. The session\'s files were removed.');
  lines.push('');
  lines.push(`Audit reference:    ${r.auditReference}`);
  lines.push('  (the store\'s audit log line that closed this session; it holds no contents)');
  return `${lines.join('\n')}\n`;
}

function notTransferredText(items: NotTransferred[]): string {
  if (items.length === 0) return 'Not transferred: nothing (everything read was transferred).';
  const shown = items.slice(0, 50).map((i) => `  - ${i.what}: ${i.reason}`);
  if (items.length > shown.length) shown.push(`  ... and ${items.length - shown.length} more (see data/report.html in the export)`);
  return ['Not transferred, and why:', ...shown].join('\n');
}
