import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ui as pw } from './ui-expect.ts';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPhoneImage } from '../native/api/test-phone-image.ts';
import { verifyBag } from '../native/export/verify-bag.ts';
import { writeIphoneBackup } from '../native/sim/iphone-backup/backup-writer.ts';
import { startIphoneSimulator } from '../native/sim/iphone/iphone-simulator.ts';
import { makeIphoneImage } from '../native/sim/iphone/make-iphone-image.ts';
import { formatUsbmuxAddress } from '../native/protocols/usbmux/usbmux-address.ts';
import { DEMO_IPHONE, iphoneDemoCameraRoll, iphoneDemoContacts, iphoneDemoEvents, iphoneDemoSpec } from '../native/sim/iphone-backup/iphone-demo-data.ts';
import type { AppUnderTest, OpenApp, SimPhone } from './app-under-test.ts';
import { REPO } from './app-under-test.ts';

const DEMO = path.join(REPO, 'images', 'demo-android');
const FEATURE_PHONE = path.join(REPO, 'images', 'demo-at');
const IPHONE_PTP = path.join(REPO, 'images', 'demo-iphone-ptp');
/** The encrypted fixture backup's password (quick key derivation: the writer's small iteration counts). */
const BACKUP_PASSWORD = 'Lifeboat ⛵ 2024';
export const SCREENSHOTS = path.join(REPO, 'docs', 'screenshots');

/**
 * The app's end-to-end story, the same for every shell: connect, see the phones, rescue
 * (progress, cancel, a pulled cable, a stall, resume), review, export and verify, two phones at
 * once. `open` is null when the shell cannot run here; every test then says so and why.
 */
export function appScenarios(shell: string, open: () => OpenApp | { skip: string }, opts: { screenshots: boolean }) {
  let tmp: string;
  let big: string;
  let second: string;
  let backupRoots: string;
  let encryptedBackup: string;
  const running: AppUnderTest[] = [];

  const start = async (sims: SimPhone[], extra: { stallWarningSeconds?: number; backups?: string[]; env?: Record<string, string> } = {}): Promise<AppUnderTest> => {
    const opener = open();
    if ('skip' in opener) throw new Error(opener.skip);
    const app = await opener({ vault: fs.mkdtempSync(path.join(tmp, 'vault-')), sims, ...extra });
    running.push(app);
    return app;
  };
  const shot = async (app: AppUnderTest, name: string) => {
    if (!opts.screenshots) return;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await app.page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
  };
  const nav = (app: AppUnderTest, name: string) => app.page.getByRole('navigation', { name: 'Steps' }).getByRole('button', { name: new RegExp(`^\\d?${name}`) }).click();
  const rescueSection = (app: AppUnderTest, serial: string) => app.page.locator(`section.rescue[data-serial="${serial}"]`);
  const rescueEverything = async (app: AppUnderTest, serial: string) => {
    await nav(app, 'Rescue');
    await rescueSection(app, serial).getByRole('button', { name: /^Rescue everything/ }).click();
  };
  const waitStatus = (app: AppUnderTest, serial: string, status: string, timeout = 30_000) =>
    rescueSection(app, serial).locator(`[data-status="${status}"]`).waitFor({ timeout });

  const skipReason = () => {
    const opener = open();
    return 'skip' in opener ? opener.skip : null;
  };

  describe(`${shell}: the desktop app end to end`, () => {
    const reason = skipReason();
    // Said when the tests are collected (hooks of an all-skipped suite never run), on stderr.
    if (reason) process.stderr.write(`\n[e2e] ${shell}: every test below is SKIPPED: ${reason}\n\n`);
    beforeAll(async () => {
      if (reason) return;
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeboat-e2e-'));
      big = await makeTestPhoneImage(path.join(tmp, 'big'), { serial: 'LBBIG0001', model: 'Pixel 8', battery: 9, photos: 24 });
      second = await makeTestPhoneImage(path.join(tmp, 'second'), { serial: 'LBSECOND1', model: 'Pixel 6a', battery: 64 });
      // iPhone backups by the fixture writer: a plain one where backups are looked for, an
      // encrypted one elsewhere (offered by folder, as `web --backup DIR`).
      backupRoots = path.join(tmp, 'backup-roots');
      writeIphoneBackup(path.join(backupRoots, DEMO_IPHONE.udid), iphoneDemoSpec());
      encryptedBackup = path.join(tmp, 'external-disk', '00008030-0011223344556677');
      writeIphoneBackup(
        encryptedBackup,
        iphoneDemoSpec({
          device: { ...DEMO_IPHONE, deviceName: 'Tom’s iPhone', productName: 'iPhone 11', serialNumber: 'F2LTOM000011', udid: '00008030-0011223344556677' },
          date: new Date('2024-11-20T08:30:00Z'),
          encryption: { password: BACKUP_PASSWORD, sha256Iterations: 1000, sha1Iterations: 10 },
        }),
      );
    });

    afterEach(async () => {
      for (const app of running.splice(0)) await app.close();
    });

    const test = (name: string, fn: () => Promise<void>, timeout = 90_000) =>
      it.skipIf(reason !== null)(
        name,
        async () => {
          try {
            await fn();
          } catch (err) {
            // What the window showed when the test failed: a screenshot and its text, to read later.
            for (const [i, app] of running.entries()) {
              const file = path.join(os.tmpdir(), `lifeboat-e2e-failure-${name.replace(/\W+/g, '-').slice(0, 60)}-${i}.png`);
              await app.page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
              const text = await app.page.locator('main').innerText().catch(() => '(no text)');
              process.stderr.write(`[e2e] failure screenshot: ${file}\n[e2e] the window said:\n${text}\n`);
            }
            throw err;
          }
        },
        timeout,
      );

    test('Connect explains the Android, iPhone and feature-phone steps, says what does not work, and helps when the phone does not appear', async () => {
      const app = await start([{ image: DEMO }]);
      const page = app.page;
      // Keyboard only: Tab to the Connect step, Enter; the screen's heading takes the focus.
      for (let i = 0; i < 8; i++) {
        await page.keyboard.press('Tab');
        const onConnect = await page.evaluate(() => !!document.activeElement?.closest('nav') && /Connect$/.test(document.activeElement.textContent ?? ''));
        if (onConnect) break;
      }
      await page.keyboard.press('Enter');
      await pw(page.getByRole('heading', { level: 1, name: 'Connect a phone' })).toBeFocused();
      await pw(page.getByRole('heading', { name: /File transfer/ })).toBeVisible();
      await pw(page.getByRole('heading', { name: /USB debugging/ })).toBeVisible();
      await pw(page.getByRole('img', { name: /Allow USB debugging/ })).toBeVisible();
      // iPhone: Trust for photos; contacts and calendar from a computer backup; its password.
      await pw(page.getByRole('heading', { level: 2, name: 'iPhones' })).toBeVisible();
      await pw(page.getByRole('heading', { name: /unlock the iPhone and tap “Trust”/ })).toBeVisible();
      await pw(page.getByRole('img', { name: /Trust This Computer/ })).toBeVisible();
      await pw(page.getByRole('heading', { name: /contacts and calendar: a backup on a computer/ })).toBeVisible();
      await pw(page.getByRole('heading', { name: /encrypted backup needs its backup password/ })).toBeVisible();
      await pw(page.getByText(/never keeps it/)).toBeVisible();
      await pw(page.locator('main')).not.toContainText(/cannot read iPhones yet/);
      // Feature phones: the modem cable, what works and what does not.
      await pw(page.getByRole('heading', { level: 2, name: 'Feature phones (buttons, no touch screen)' })).toBeVisible();
      await pw(page.getByRole('heading', { name: /choose “PC Suite”/ })).toBeVisible();
      await pw(page.getByText('What Lifeboat rescues from them')).toBeVisible();
      await pw(page.getByText(/on the SIM card \(names and numbers/)).toBeVisible();
      await pw(page.getByText('What it does not (yet)')).toBeVisible();
      await page.getByText('An iPhone does not appear').click();
      await pw(page.getByText(/sudo apt install usbmuxd/)).toBeVisible();
      await page.getByText('A feature phone shows no modem').click();
      await pw(page.getByText(/dialout/).first()).toBeVisible();
      await page.getByText('Linux: the phone needs a udev rule').click();
      await pw(page.getByText(/SUBSYSTEM=="usb"/)).toBeVisible();
      await page.getByText('Another program holds the phone').click();
      await pw(page.getByText('adb kill-server')).toBeVisible();
      await page.getByText('Windows: the driver does not let Lifeboat in').click();
      await shot(app, '1-connect');
    });

    test('Phones lists every phone with model, connection, battery (low warning) and what can be rescued', async () => {
      const app = await start([{ image: DEMO }, { image: big }]);
      await nav(app, 'Phones');
      const cards = app.page.getByRole('list', { name: 'Connected phones' }).getByRole('listitem');
      await pw(cards).toHaveCount(2);
      const low = app.page.locator('li[data-serial="LBBIG0001"]');
      await pw(low.getByRole('heading', { name: 'Google Pixel 8' })).toBeVisible();
      await pw(low).toContainText('Simulated USB cable, Android debugging (ADB)');
      await pw(low).toContainText('9% — low');
      await pw(low.getByRole('note')).toContainText('Contacts and calendar are rescued first');
      await pw(low).toContainText('Contacts, Calendar, Photos and videos');
      await pw(app.page.locator('li[data-serial="LBDEMO0001"]')).toContainText('23%');
      await shot(app, '2-phones');
    });

    test('Rescue everything shows progress per category (items, bytes, speed, time left), then what is safe', async () => {
      const app = await start([{ image: big, linkRateMBps: 2 }]);
      await nav(app, 'Phones');
      await app.page.getByRole('button', { name: 'Rescue this phone' }).click();
      await rescueSection(app, 'LBBIG0001').getByRole('button', { name: 'Rescue everything' }).click();
      const photos = rescueSection(app, 'LBBIG0001').locator('tr[data-category="photos"][data-state="running"]');
      await photos.waitFor({ timeout: 20_000 });
      // Cells after the row header: progress, items, size, speed, time left, already safe.
      await pw(photos.locator('td').nth(3)).toContainText(/[kM]B\/s/, { timeout: 10_000 });
      await pw(photos.locator('td').nth(4)).toHaveText(/\d+ (s|min)|less than a second/);
      await pw(photos.locator('td').nth(1)).toHaveText(/\d+ of \d+/);
      await pw(photos.locator('td').nth(2)).toHaveText(/B of \d+\.\d MB/);
      await pw(photos.getByRole('progressbar')).toHaveAttribute('aria-valuenow', /\d+/);
      await pw(rescueSection(app, 'LBBIG0001').locator('tr[data-category="contacts"]')).toHaveAttribute('data-state', 'done');
      await shot(app, '3-rescue-progress');
      await waitStatus(app, 'LBBIG0001', 'done', 60_000);
      await pw(rescueSection(app, 'LBBIG0001')).toContainText('Everything chosen is safe');
      await pw(rescueSection(app, 'LBBIG0001')).toContainText('32 photos and videos');
      await shot(app, '4-rescue-done');
    });

    test('Cancel always works, and Resume continues where it stopped', async () => {
      const app = await start([{ image: big, linkRateMBps: 1 }]);
      await rescueEverything(app, 'LBBIG0001');
      await rescueSection(app, 'LBBIG0001').locator('tr[data-category="photos"][data-state="running"]').waitFor({ timeout: 20_000 });
      await app.page.waitForTimeout(1_500);
      const t0 = Date.now();
      await rescueSection(app, 'LBBIG0001').getByRole('button', { name: 'Cancel rescue' }).click();
      await waitStatus(app, 'LBBIG0001', 'cancelled', 8_000);
      expect(Date.now() - t0).toBeLessThan(8_000);
      await pw(rescueSection(app, 'LBBIG0001')).toContainText('Everything saved so far is safe');
      await rescueSection(app, 'LBBIG0001').getByRole('button', { name: 'Resume rescue' }).click();
      await waitStatus(app, 'LBBIG0001', 'done', 60_000);
      const alreadySafe = Number(await rescueSection(app, 'LBBIG0001').locator('tr[data-category="photos"] td').nth(5).textContent());
      expect(alreadySafe).toBeGreaterThan(0);
    });

    test('A pulled cable: the window says what was saved is safe, and resumes once the phone is back', async () => {
      const app = await start([{ image: big, unplugAfterBytes: 2_000_000 }]);
      await rescueEverything(app, 'LBBIG0001');
      await waitStatus(app, 'LBBIG0001', 'lost');
      const section = rescueSection(app, 'LBBIG0001');
      await pw(section.getByRole('alert')).toContainText('The phone was disconnected');
      await pw(section).toContainText('Plug the phone in again');
      await pw(section).not.toContainText(/\.ts:\d+|\bat [\w.]+ \(/);
      await shot(app, '5-rescue-cable-pulled');
      await nav(app, 'Phones');
      await pw(app.page.getByText('No phone is connected yet.')).toBeVisible();
      // The person plugs the phone in again (this time the cable stays in).
      await app.api('plugInSimulatedPhone', { image: big });
      await nav(app, 'Rescue');
      await section.getByRole('button', { name: 'Resume rescue' }).click();
      await waitStatus(app, 'LBBIG0001', 'done', 60_000);
      const alreadySafe = Number(await section.locator('tr[data-category="photos"] td').nth(5).textContent());
      expect(alreadySafe).toBeGreaterThan(0);
      await pw(section.locator('tr[data-category="contacts"] td').nth(5)).toHaveText('12');
    });

    test('A phone that stops sending: a stall warning, and Cancel still works', async () => {
      const app = await start([{ image: big, stallAfterBytes: 1_000_000 }], { stallWarningSeconds: 1 });
      await rescueEverything(app, 'LBBIG0001');
      await pw(app.page.getByTestId('stall-warning')).toBeVisible({ timeout: 20_000 });
      await pw(app.page.getByTestId('stall-warning')).toContainText('Check that the cable is in');
      await shot(app, '6-rescue-stalled');
      const t0 = Date.now();
      await rescueSection(app, 'LBBIG0001').getByRole('button', { name: 'Cancel rescue' }).click();
      await waitStatus(app, 'LBBIG0001', 'cancelled', 10_000);
      expect(Date.now() - t0).toBeLessThan(10_000);
    });

    test('Review: contacts (search and card), calendar (agenda and month), photos (thumbnail grid, keyboard)', async () => {
      const app = await start([{ image: big }]);
      await rescueEverything(app, 'LBBIG0001');
      await waitStatus(app, 'LBBIG0001', 'done', 60_000);
      await rescueSection(app, 'LBBIG0001').getByRole('button', { name: 'Look at what was saved' }).click();
      const page = app.page;
      await pw(page.getByRole('heading', { level: 1, name: 'Review' })).toBeVisible();
      await page.getByRole('searchbox', { name: /Search contacts/ }).fill('picard');
      await pw(page.getByRole('list', { name: 'Contacts' }).getByRole('button')).toHaveCount(1);
      await page.getByRole('button', { name: /Jean-Luc Picard/ }).click();
      await pw(page.getByRole('article', { name: /Contact card: Jean-Luc Picard/ })).toContainText('+33 1 40 20 50 50');
      await shot(app, '7-review-contacts');

      await page.getByRole('tab', { name: /Calendar/ }).click();
      await pw(page.getByRole('list', { name: 'Events in date order' })).toContainText('Dentist');
      await shot(app, '8-review-calendar-agenda');
      await page.getByRole('radio', { name: 'Month' }).check();
      await pw(page.locator('.month-grid')).toBeVisible();
      await pw(page.locator('.month-event').first()).toBeVisible();
      await shot(app, '9-review-calendar-month');

      await page.getByRole('tab', { name: /Photos/ }).click();
      const grid = page.getByTestId('photo-grid');
      await pw(grid).toHaveAttribute('aria-label', /32 in all/);
      await pw(grid.locator('img[src^="data:image/jpeg;base64,"]').first()).toBeVisible({ timeout: 15_000 });
      await grid.focus();
      await page.keyboard.press('ArrowRight');
      await pw(grid).toHaveAttribute('aria-activedescendant', 'photo-1');
      await page.keyboard.press('End');
      await pw(grid).toHaveAttribute('aria-activedescendant', 'photo-31');
      await page.keyboard.press('Home');
      await page.waitForTimeout(400); // thumbnails of the first rows again
      await shot(app, '10-review-photos');
    });

    test('Export: vCard 4.0, photos by date, progress, verification, the receipt; a used folder is refused with what to do', async () => {
      const app = await start([{ image: DEMO }]);
      await rescueEverything(app, 'LBDEMO0001');
      await waitStatus(app, 'LBDEMO0001', 'done');
      await nav(app, 'Export');
      const page = app.page;
      const folder = path.join(tmp, `export-${app.kind}`);
      await page.getByRole('textbox', { name: /Destination folder/ }).fill(folder);
      await page.getByRole('radio', { name: /vCard 4.0/ }).check();
      await page.getByRole('radio', { name: /by year and month/ }).check();
      await page.locator('main').getByRole('button', { name: 'Export', exact: true }).click();
      await pw(page.getByTestId('verify-ok')).toBeVisible({ timeout: 30_000 });
      await pw(page.getByText(/Written: 12 contacts, 10 events in 2 calendars, 8 photos and videos/)).toBeVisible();
      expect(fs.readFileSync(path.join(folder, 'data', 'contacts', 'contacts.vcf'), 'utf8')).toContain('VERSION:4.0');
      expect(fs.readdirSync(path.join(folder, 'data', 'photos')).every((d) => /^\d{4}$/.test(d))).toBe(true);
      await shot(app, '11-export-verified');
      if (app.kind === 'browser') {
        const [receipt] = await Promise.all([page.context().waitForEvent('page'), page.getByRole('link', { name: 'Open the printable receipt' }).click()]);
        await receipt.waitForLoadState();
        await pw(receipt.locator('body')).toContainText('LBDEMO0001');
        await receipt.screenshot({ path: path.join(SCREENSHOTS, '12-receipt.png'), fullPage: false }).catch(() => undefined);
        await receipt.close();
      }
      // The same folder again: it holds files now.
      await page.locator('main').getByRole('button', { name: 'Export', exact: true }).click();
      const alert = page.getByRole('alert').filter({ hasText: 'already holds files' });
      await pw(alert).toContainText('What to do: Choose a new folder or an empty one');
      await pw(page.locator('main')).not.toContainText(/\.ts:\d+|\bat [\w.]+ \(|Error:/);
      await shot(app, '13-export-error');
    });

    test('Review chooses 2 contacts and 3 photos (mouse and keyboard); the export holds exactly those, verified', async () => {
      const app = await start([{ image: DEMO }]);
      await rescueEverything(app, 'LBDEMO0001');
      await waitStatus(app, 'LBDEMO0001', 'done');
      await nav(app, 'Review');
      const page = app.page;
      // Contacts: none, then two ticked.
      await page.getByRole('button', { name: 'Select none of the contacts for the export' }).click();
      await pw(page.getByTestId('chosen-contacts')).toHaveText('0 of 12 contacts chosen for the export');
      await page.getByRole('checkbox', { name: 'Include Jean-Luc Picard in the export' }).check();
      await page.getByRole('checkbox', { name: 'Include Marco Rossi in the export' }).check();
      await pw(page.getByTestId('chosen-contacts')).toHaveText('2 of 12 contacts chosen for the export');
      // Calendar: none of it.
      await page.getByRole('tab', { name: /Calendar/ }).click();
      await page.getByRole('button', { name: 'Select none of the calendar events for the export' }).click();
      await pw(page.getByTestId('chosen-events')).toHaveText('0 of 10 calendar events chosen for the export');
      // Photos: none, two ticked with the mouse, one chosen from the keyboard (End, then Space).
      await page.getByRole('tab', { name: /Photos/ }).click();
      await page.getByRole('button', { name: 'Select none of the photos and videos for the export' }).click();
      const grid = page.getByTestId('photo-grid');
      await pw(grid.locator('#photo-0')).toHaveAttribute('aria-selected', 'false');
      await grid.locator('#photo-0').getByRole('checkbox').check();
      await grid.locator('#photo-2').getByRole('checkbox').check();
      await grid.focus();
      await page.keyboard.press('End');
      await page.keyboard.press('Space');
      await pw(grid.locator('#photo-7')).toHaveAttribute('aria-selected', 'true');
      await pw(grid.locator('#photo-1')).toHaveAttribute('aria-selected', 'false');
      await pw(page.getByTestId('chosen-photos')).toHaveText('3 of 8 photos and videos chosen for the export');
      await pw(grid.locator('img[src^="data:image/"]').first()).toBeVisible({ timeout: 15_000 });
      await shot(app, '15-review-chosen');
      const chosenPaths = await Promise.all([0, 2, 7].map(async (i) => (await grid.locator(`#photo-${i}`).getAttribute('data-path'))!));

      await nav(app, 'Export');
      const chosen = page.getByTestId('export-chosen');
      await pw(chosen).toContainText('a selection');
      await pw(chosen).toContainText('2 of 12 contacts');
      await pw(chosen).toContainText('0 of 10 calendar events');
      await pw(chosen).toContainText('3 of 8 photos and videos');
      const folder = path.join(tmp, `export-selection-${app.kind}`);
      await page.getByRole('textbox', { name: /Destination folder/ }).fill(folder);
      await page.locator('main').getByRole('button', { name: 'Export', exact: true }).click();
      await pw(page.getByTestId('verify-ok')).toBeVisible({ timeout: 30_000 });
      await pw(page.getByText(/Written: 2 contacts, 0 events in 0 calendars, 3 photos and videos/)).toBeVisible();
      await shot(app, '16-export-selection');

      // The bag, read from the disk: whole, and exactly what was chosen.
      expect(await verifyBag(folder)).toEqual([]);
      const data = path.join(folder, 'data');
      const vcf = fs.readFileSync(path.join(data, 'contacts', 'contacts.vcf'), 'utf8');
      expect([...vcf.matchAll(/^FN:(.*)\r$/gm)].map((m) => m[1])).toEqual(['Jean-Luc Picard', 'Marco Rossi']);
      expect(fs.existsSync(path.join(data, 'calendar'))).toBe(false);
      const hash = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
      const photoFiles = fs
        .readdirSync(path.join(data, 'photos'), { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => path.join(d.parentPath, d.name));
      expect(photoFiles.map(hash).sort()).toEqual(chosenPaths.map((p) => hash(path.join(DEMO, 'storage', p))).sort());
      const receipt = fs.readFileSync(path.join(data, 'report.html'), 'utf8');
      expect(receipt).toContain('2 of 12 contacts chosen');
      expect(receipt).toContain('3 of 8 photos and videos chosen');
    });

    test('Two phones at once: both listed, both rescued side by side, both reviewable', async () => {
      const app = await start([{ image: DEMO }, { image: second }]);
      await nav(app, 'Rescue');
      await rescueSection(app, 'LBDEMO0001').getByRole('button', { name: 'Rescue everything' }).click();
      await rescueSection(app, 'LBSECOND1').getByRole('button', { name: 'Rescue everything' }).click();
      await waitStatus(app, 'LBDEMO0001', 'done');
      await waitStatus(app, 'LBSECOND1', 'done');
      await shot(app, '14-two-phones');
      await nav(app, 'Review');
      const picker = app.page.getByRole('combobox', { name: 'Phone' });
      await pw(picker.locator('option')).toHaveCount(2);
      await picker.selectOption('LBSECOND1');
      await pw(app.page.getByRole('tab', { name: 'Contacts (12)' })).toBeVisible();
    });

    const MTP = path.join(REPO, 'images', 'demo-mtp');
    const mtpMissing = !fs.existsSync(path.join(MTP, 'device.json'));
    if (mtpMissing) process.stderr.write(`[e2e] ${shell}: the MTP test is SKIPPED: images/demo-mtp is not in this tree\n`);
    it.skipIf(reason !== null || mtpMissing)('An Android phone (ADB) and a feature phone (MTP) at once', async () => {
      const app = await start([{ image: DEMO }, { image: MTP }]);
      await nav(app, 'Phones');
      await pw(app.page.locator('li[data-serial="LBMTP00001"]')).toContainText('File transfer (MTP)');
      await pw(app.page.locator('li[data-serial="LBDEMO0001"]')).toContainText('Android debugging (ADB)');
      await nav(app, 'Rescue');
      await rescueSection(app, 'LBDEMO0001').getByRole('button', { name: 'Rescue everything' }).click();
      await rescueSection(app, 'LBMTP00001').getByRole('button', { name: 'Rescue everything' }).click();
      await waitStatus(app, 'LBDEMO0001', 'done');
      await waitStatus(app, 'LBMTP00001', 'done');
      await pw(rescueSection(app, 'LBMTP00001')).toContainText('4 contacts');
    }, 90_000);

    test('iPhone backups beside a phone: the encrypted one asks for its password (a wrong one first), both rescued and reviewable', async () => {
      const app = await start([{ image: DEMO }], { backups: [encryptedBackup], env: { LIFEBOAT_BACKUP_ROOTS: backupRoots } });
      const page = app.page;
      await nav(app, 'Phones');
      await pw(page.getByRole('list', { name: 'Connected phones' }).getByRole('listitem')).toHaveCount(1);
      const backups = page.getByRole('list', { name: 'iPhone backups' }).getByRole('listitem');
      await pw(backups).toHaveCount(2);
      const plain = page.locator(`li[data-serial="${DEMO_IPHONE.serialNumber}"]`);
      const locked = page.locator('li[data-serial="F2LTOM000011"]');
      await pw(plain.getByRole('heading', { name: 'iPhone backup of Lena’s iPhone, 1 Oct 2024' })).toBeVisible();
      await pw(plain).toContainText('Apple iPhone 13 Pro');
      await pw(plain).toContainText('Contacts, Calendar, Photos and videos');
      await pw(locked.getByRole('heading', { name: 'iPhone backup of Tom’s iPhone, 20 Nov 2024, encrypted' })).toBeVisible();
      await pw(locked).toContainText('Encrypted: the rescue asks for the backup password');
      await pw(locked).toContainText(encryptedBackup);
      await shot(app, '17-iphone-backups');

      // The encrypted one: a wrong password is said plainly and the field stays for another try.
      await locked.getByRole('button', { name: 'Rescue this backup' }).click();
      const section = page.locator('section.rescue[data-serial="F2LTOM000011"]');
      const field = section.getByLabel('Backup password');
      await pw(field).toBeVisible();
      await field.fill('lifeboat ⛵ 2024');
      await section.getByRole('button', { name: 'Rescue everything' }).click();
      await pw(section.getByRole('alert')).toContainText('That password does not open this backup.');
      await pw(section.getByRole('alert')).toContainText('passwords are case-sensitive');
      await pw(field).toBeFocused();
      await pw(field).toHaveAttribute('aria-invalid', 'true');
      expect(await field.inputValue()).toBe('');
      await shot(app, '18-backup-wrong-password');
      await field.fill(BACKUP_PASSWORD);
      await page.keyboard.press('Enter');
      await waitStatus(app, 'F2LTOM000011', 'done', 60_000);
      await pw(section).toContainText(`${iphoneDemoContacts().length} contacts`);
      await pw(section).toContainText(`${iphoneDemoCameraRoll().length} photos and videos`);
      // Never kept: not in the field, not in the page.
      expect(await page.content()).not.toContain(BACKUP_PASSWORD);

      // The plain one needs no password.
      await nav(app, 'Rescue');
      const plainSection = page.locator(`section.rescue[data-serial="${DEMO_IPHONE.serialNumber}"]`);
      await pw(plainSection.getByLabel('Backup password')).toHaveCount(0);
      await plainSection.getByRole('button', { name: 'Rescue everything' }).click();
      await waitStatus(app, DEMO_IPHONE.serialNumber, 'done', 60_000);
      await pw(plainSection).toContainText(`${iphoneDemoEvents().length} events`);

      // Review: contacts, calendar and photos of the encrypted backup.
      await plainSection.getByRole('button', { name: 'Look at what was saved' }).click();
      await page.getByRole('combobox', { name: 'Phone' }).selectOption('F2LTOM000011');
      await pw(page.getByRole('tab', { name: `Contacts (${iphoneDemoContacts().length})` })).toBeVisible();
      await page.getByRole('searchbox', { name: /Search contacts/ }).fill('schmidt');
      await page.getByRole('button', { name: /Anna Maria Schmidt/ }).click();
      await pw(page.getByRole('article', { name: /Contact card: Dr. Anna Maria Schmidt/ })).toBeVisible();
      await shot(app, '19-review-iphone-backup');
      await page.getByRole('tab', { name: /Calendar/ }).click();
      await pw(page.getByRole('list', { name: 'Events in date order' })).toContainText('Flight JFK → BER');
      await page.getByRole('tab', { name: /Photos/ }).click();
      const grid = page.getByTestId('photo-grid');
      await pw(grid).toHaveAttribute('aria-label', new RegExp(`${iphoneDemoCameraRoll().length} in all`));
      await pw(grid.locator('img[src^="data:image/"]').first()).toBeVisible({ timeout: 15_000 });
    }, 120_000);

    const featureMissing = !fs.existsSync(path.join(FEATURE_PHONE, 'device.json'));
    if (featureMissing) process.stderr.write(`[e2e] ${shell}: the feature-phone test is SKIPPED: images/demo-at is not in this tree\n`);
    it.skipIf(reason !== null || featureMissing)('A feature phone (AT commands) listed and rescued next to an Android phone', async () => {
      const app = await start([{ image: DEMO }, { image: FEATURE_PHONE }]);
      const page = app.page;
      await nav(app, 'Phones');
      const cards = page.getByRole('list', { name: 'Connected phones' }).getByRole('listitem');
      await pw(cards).toHaveCount(2);
      const nokia = page.locator('li[data-transport="at"]');
      await pw(nokia.getByRole('heading', { name: 'Nokia 2730 classic' })).toBeVisible();
      await pw(nokia).toContainText('USB modem (AT commands)');
      await pw(nokia).toContainText('71%');
      // A phone whose image has OBEX objects offers calendar and pictures on the same cable; one without, contacts only.
      const obex = fs.existsSync(path.join(FEATURE_PHONE, 'obex'));
      await pw(nokia.getByTestId('device-note')).toContainText(obex ? 'calendar, pictures and the phone’s own address book over OBEX' : 'calendar and pictures do not come over this connection yet');
      const serial = (await nokia.getAttribute('data-serial'))!;
      await pw(nokia.locator('dd').filter({ hasText: obex ? /^Contacts, Calendar, Photos and videos$/ : /^Contacts$/ })).toHaveCount(1);
      await shot(app, '20-feature-phone');
      await nav(app, 'Rescue');
      await rescueSection(app, serial).getByRole('button', { name: 'Rescue everything' }).click();
      await rescueSection(app, 'LBDEMO0001').getByRole('button', { name: 'Rescue everything' }).click();
      await waitStatus(app, serial, 'done');
      await waitStatus(app, 'LBDEMO0001', 'done');
      await pw(rescueSection(app, serial).locator('tr[data-category]')).toHaveCount(obex ? 3 : 1);
      await pw(rescueSection(app, serial)).toContainText(/Safe in the vault now: [1-9]\d* contacts?/);
      if (obex) await pw(rescueSection(app, serial)).toContainText(/[1-9]\d* photos? (and videos|or video)/);
      await rescueSection(app, serial).getByRole('button', { name: 'Look at what was saved' }).click();
      await page.getByRole('combobox', { name: 'Phone' }).selectOption(serial);
      await page.getByRole('searchbox', { name: /Search contacts/ }).fill('müller');
      await pw(page.getByRole('list', { name: 'Contacts' })).toContainText('Jürgen Müller');
    }, 90_000);

    const ptpMissing = !fs.existsSync(path.join(IPHONE_PTP, 'device.json'));
    if (ptpMissing) process.stderr.write(`[e2e] ${shell}: the iPhone PTP test is SKIPPED: images/demo-iphone-ptp is not in this tree\n`);
    it.skipIf(reason !== null || ptpMissing)('An iPhone on the cable without Apple’s service: photos over PTP, and where its contacts are', async () => {
      const app = await start([{ image: IPHONE_PTP }]);
      await nav(app, 'Phones');
      const card = app.page.locator('li[data-serial="00008110-001A2B3C4D5E601E"]');
      await pw(card).toContainText('photos (PTP)');
      await pw(card.getByTestId('device-note')).toContainText('backup on a computer');
      await card.getByRole('button', { name: 'Rescue this phone' }).click();
      await rescueSection(app, '00008110-001A2B3C4D5E601E').getByRole('button', { name: 'Rescue everything' }).click();
      await waitStatus(app, '00008110-001A2B3C4D5E601E', 'done');
      await pw(rescueSection(app, '00008110-001A2B3C4D5E601E')).toContainText(/[1-9]\d* photos? and videos?|[1-9]\d* photo or video/);
    }, 90_000);

    test('A live iPhone through usbmuxd: listed as waiting for Trust, the rescue asks it, the owner taps Trust, its photos come', async () => {
      // A simulated iPhone behind a simulated usbmuxd socket; the app finds it through USBMUXD_SOCKET_ADDRESS
      // and keeps its pair record in a data folder of its own (XDG_DATA_HOME), so this computer is new to the phone.
      const image = makeIphoneImage(fs.mkdtempSync(path.join(tmp, 'live-iphone-')), { battery: 54, bigVideoBytes: 200_000 });
      const phone = await startIphoneSimulator({ imageDir: image, listen: { kind: 'unix', path: path.join(fs.mkdtempSync(path.join(tmp, 'mux-')), 'usbmuxd.sock') }, trust: 'ask', trustDelayMs: 600_000 });
      try {
        const app = await start([{ image: DEMO }], {
          env: { USBMUXD_SOCKET_ADDRESS: formatUsbmuxAddress(phone.address), XDG_DATA_HOME: fs.mkdtempSync(path.join(tmp, 'data-')) },
        });
        const page = app.page;
        await nav(app, 'Phones');
        const card = page.locator('li[data-transport="iphone"]');
        await pw(card).toContainText('Apple’s iPhone service (usbmuxd)');
        await pw(card).toContainText('Waiting for “Trust” on the iPhone');
        await pw(card).toContainText('This iPhone does not trust this computer yet');
        await pw(card).toContainText('tap “Trust”');
        await shot(app, '21-iphone-trust');
        await card.getByRole('button', { name: 'Rescue this phone' }).click();
        const section = page.locator(`section.rescue[data-device-id="iphone:${phone.profile.udid}"]`);
        await section.getByRole('button', { name: 'Rescue everything' }).click();
        // The phone shows "Trust This Computer?" now; the window says what to do until the owner taps it.
        await pw(section.getByTestId('owner-step')).toContainText('tap "Trust" on its screen', { timeout: 20_000 });
        await pw(section.getByTestId('owner-step')).toContainText('the rescue goes on by itself once the phone answers');
        await shot(app, '22-iphone-waiting-for-trust');
        phone.tapTrust();
        await section.locator('[data-status="done"]').waitFor({ timeout: 60_000 });
        await pw(section).toContainText('4 photos and videos');
        await pw(section).toContainText('0 contacts');
        await pw(section.getByTestId('owner-step')).toHaveCount(0);
        expect(phone.writeAttempts).toEqual([]);
      } finally {
        await phone.close();
      }
    }, 120_000);

    test('After the window opened: an iPhone plugged in appears and unplugged goes by itself; a backup made in Finder appears on "Look again"', async () => {
      // Nothing yet at the start: no usbmuxd on its socket, no backup in the backup place.
      const socket = path.join(fs.mkdtempSync(path.join(tmp, 'mux-')), 'usbmuxd.sock');
      const roots = fs.mkdtempSync(path.join(tmp, 'later-roots-'));
      const app = await start([{ image: DEMO }], {
        env: { USBMUXD_SOCKET_ADDRESS: `UNIX:${socket}`, XDG_DATA_HOME: fs.mkdtempSync(path.join(tmp, 'data-')), LIFEBOAT_BACKUP_ROOTS: roots },
      });
      const page = app.page;
      await nav(app, 'Phones');
      const phones = page.getByRole('list', { name: 'Connected phones' }).getByRole('listitem');
      await pw(phones).toHaveCount(1);
      const phone = await startIphoneSimulator({ imageDir: makeIphoneImage(fs.mkdtempSync(path.join(tmp, 'later-iphone-'))), listen: { kind: 'unix', path: socket } });
      try {
        const card = page.locator('li[data-transport="iphone"]');
        await pw(card).toContainText('Apple’s iPhone service (usbmuxd)', { timeout: 20_000 });
        await pw(phones).toHaveCount(2);
        phone.unplug();
        await pw(card).toHaveCount(0, { timeout: 20_000 });
      } finally {
        await phone.close();
      }
      await pw(page.getByRole('list', { name: 'iPhone backups' })).toHaveCount(0);
      writeIphoneBackup(path.join(roots, DEMO_IPHONE.udid), iphoneDemoSpec());
      await page.getByRole('button', { name: 'Look again' }).click();
      const backups = page.getByRole('list', { name: 'iPhone backups' }).getByRole('listitem');
      await pw(backups).toHaveCount(1);
      await pw(backups.first().getByRole('heading', { name: 'iPhone backup of Lena’s iPhone, 1 Oct 2024' })).toBeVisible();
      await pw(page.getByRole('button', { name: 'Look again' })).toBeVisible();
    }, 120_000);
  });
}
