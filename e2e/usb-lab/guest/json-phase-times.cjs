// Runs the CLI with --json and writes when each JSON line arrived (ms since the CLI started),
// so a guest can time a phase of a run ("category-start" to "category-done") without a shell
// loop per line, which costs more than the phase under emulation.
// Usage: node json-phase-times.cjs OUT.jsonl -- CLI-ARGS...   (exit code: the CLI's)
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');

const out = process.argv[2];
const args = process.argv.slice(process.argv.indexOf('--') + 1);
const started = performance.now();
const child = spawn(process.execPath, [process.env.LIFEBOAT_CLI, ...args], { cwd: process.env.REPO, stdio: ['ignore', 'pipe', 'inherit'] });
const lines = [];
let rest = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (text) => {
  const at = Math.round(performance.now() - started);
  const parts = (rest + text).split('\n');
  rest = parts.pop();
  for (const line of parts) if (line.startsWith('{')) lines.push(JSON.stringify({ ms: at, event: JSON.parse(line) }));
});
child.on('close', (code) => {
  lines.push(JSON.stringify({ ms: Math.round(performance.now() - started), exit: code }));
  fs.writeFileSync(out, lines.join('\n') + '\n');
  process.exitCode = code ?? 1;
});
