/**
 * The CLI as one JavaScript file for the guest. Under software emulation, `npm run lifeboat`
 * (npm, then tsx compiling each TypeScript file, then hundreds of small module files read over 9p)
 * takes 25-30 s to start; this bundle of the same sources starts in about 5 s. It is built from
 * native/cli/main.ts at every lab start (about 0.3 s), so it never lags the checkout. Packages
 * with native addons or optional parts stay outside and load from node_modules as usual; only
 * @yume-chan's many small files are bundled.
 */
import { build } from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './repo-root.ts';

/** Files that modules open beside themselves (import.meta.url): in the bundle they sit beside main.mjs. */
const BESIDE_THEIR_MODULE = ['native/sim/at/pty-bridge.py'];

export async function buildCliBundle(cacheDir: string): Promise<string> {
  const outfile = path.join(cacheDir, 'cli', 'main.mjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'native/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    plugins: [
      {
        name: 'packages-stay-outside',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /^[^./]/ }, (args) =>
            args.path.startsWith('node:') || args.path.startsWith('@yume-chan/') ? undefined : { path: args.path, external: true },
          );
        },
      },
    ],
  });
  for (const asset of BESIDE_THEIR_MODULE) fs.copyFileSync(path.join(REPO_ROOT, asset), path.join(path.dirname(outfile), path.basename(asset)));
  return outfile;
}
