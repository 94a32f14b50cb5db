import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildRendererIfStale } from '../native/cli/web-command.ts';
import { makeTestPhoneImage } from '../native/api/test-phone-image.ts';
import { verifyBag } from '../native/export/verify-bag.ts';
import { verifyAuditLog } from '../native/store/audit-log.ts';
import { StaffRegistry } from '../native/store/staff.ts';
import { CHROMIUM, REPO, apiSocket, launchChromium } from './app-under-test.ts';
import { allFiles, androidDemoNeedles, mtpDemoNeedles, scanFor, simulatorOwnCopies, type Needle } from './plaintext-scan.ts';
import { SCREENSHOTS } from './scenarios.ts';
import { ui as pw } from './ui-expect.ts';

/**
 * Store mode in the app, end to end (issue 8): `lifeboat web --store` with two simulated phones
 * of two customers (an Android phone over ADB, a feature phone over MTP), driven by Chromium as
 * staff would: sign in with a PIN, both sessions running side by side, a preview refused without
 * the customer-present confirmation and shown with it, both handed off to two folders, each export
 * verified against its BagIt manifest, the receipts shown; and the store folder scanned for the
 * phones' known plaintext while the sessions ran, when they were ready and after the handoff.
 */
/** The Android customer: the demo phone with its own serial and two large photos (so sealed files are substantial). */
let ANDROID: string;
const DEMO_ANDROID = path.join(REPO, 'images', 'demo-android');
const MTP = path.join(REPO, 'images', 'demo-mtp');
const PIN = '2468';
const missing = fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;
if (missing) process.stderr.write(`\n[e2e] store mode: every test below is SKIPPED: ${missing}\n\n`);

let browser: Browser | undefined;
let tmp: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (missing) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-e2e-store-'));
  ANDROID = await makeTestPhoneImage(path.join(tmp, 'customer-a-phone'), { serial: 'CUSTA0001XYZ', photos: 2, photoEdge: 420 });
  await buildRendererIfStale();
  browser = await launchChromium();
}, 180_000);

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

afterAll(async () => {
  await browser?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** `lifeboat web` as staff start it, its temporary folder one the test can scan. */
async function startWeb(args: string[], tmpDir: string): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'native/cli/main.ts', 'web', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmpDir },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`web exited with ${code} before printing its address:\n${stderr}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  cleanups.push(stop);
  return { url, child, stop };
}

async function openWindow(url: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1360, height: 900 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  cleanups.push(async () => {
    await context.close();
    if (problems.length) throw new Error(`the window reported problems:\n${problems.join('\n')}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]');
  return page;
}

const shot = async (page: Page, name: string) => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
};

function test(name: string, fn: () => Promise<void>, timeout = 240_000) {
  it.skipIf(missing !== null)(name, fn, timeout);
}

/** A second connection to the host's API, as a test's hand (store calls included). */
async function storeSide(url: string): Promise<{ call(method: string, arg?: object): Promise<unknown> }> {
  const side = await apiSocket(url);
  cleanups.push(() => side.close());
  return { call: side.call as (method: string, arg?: object) => Promise<unknown> };
}

async function refusedWith(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return ((err as { userError?: { code?: string } }).userError?.code ?? String(err)) as string;
  }
  throw new Error('the call was expected to be refused');
}

describe('store mode in the app: two customers at once', () => {
  test('staff sign in, two sessions side by side, a preview only with the customer present, both handed off with receipts, nothing readable left', async () => {
    const storeDir = path.join(tmp, 'store');
    const vaultDir = path.join(tmp, 'vault');
    const hostTmp = path.join(tmp, 'host-tmp');
    fs.mkdirSync(hostTmp);
    // Staff as a store sets them up: the CLI, PIN on stdin.
    const added = spawnSync(process.execPath, ['--import', 'tsx', 'native/cli/main.ts', 'store', 'staff', 'add', '--staff', 'alice', '--store-dir', storeDir], { cwd: REPO, input: `${PIN}\n`, encoding: 'utf8' });
    expect(added.status, added.stderr).toBe(0);

    // Something that holds phones on this PC: a process named adb (the check goes by process names).
    const fakeAdb = path.join(tmp, 'bin', 'adb');
    fs.mkdirSync(path.dirname(fakeAdb));
    fs.copyFileSync('/bin/sleep', fakeAdb);
    fs.chmodSync(fakeAdb, 0o755);
    const adb = spawn(fakeAdb, ['600'], { stdio: 'ignore' });
    cleanups.push(() => void adb.kill('SIGKILL'));

    // The link is slowed so that both rescues are seen running at the same time.
    const host = await startWeb(['--store', '--store-dir', storeDir, '--vault', vaultDir, '--sim', ANDROID, '--sim', MTP, '--link-rate', '0.04'], hostTmp);
    const url = host.url;
    const side = await storeSide(url);
    const page = await openWindow(url);
    const metadata = new Set(['Google', 'Pixel 7', 'Nokia', '6300 4G', 'alice']);
    const needles: Needle[] = [...androidDemoNeedles(ANDROID, metadata), ...mtpDemoNeedles(MTP, metadata)];
    expect(needles.length).toBeGreaterThan(60);
    const scanRoots = [storeDir, vaultDir, hostTmp];
    // While the host runs, its temporary folder also holds the simulated Android phone's own databases.
    const phoneOwn = simulatorOwnCopies([ANDROID, MTP]);

    // ---- sign-in: keyboard only, a wrong PIN first --------------------------------------
    await pw(page.getByRole('heading', { level: 1, name: 'Staff sign-in' })).toBeFocused();
    expect(await side.call('storeSessions').catch((e: { userError?: { code: string } }) => e.userError?.code)).toBe('not-signed-in');
    await page.keyboard.press('Tab');
    await pw(page.getByLabel('Staff id')).toBeFocused();
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('0000');
    await page.keyboard.press('Enter');
    await pw(page.getByRole('alert')).toContainText('wrong PIN for alice');
    await pw(page.getByLabel('PIN')).toBeFocused();
    await shot(page, 'store-1-sign-in');
    await page.keyboard.type(PIN);
    await page.keyboard.press('Enter');
    await pw(page.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();
    await pw(page.locator('.store-staff')).toContainText('Signed in: alice');

    // ---- the check for software holding phones --------------------------------------------
    const holders = page.locator('section.holders');
    await pw(holders).toContainText(`adb (process ${adb.pid})`);
    await pw(holders).toContainText('adb kill-server');
    adb.kill('SIGKILL');
    await new Promise((r) => adb.once('exit', r));
    await holders.getByRole('button', { name: 'Check again' }).click();
    await pw(holders).toContainText(/Nothing else on this PC holds phones|Note:/);
    await pw(holders).not.toContainText(/adb \(process/);

    // ---- two customers' phones, two sessions at once --------------------------------------
    const free = page.getByRole('list', { name: 'Phones without a session' }).getByRole('listitem');
    await pw(free).toHaveCount(2);
    await page.getByRole('button', { name: 'Start a customer session for the Google Pixel 7' }).click();
    await page.getByRole('button', { name: 'Start a customer session for the Nokia 6300 4G' }).click();
    const cards = page.locator('li.session-card');
    await pw(cards).toHaveCount(2);
    await pw(free).toHaveCount(0);
    const android = cards.filter({ hasText: 'Google Pixel 7' });
    const mtp = cards.filter({ hasText: 'Nokia 6300 4G' });
    // Side by side: both running at the same moment.
    await pw(page.locator('li.session-card[data-state="running"]')).toHaveCount(2, { timeout: 30_000 });
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toHaveLength(2);
    const whileRunning = scanFor(scanRoots, needles, phoneOwn);
    await shot(page, 'store-2-two-sessions-running');
    await pw(android).toHaveAttribute('data-state', 'ready-for-handoff', { timeout: 120_000 });
    await pw(mtp).toHaveAttribute('data-state', 'ready-for-handoff', { timeout: 120_000 });
    await pw(android.locator('.session-counts')).toHaveAttribute('data-counts', '12/10/10');
    await pw(mtp.locator('.session-counts')).toContainText(/[1-9]\d* photos? and videos?|[1-9]\d* photo or video/);
    // Both sealed sessions on the disk now: everything of both phones is in them, as ciphertext.
    const sealedBytes = fs.readdirSync(path.join(storeDir, 'sessions')).flatMap((d) => allFiles(path.join(storeDir, 'sessions', d))).reduce((n, f) => n + fs.statSync(f).size, 0);
    expect(sealedBytes).toBeGreaterThan(100_000);
    const whenReady = scanFor(scanRoots, needles, phoneOwn);
    expect(whileRunning).toEqual([]);
    expect(whenReady).toEqual([]);
    // Staff see counts, not contents: no contact name on the queue.
    await pw(page.locator('main')).not.toContainText(/Jean-Luc Picard|Ngozi Okafor/);

    // ---- preview: refused without the confirmation, shown with it --------------------------
    const androidId = (await android.getAttribute('data-session-id'))!;
    const mtpId = (await mtp.getAttribute('data-session-id'))!;
    expect(await refusedWith(side.call('storePreviewContacts', { sessionId: androidId, offset: 0, limit: 5 }))).toBe('preview-closed');
    await android.getByRole('button', { name: /Preview the data of Google Pixel 7/ }).click();
    await android.getByRole('button', { name: 'Open preview' }).click();
    await pw(android.getByRole('alert')).toContainText('A preview shows the customer');
    await pw(android).not.toContainText(/Jean-Luc Picard/);
    await android.getByLabel('The customer is here and asked to see this').check();
    await android.getByRole('button', { name: 'Open preview' }).click();
    await pw(android.getByRole('list', { name: 'Contacts in the preview' })).toContainText('Jean-Luc Picard');
    await android.getByLabel('Find a contact').fill('picard');
    await pw(android.getByRole('list', { name: 'Contacts in the preview' }).getByRole('listitem')).toHaveCount(1);
    await shot(page, 'store-3-preview-customer-present');
    await android.getByRole('button', { name: 'Close preview' }).click();
    await pw(android.getByRole('button', { name: 'Open preview' })).toBeVisible();
    await pw(android).not.toContainText(/Jean-Luc Picard/);
    expect(await refusedWith(side.call('storePreviewContacts', { sessionId: androidId, offset: 0, limit: 5 }))).toBe('preview-closed');

    // ---- handoff: two customers, two folders ---------------------------------------------
    const stickA = path.join(tmp, 'customer-a-stick');
    const stickB = path.join(tmp, 'customer-b-stick');
    await android.getByLabel(/Customer’s folder/).fill(stickA);
    await android.getByRole('button', { name: 'Hand off to this folder' }).click();
    await mtp.getByLabel(/Customer’s folder/).fill(stickB);
    await mtp.getByRole('button', { name: 'Hand off to this folder' }).click();
    await pw(android).toHaveAttribute('data-state', 'handed-off', { timeout: 120_000 });
    await pw(mtp).toHaveAttribute('data-state', 'handed-off', { timeout: 120_000 });
    await shot(page, 'store-4-receipts');

    for (const [card, id, stick, counts] of [
      [android, androidId, stickA, /12 contacts, 10 calendar events, 10 photos and videos/],
      [mtp, mtpId, stickB, /\d+ contacts, \d+ calendar events, [1-9]\d* photos and videos/],
    ] as const) {
      const receipt = card.locator('section.receipt');
      await pw(receipt.locator('[data-field="session"]')).toHaveText(id);
      await pw(receipt.locator('[data-field="staff"]')).toHaveText('alice');
      await pw(receipt.locator('[data-field="counts"]')).toContainText(counts);
      await pw(receipt.locator('[data-field="key-destroyed"]')).toContainText(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      await pw(receipt.locator('[data-field="not-transferred"]')).toBeVisible();
      const bags = fs.readdirSync(stick);
      expect(bags).toHaveLength(1);
      const bag = path.join(stick, bags[0]!);
      expect(bags[0]).toContain(id);
      expect(await verifyBag(bag)).toEqual([]);
      const digest = createHash('sha256').update(fs.readFileSync(path.join(bag, 'manifest-sha256.txt'))).digest('hex');
      await pw(receipt.locator('[data-field="manifest"]')).toHaveText(digest);
      await pw(receipt.locator('[data-field="folder"]')).toHaveText(bag);
      expect(fs.readFileSync(path.join(bag, 'store-receipt.txt'), 'utf8')).toContain(digest);
    }
    // The feature phone over MTP gives its photos and files; what it could not give is named.
    await pw(mtp.locator('[data-field="not-transferred"]')).not.toContainText(/^nothing$/);

    // Printable: the browser's print is asked for, with only the receipt marked for it.
    await page.evaluate(() => {
      const w = window as unknown as { print: () => void; printed?: string };
      w.print = () => (w.printed = document.querySelector('.receipt.to-print [data-field="session"]')?.textContent ?? 'none');
    });
    await android.getByRole('button', { name: 'Print receipt' }).click();
    expect(await page.evaluate(() => (window as unknown as { printed?: string }).printed)).toBe(androidId);

    // ---- nothing readable left ------------------------------------------------------------
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toEqual([]);
    expect(scanFor(scanRoots, needles, phoneOwn)).toEqual([]);
    // With the host stopped (the simulated phones with it), nothing is left out of the scan.
    await host.stop();
    expect(scanFor(scanRoots, needles)).toEqual([]);
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toEqual([]);
    // The scanner finds what it looks for where it is: both customers' media hold their needles.
    const inA = scanFor([stickA], needles);
    const inB = scanFor([stickB], needles);
    expect(inA.some((h) => /contact name "Jean-Luc Picard"/.test(h))).toBe(true);
    expect(inA.some((h) => /bytes of PXL_/.test(h))).toBe(true);
    expect(inB.some((h) => /bytes of IMG_2024/.test(h))).toBe(true);
    const audit = verifyAuditLog(path.join(storeDir, 'audit.jsonl'));
    expect(audit).toMatchObject({ ok: true });
    const lines = fs.readFileSync(path.join(storeDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
    expect(lines.filter((l) => l.event === 'preview-opened')).toEqual([expect.objectContaining({ data: expect.objectContaining({ session: androidId, staff: 'alice', category: 'contacts', customerPresent: true }) })]);
    expect(lines.filter((l) => l.event === 'session-ended').map((l) => l.data.outcome)).toEqual(['handed-off', 'handed-off']);
    expect(lines.some((l) => l.event === 'holders-found')).toBe(true);
  });

  test('store mode is switched on in Settings with a staff PIN, refuses plain rescues, and is switched off again', async () => {
    const storeDir = path.join(tmp, 'store-settings');
    new StaffRegistry(path.join(storeDir, 'staff.json')).add('bob', '1357');
    const hostTmp = path.join(tmp, 'host-tmp-2');
    fs.mkdirSync(hostTmp);
    const { url } = await startWeb(['--store-dir', storeDir, '--vault', path.join(tmp, 'vault-2'), '--sim', DEMO_ANDROID], hostTmp);
    const side = await storeSide(url);
    const page = await openWindow(url);
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: /Settings$/ }).click();
    await pw(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeFocused();
    await pw(page.locator('main')).toContainText('Store mode is off.');
    const form = page.getByRole('form', { name: 'Switch store mode on' });
    await form.getByLabel('Staff id').fill('bob');
    await form.getByLabel('PIN').fill('9999');
    await form.getByRole('button', { name: 'Switch store mode on' }).click();
    await pw(form.getByRole('alert')).toContainText('wrong PIN for bob');
    await shot(page, 'store-0-settings');
    await form.getByLabel('PIN').fill('1357');
    await form.getByRole('button', { name: 'Switch store mode on' }).click();
    // The store desk takes the window over, bob signed in.
    await pw(page.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();
    await pw(page.locator('.store-badge')).toHaveText('Store mode');
    await pw(page.locator('.store-staff')).toContainText('Signed in: bob');
    expect(JSON.parse(fs.readFileSync(path.join(storeDir, 'settings.json'), 'utf8'))).toEqual({ storeMode: true });
    const phones = (await side.call('listDevices')) as { id: string }[];
    expect(await refusedWith(side.call('startRescue', { deviceId: phones[0]!.id, categories: ['contacts'] }))).toBe('store-mode');
    // A customer who changes their mind: the session is abandoned, nothing is kept.
    await page.getByRole('button', { name: 'Start a customer session for the Google Pixel 7' }).click();
    const card = page.locator('li.session-card');
    await pw(card).toHaveAttribute('data-state', /running|ready-for-handoff/, { timeout: 30_000 });
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toHaveLength(1);
    expect(await refusedWith(side.call('storeModeOff'))).toBe('sessions-open');
    await card.getByRole('button', { name: 'Abandon session…' }).click();
    await card.getByRole('button', { name: 'Abandon, keep nothing' }).click();
    await pw(card).toHaveAttribute('data-state', 'abandoned', { timeout: 30_000 });
    await pw(card.locator('section.receipt')).toContainText('Receipt: abandoned, no data retained');
    await pw(card.locator('[data-field="not-transferred"]')).toContainText('no data retained');
    await pw(card.locator('[data-field="key-destroyed"]')).toContainText(/\d{4}-\d\d-\d\dT/);
    expect(fs.readdirSync(path.join(storeDir, 'sessions'))).toEqual([]);
    await shot(page, 'store-5-abandoned');
    // Sign out and in again from the keyboard.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await pw(page.getByRole('heading', { level: 1, name: 'Staff sign-in' })).toBeFocused();
    await page.getByLabel('Staff id').fill('bob');
    await page.getByLabel('PIN').fill('1357');
    await page.getByLabel('PIN').press('Enter');
    await page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Switch store mode off' }).click();
    await pw(page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: /Rescue$/ })).toBeVisible();
    expect(JSON.parse(fs.readFileSync(path.join(storeDir, 'settings.json'), 'utf8'))).toEqual({ storeMode: false });
    expect(verifyAuditLog(path.join(storeDir, 'audit.jsonl'))).toMatchObject({ ok: true });
  });
});
