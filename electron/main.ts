import { app, BrowserWindow, dialog, ipcMain, session, shell, utilityProcess, type IpcMainInvokeEvent, type UtilityProcess, type WebContents } from 'electron';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ApiEvent, UserError } from '../native/api/api.ts';
import { isApiMethod, parseCall, type WireMessage } from '../native/api/wire.ts';

/**
 * The Electron shell, kept thin: one window, the engine in a utility process of its own, and a
 * checked relay between them. Everything the window may ask goes through `lifeboat:call`; the
 * sender frame and the method are checked on every call.
 *
 * Layout after `npm run build:electron` (electron/vite.config.ts): dist-electron/main.js,
 * preload.cjs and engine.js beside each other; the window from renderer/dist.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const WINDOW_HTML = path.resolve(here, '..', 'renderer', 'dist', 'index.html');
const WINDOW_URL = pathToFileURL(WINDOW_HTML).href;
const PRELOAD = path.join(here, 'preload.cjs');
const ENGINE = path.join(here, 'engine.js');
const CALL_TIMEOUT_MS = 10 * 60_000;

let window: BrowserWindow | null = null;
let engine: UtilityProcess | null = null;
let nextId = 1;
const pending = new Map<number, (answer: { ok: true; value: unknown } | { ok: false; error: UserError }) => void>();
/** Folders the engine reported as export results: the only ones the window may ask to open. */
const openable = new Set<string>();

app.enableSandbox();

function startEngine(): void {
  const vault = process.env.LIFEBOAT_VAULT || path.join(app.getPath('userData'), 'vault');
  // Simulated phones, for the end-to-end tests and demos: LIFEBOAT_SIM=IMAGE[:IMAGE...] (path-delimited).
  const sims = (process.env.LIFEBOAT_SIM ?? '').split(path.delimiter).filter(Boolean);
  const simulation = sims.length > 0 || process.env.LIFEBOAT_SIMULATION === '1';
  const stallWarning = process.env.LIFEBOAT_STALL_WARNING;
  const args = [
    '--vault', vault, '--host', 'electron',
    ...(simulation ? ['--simulation', '--no-usb'] : []),
    ...sims.flatMap((s) => ['--sim', s]),
    ...(stallWarning ? ['--stall-warning', stallWarning] : []),
  ];
  const child = utilityProcess.fork(ENGINE, args, { serviceName: 'Lifeboat engine', stdio: 'inherit' });
  engine = child;
  child.on('message', (message: WireMessage) => {
    if (message.kind === 'result') {
      pending.get(message.id)?.(message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
      pending.delete(message.id);
    } else if (message.kind === 'event') {
      rememberOpenable(message.event);
      window?.webContents.send('lifeboat:event', message.event);
    }
  });
  child.on('exit', (code) => {
    if (engine !== child) return;
    engine = null;
    const lost: UserError = {
      code: 'engine-stopped',
      message: `Lifeboat's engine stopped unexpectedly (code ${code}).`,
      whatToDo: 'What was saved is safe. The engine was started again: plug the phone in again and press Resume.',
    };
    for (const answer of pending.values()) answer({ ok: false, error: lost });
    pending.clear();
    window?.webContents.send('lifeboat:engine-lost', lost);
    // A crash in a decoder or a driver must not leave the window without an engine.
    if (!app.isReady() || quitting) return;
    setTimeout(startEngine, 1_000);
  });
}

function rememberOpenable(event: ApiEvent): void {
  if (event.type === 'export-finished' && event.export.result) {
    openable.add(event.export.result.folder);
    openable.add(event.export.result.receiptPath);
  }
}

function callEngine(method: string, arg: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: UserError }> {
  const child = engine;
  if (!child) {
    return Promise.resolve({ ok: false, error: { code: 'engine-stopped', message: "Lifeboat's engine is starting again.", whatToDo: 'Wait a moment and try again.' } });
  }
  const id = nextId++;
  const parsed = parseCall({ kind: 'call', id, method, arg });
  if ('refused' in parsed) return Promise.resolve({ ok: false, error: refused(parsed.refused) });
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      resolve({ ok: false, error: { code: 'timeout', message: 'The engine did not answer.', whatToDo: 'Try again; if it stays, restart Lifeboat (what was saved is safe).' } });
    }, CALL_TIMEOUT_MS);
    pending.set(id, (answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
    child.postMessage(parsed.call);
  });
}

/** Only our own window's top frame, showing our own page, may call. */
function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!window && event.sender === window.webContents && !!frame && frame.parent === null && frame.url.split('#')[0] === WINDOW_URL;
}

function refused(why: string): UserError {
  return { code: 'refused', message: `The call was refused (${why}).`, whatToDo: 'Reload the window; if it stays, reinstall Lifeboat.' };
}

ipcMain.handle('lifeboat:call', async (event, method: unknown, arg: unknown) => {
  if (!fromOurWindow(event)) return { ok: false, error: refused('not from the Lifeboat window') };
  if (!isApiMethod(method)) return { ok: false, error: refused('unknown method') };
  return callEngine(method, arg);
});

ipcMain.handle('lifeboat:shell', async (event, method: unknown, arg: unknown) => {
  if (!fromOurWindow(event) || !window) throw new Error('refused');
  if (method === 'chooseFolder') {
    const answer = await dialog.showOpenDialog(window, { title: 'Choose where to export', properties: ['openDirectory', 'createDirectory'] });
    return answer.canceled ? null : (answer.filePaths[0] ?? null);
  }
  if (method === 'openFolder') {
    const target = (arg as { path?: unknown } | undefined)?.path;
    if (typeof target !== 'string' || !openable.has(target)) throw new Error('refused');
    const problem = await shell.openPath(target);
    if (problem) throw new Error(problem);
    return undefined;
  }
  throw new Error('refused');
});

function harden(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (url.split('#')[0] !== WINDOW_URL) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links out (help pages) open in the person's browser; nothing opens inside the app.
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

let quitting = false;
app.on('before-quit', () => {
  quitting = true;
  engine?.kill();
});
app.on('window-all-closed', () => app.quit());
app.on('web-contents-created', (_event, contents) => harden(contents));

void app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.setDevicePermissionHandler(() => false);
  startEngine();
  window = new BrowserWindow({
    width: 1200,
    height: 820,
    title: 'Lifeboat',
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => (window = null));
  void window.loadFile(WINDOW_HTML);
});
