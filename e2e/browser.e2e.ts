import * as fs from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildRendererIfStale } from '../native/cli/web-command.ts';
import { CHROMIUM, browserHost, launchChromium } from './app-under-test.ts';
import { appScenarios } from './scenarios.ts';

// The browser host (`lifeboat web --sim ...`) driven by Debian's Chromium, headless. Screenshots
// of every screen go to docs/screenshots/ from this run.
let browser: Browser | undefined;
const missing = fs.existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium)`;

beforeAll(async () => {
  if (missing) return;
  await buildRendererIfStale();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

appScenarios('browser host + Chromium', () => (missing ? { skip: missing } : browserHost(browser!)), { screenshots: true });
