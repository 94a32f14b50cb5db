import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../adapters/errors.ts';
import { defaultDataDir } from '../adapters/adb/credential-store.ts';
import { EXIT } from './exit-codes.ts';
import { parseOptions } from './parse-options.ts';
import { backupRoots } from '../adapters/iphone-backup/find-backups.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const RENDERER_DIR = path.join(REPO, 'renderer');
export const RENDERER_DIST = path.join(RENDERER_DIR, 'dist');

/**
 * `web [--sim IMAGE ...] [--backup DIR ...] [--port P] [--vault DIR]`: the desktop app's window in a
 * browser. The engine runs here; the URL (with this run's token) is the first line of stdout. Each
 * --sim plugs in one simulated phone (ADB, MTP or a feature phone's AT image); each --backup offers
 * one iPhone backup folder beside the backups found in the usual places; --unplug-after, --link-rate and --stall-after give every one of them
 * that fault. --store starts in store mode (sealed customer sessions, staff sign-in; also switched on
 * under Settings); --store-dir DIR is its folder (default: the app's data folder + /store).
 * Runs until Ctrl-C (or SIGTERM).
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
    backup: { type: 'string', multiple: true },
    store: { type: 'boolean', default: false },
    'store-dir': { type: 'string' },
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
  const backupFolders = (values.backup ?? []).map((dir) => path.resolve(dir));
  for (const dir of backupFolders) {
    if (!fs.existsSync(path.join(dir, 'Manifest.plist'))) throw new BadInputError(`web: --backup ${dir} is not an iPhone backup folder (no Manifest.plist).`);
  }
  // The usual backup places and usbmuxd belong to a real run; a simulated one looks only where
  // it is told (LIFEBOAT_BACKUP_ROOTS, USBMUXD_SOCKET_ADDRESS), so a test is the same on every machine.
  const real = sims.length === 0;

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
    backupRoots: real || process.env.LIFEBOAT_BACKUP_ROOTS !== undefined ? backupRoots() : [],
    backupFolders,
    iphones: real || process.env.USBMUXD_SOCKET_ADDRESS !== undefined,
    // Store mode: on with --store (or as it was left in Settings); its folder holds staff, audit log and sealed sessions.
    store: { dir: path.resolve(values['store-dir'] ?? path.join(defaultDataDir(), 'store')), on: values.store === true },
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
