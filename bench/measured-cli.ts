import * as fs from 'node:fs';
import { main } from '../native/cli/main.ts';

/** Runs one CLI command and writes its wall time and peak resident memory to $BENCH_STATS. */
const started = process.hrtime.bigint();
const code = await main(process.argv.slice(2));
const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
const stats = { code, wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
if (process.env.BENCH_STATS) fs.writeFileSync(process.env.BENCH_STATS, JSON.stringify(stats));
process.exitCode = code;
