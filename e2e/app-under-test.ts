import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, _electron, type Browser, type ElectronApplication, type Page } from 'playwright-core';
import WebSocket from 'ws';
import type { ApiMethod, PreloadBridge } from '../native/api/api.ts';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-gpu'];

/** A simulated phone for the app under test, with the faults it is plugged in with. */
export interface SimPhone {
  image: string;
  unplugAfterBytes?: number;
  linkRateMBps?: number;
  stallAfterBytes?: number;
}

/** The app, whichever shell carries it: its window, and a side door to the same API (plugging phones in). */
export interface AppUnderTest {
  kind: 'browser' | 'electron';
  page: Page;
  api(method: ApiMethod, arg?: object): Promise<unknown>;
  close(): Promise<void>;
}

export interface OpenOptions {
  vault: string;
  sims: SimPhone[];
  stallWarningSeconds?: number;
  /** iPhone backup folders offered one by one (`web --backup DIR`). */
  backups?: string[];
  /** For the engine: LIFEBOAT_BACKUP_ROOTS, USBMUXD_SOCKET_ADDRESS, XDG_DATA_HOME ... */
  env?: Record<string, string>;
}

export type OpenApp = (opts: OpenOptions) => Promise<AppUnderTest>;

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** `lifeboat web` as a person starts it; resolves with the address it prints first. */
export async function startWebCommand(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'native/cli/main.ts', 'web', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`web exited with ${code} before printing its address:\n${stderr}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { url: firstLine, child, stop };
}

/** A second window on the browser host's API (as the test's hand on the simulated cable). */
export async function apiSocket(url: string): Promise<{ call(method: ApiMethod, arg?: object): Promise<unknown>; close(): void }> {
  const u = new URL(url);
  const token = new URLSearchParams(u.hash.slice(1)).get('token')!;
  const ws = new WebSocket(`ws://${u.host}/api?token=${encodeURIComponent(token)}`, { origin: `http://${u.host}` });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, (m: { ok: boolean; value?: unknown; error?: unknown }) => void>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { kind: string; id: number; ok: boolean };
    if (m.kind === 'result') waiting.get(m.id)?.(m);
  });
  return {
    call(method, arg) {
      const id = nextId++;
      ws.send(JSON.stringify({ kind: 'call', id, method, arg }));
      return new Promise((resolve, reject) =>
        waiting.set(id, (m) => (m.ok ? resolve(m.value) : reject(Object.assign(new Error(JSON.stringify(m.error)), { userError: m.error })))),
      );
    },
    close: () => ws.terminate(),
  };
}

/** The browser host with Debian's Chromium: `web --sim ...` exactly as documented. */
export function browserHost(browser: Browser): OpenApp {
  return async ({ vault, sims, stallWarningSeconds, backups = [], env = {} }) => {
    // Plain phones go on the command line; a phone with faults is plugged in through the API,
    // since the command's fault flags apply to every --sim it names.
    const plain = sims.filter((s) => !s.unplugAfterBytes && !s.linkRateMBps && !s.stallAfterBytes);
    const faulty = sims.filter((s) => !plain.includes(s));
    const args = ['--vault', vault, ...plain.flatMap((s) => ['--sim', s.image]), ...backups.flatMap((b) => ['--backup', b])];
    if (faulty.length === 1 && plain.length === 0) {
      const f = faulty[0]!;
      args.push('--sim', f.image);
      if (f.unplugAfterBytes) args.push('--unplug-after', String(f.unplugAfterBytes));
      if (f.linkRateMBps) args.push('--link-rate', String(f.linkRateMBps));
      if (f.stallAfterBytes) args.push('--stall-after', String(f.stallAfterBytes));
      faulty.length = 0;
    }
    if (stallWarningSeconds) args.push('--stall-warning', String(stallWarningSeconds));
    if (sims.length === 0) throw new Error('the browser host is started with at least one --sim here');
    const host = await startWebCommand(args, env);
    const side = await apiSocket(host.url);
    for (const f of faulty) await side.call('plugInSimulatedPhone', { ...f });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(host.url);
    await page.waitForSelector('body[data-ready=true]');
    return {
      kind: 'browser',
      page,
      api: (method, arg) => side.call(method, arg),
      async close() {
        side.close();
        await context.close();
        await host.stop();
        if (problems.length) throw new Error(`the window reported problems:\n${problems.join('\n')}`);
      },
    };
  };
}

/** Where an Electron binary is, or why there is none (this machine cannot download one). */
export function electronBinary(): { path: string } | { missing: string } {
  const fromEnv = process.env.ELECTRON_PATH;
  if (fromEnv) return fs.existsSync(fromEnv) ? { path: fromEnv } : { missing: `ELECTRON_PATH=${fromEnv} does not exist` };
  const pathFile = path.join(REPO, 'node_modules', 'electron', 'path.txt');
  if (!fs.existsSync(pathFile)) {
    return { missing: 'node_modules/electron has no binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1; its download host is unreachable here)' };
  }
  const binary = path.join(REPO, 'node_modules', 'electron', 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(binary) ? { path: binary } : { missing: `${binary} is missing` };
}

/** The Electron app (built by `npm run build:electron`), driven through Playwright's _electron. */
export function electronApp(binary: string): OpenApp {
  return async ({ vault, sims, stallWarningSeconds, backups = [], env = {} }) => {
    // The shell has no --backup: a backup folder's parent is a backup root, as in the usual places.
    const roots = [env.LIFEBOAT_BACKUP_ROOTS, ...backups.map((b) => path.dirname(b))].filter(Boolean).join(path.delimiter);
    const app: ElectronApplication = await _electron.launch({
      executablePath: binary,
      args: [path.join(REPO, 'dist-electron', 'main.js')],
      env: {
        ...(process.env as Record<string, string>),
        LIFEBOAT_VAULT: vault,
        LIFEBOAT_SIMULATION: '1',
        ...env,
        ...(roots ? { LIFEBOAT_BACKUP_ROOTS: roots } : {}),
        ...(stallWarningSeconds ? { LIFEBOAT_STALL_WARNING: String(stallWarningSeconds) } : {}),
      },
    });
    const page = await app.firstWindow();
    await page.waitForSelector('body[data-ready=true]');
    const api = async (method: ApiMethod, arg?: object) => {
      // The preload's bridge, as the window sees it (globalThis: this file is also compiled without the DOM library).
      const answer = await page.evaluate(([m, a]) => (globalThis as unknown as { lifeboat: PreloadBridge }).lifeboat.call(m as ApiMethod, a as object | undefined), [method, arg] as const);
      if (!answer.ok) throw Object.assign(new Error(JSON.stringify(answer.error)), { userError: answer.error });
      return answer.value;
    };
    for (const s of sims) await api('plugInSimulatedPhone', { ...s });
    return { kind: 'electron', page, api, close: () => app.close() };
  };
}
