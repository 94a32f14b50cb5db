import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** One --json line of the CLI, stamped with its arrival time (ms since the child was spawned). */
export interface Line {
  ms: number;
  event: { type: string; category?: string; [k: string]: unknown };
}

export interface JsonRun {
  code: number;
  /** measured-cli: main() only. */
  wallMs: number;
  /** The whole child process, Node and tsx start-up included. */
  spawnWallMs: number;
  maxRssBytes: number;
  lines: Line[];
}

/** Runs one CLI command with --json under measured-cli.ts, time-stamping each stdout line on arrival. */
export async function runLifeboatJson(root: string, work: string, env: NodeJS.ProcessEnv, args: string[]): Promise<JsonRun> {
  const statsFile = path.join(work, `stats-json-${process.pid}.json`);
  fs.rmSync(statsFile, { force: true });
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/measured-cli.ts'), ...args, '--json'], {
    cwd: root,
    env: { ...env, BENCH_STATS: statsFile },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines: Line[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (text) => {
    const ms = performance.now() - t0;
    try {
      lines.push({ ms, event: JSON.parse(text) });
    } catch {
      /* not an event */
    }
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const spawnWallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`lifeboat ${args.join(' ')} exited ${code}`);
  const stats = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { wallMs: number; maxRssBytes: number };
  return { code, wallMs: stats.wallMs, spawnWallMs, maxRssBytes: stats.maxRssBytes, lines };
}

/** The first line of `type` (and `category`), or an error naming what is missing. */
export function at(run: JsonRun, type: string, category?: string): Line {
  const line = run.lines.find((l) => l.event.type === type && (category === undefined || l.event.category === category));
  if (!line) throw new Error(`no ${type} ${category ?? ''} line in the --json output`);
  return line;
}
