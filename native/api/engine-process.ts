import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../adapters/adb/credential-store.ts';
import { Engine } from './engine.ts';
import { backupRoots } from '../adapters/iphone-backup/find-backups.ts';
import { toUserError } from './user-error.ts';
import { parseCall, type WireMessage } from './wire.ts';

/**
 * The engine as a process of its own, so a hung phone or a crashing decoder never takes the window
 * with it. Electron starts it with utilityProcess.fork (messages through process.parentPort);
 * plain Node with child_process.fork (process.send), which is how the tests start it here.
 * Arguments: --vault DIR [--host electron|browser] [--simulation] [--no-usb] [--sim IMAGE ...] [--backup DIR ...] [--stall-warning S] [--store] [--store-dir DIR]
 * (each --sim plugs in a simulated phone at start; --sim implies --simulation).
 */

/** The part of Electron's process.parentPort used here (no electron import: this runs in plain Node too). */
interface ParentPort {
  on(event: 'message', listener: (message: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    vault: { type: 'string' },
    host: { type: 'string', default: 'electron' },
    simulation: { type: 'boolean', default: false },
    'no-usb': { type: 'boolean', default: false },
    sim: { type: 'string', multiple: true },
    'stall-warning': { type: 'string' },
    backup: { type: 'string', multiple: true },
    store: { type: 'boolean', default: false },
    'store-dir': { type: 'string' },
  },
  strict: true,
});

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const post = (message: WireMessage) => {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
};
const onMessage = (listener: (data: unknown) => void) => {
  if (parentPort) parentPort.on('message', (m) => listener(m.data));
  else process.on('message', listener);
};

if (!values.vault) {
  process.stderr.write('engine-process: --vault DIR is required\n');
  process.exit(2);
}

const engine = new Engine({
  vaultDir: values.vault,
  host: values.host === 'browser' ? 'browser' : 'electron',
  realUsb: !values['no-usb'],
  simulation: values.simulation === true || (values.sim ?? []).length > 0,
  ...(values['stall-warning'] ? { stallWarningSeconds: Number(values['stall-warning']) } : {}),
  // iPhone backups and live iPhones: as `web` does (only where told, in a simulated run).
  backupRoots: !values['no-usb'] || process.env.LIFEBOAT_BACKUP_ROOTS !== undefined ? backupRoots() : [],
  backupFolders: values.backup ?? [],
  iphones: !values['no-usb'] || process.env.USBMUXD_SOCKET_ADDRESS !== undefined,
  // Store mode: on with --store or as left in Settings (its folder: --store-dir, or the data folder's store/).
  store: { dir: values['store-dir'] ?? path.join(defaultDataDir(), 'store'), on: values.store === true },
});
engine.onEvent((event) => post({ kind: 'event', event }));
onMessage((data) => {
  const parsed = parseCall(data);
  if ('refused' in parsed) return; // the shell checked it already; anything else is noise
  const { id, method, arg } = parsed.call;
  engine.dispatch(method, arg).then(
    (value) => post({ kind: 'result', id, ok: true, value: value ?? null }),
    (err: unknown) => post({ kind: 'result', id, ok: false, error: toUserError(err) }),
  );
});

const stop = () => {
  void engine.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// A plain Node child whose parent went away: nobody is left to show anything to.
process.once('disconnect', stop);

await engine.start();
for (const image of values.sim ?? []) await engine.plugInSimulatedPhone({ image });
post({ kind: 'ready' });
