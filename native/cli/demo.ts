import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from './main.ts';

/**
 * `npm start` until the desktop app exists: rescues the demo image into ./demo-output/vault
 * (a second start skips what is already safe), exports it to a new folder, and verifies the export.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const image = path.join(root, 'images', 'demo-android');
const outRoot = path.join(root, 'demo-output');
const vault = path.join(outRoot, 'vault');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = path.join(outRoot, `export-${stamp}`);
fs.mkdirSync(outRoot, { recursive: true });

const steps: [string, string[]][] = [
  ['Rescue the demo phone', ['rescue', '--image', image, '--vault', vault]],
  ['Export it', ['export', '--vault', vault, '--out', out]],
  ['Check every hash of the export', ['verify', out]],
];
let code = 0;
for (const [title, args] of steps) {
  process.stderr.write(`\n== ${title}: lifeboat ${args.map((a) => path.relative(root, a) || a).join(' ')}\n`);
  code = await main(args);
  if (code !== 0) break;
}
if (code === 0) process.stderr.write(`\nDone. Open ${path.join(out, 'data', 'report.html')} to see the receipt.\n`);
process.exitCode = code;
