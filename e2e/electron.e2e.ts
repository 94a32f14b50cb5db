import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll } from 'vitest';
import { REPO, electronApp, electronBinary } from './app-under-test.ts';
import { appScenarios } from './scenarios.ts';

// The same scenarios through the Electron shell (Playwright's _electron.launch), where an
// Electron binary exists. Here it does not (its download host is unreachable), so every test is
// reported as skipped, and the reason is printed.
const binary = electronBinary();

beforeAll(() => {
  if ('missing' in binary) return;
  if (!fs.existsSync(path.join(REPO, 'dist-electron', 'main.js'))) {
    execFileSync('npm', ['run', '--silent', 'build:electron'], { cwd: REPO, stdio: 'inherit' });
  }
}, 180_000);

appScenarios('Electron', () => ('missing' in binary ? { skip: `no Electron binary: ${binary.missing}` } : electronApp(binary.path)), { screenshots: false });
