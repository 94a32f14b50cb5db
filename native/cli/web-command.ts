import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../adapters/errors.ts';
import { defaultDataDir } from '../adapters/adb/credential-store.ts';
import { EXIT } from './exit-codes.ts';
import { parseOptions } from './parse-options.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_DIR = path.join(REPO, 'renderer');
export const RENDERER_DIST = path.join(RENDERER_DIR, 'dist');

/**
 * `web [--sim IMAGE ...] [--port P] [--vault DIR]`: the desktop app's window in a browser. The
 * engine runs here; the URL (with this run's token) is the first line of stdout. Each --sim plugs
 * in one simulated phone; --unplug-after, --link-rate and --stall-after give every one of them
 * that fault. Runs until Ctrl-C (or SIGTERM).
 */
export async function webCommand(args: string[]): Promise<number> {
  const { values } = parseOptions('web', args, {
    sim: { type: 'string', multiple: true },
    port: { type: 'string' },
    vault: { type: 'string' },
    'unplug-after': { type: 'string' },
    'link-rate': { type: 'string' },
    'stall-after': { type: 'string' },
    'stall-warning': { type: 'string' },
  });
  const port = values.port === undefined ? 0 : wholeNumber('port', values.port, 0, 65535);
  const sims = values.sim ?? [];
  const faults = {
    unplugAfterBytes: values['unplug-after'] === undefined ? undefined : wholeNumber('unplug-after', values['unplug-after'], 1),
    linkRateMBps: values['link-rate'] === undefined ? undefined : positive('link-rate', values['link-rate']),
    stallAfterBytes: values['stall-after'] === undefined ? undefined : wholeNumber('stall-after', values['stall-after'], 1),
  };
  for (const image of sims) {
    if (!fs.existsSync(path.join(image, 'device.json'))) throw new BadInputError(`web: --sim ${image} is not a device image (no device.json).`);
  }
  const vaultDir = path.resolve(values.vault ?? path.join(defaultDataDir(), 'vault'));

  await buildRendererIfStale();
  // Loaded here, not at the top: the other commands need neither sharp nor ws.
  const { Engine } = await import('../api/engine.ts');
  const { startWebHost } = await import('../api/web-host.ts');
  const engine = new Engine({
    vaultDir,
    host: 'browser',
    // A simulated run is about the simulated phones only: real USB stays out, so a test is the
    // same on every machine.
    realUsb: sims.length === 0,
    simulation: sims.length > 0,
    ...(values['stall-warning'] ? { stallWarningSeconds: positive('stall-warning', values['stall-warning']) } : {}),
  });
  await engine.start();
  const host = await startWebHost({ engine, staticDir: RENDERER_DIST, port });
  process.stdout.write(`${host.url}\n`);
  process.stderr.write(`Lifeboat is open at the address above (vault: ${vaultDir}). Stop with Ctrl-C.\n`);
  for (const image of sims) {
    const device = await engine.plugInSimulatedPhone({ image, ...definedOnly(faults) });
    process.stderr.write(`plugged in a simulated ${device.manufacturer} ${device.model} (${device.id})\n`);
  }

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await host.close();
  await engine.close();
  return EXIT.ok;
}

/** The window is built by Vite into renderer/dist; built again when any of its sources is newer. */
export async function buildRendererIfStale(): Promise<void> {
  const built = path.join(RENDERER_DIST, 'index.html');
  const builtMs = fs.existsSync(built) ? fs.statSync(built).mtimeMs : 0;
  const sources = [path.join(RENDERER_DIR, 'index.html'), path.join(RENDERER_DIR, 'vite.config.ts'), ...listFiles(path.join(RENDERER_DIR, 'src')), path.join(REPO, 'native', 'api', 'api.ts')];
  if (sources.every((f) => !fs.existsSync(f) || fs.statSync(f).mtimeMs <= builtMs)) return;
  process.stderr.write('Building the window (renderer/) ...\n');
  const { build } = await import('vite');
  await build({ configFile: path.join(RENDERER_DIR, 'vite.config.ts'), logLevel: 'silent' });
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

function wholeNumber(name: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new BadInputError(`web: --${name} wants a whole number from ${min} to ${max}, not "${text}".`);
  return n;
}

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new BadInputError(`web: --${name} wants a number above 0, not "${text}".`);
  return n;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
