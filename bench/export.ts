import { spawn } from 'node:child_process';
import type { ExportTiming } from './exportClient.ts';
import { percentile, type Result } from './stats.ts';

/**
 * `runs` exports of `url` after a warm-up, read by a client in a process of its own (exportClient.ts), as
 * a real client is: a reader in this process shares the server's event loop and took 250-300 ms of its CPU
 * per export of 10 days at 1M (181 MiB), so the server looked slower than it is (chdb over HTTP: 2.5 s read
 * in-process against 1.1 s from a child, load 4, docs/benchmarks.md).
 */
async function exportRuns(url: string, runs: number): Promise<ExportTiming[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/exportClient.ts', url, String(runs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the export client exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as ExportTiming[];
}

/**
 * An export timed `runs` times after a warm-up: p50/p95 of the whole answer (the row every engine's table
 * shows), of its first byte, and the events per second of the median answer (issue 12's targets: a day of
 * the 10M store in ≤ 700 ms, first byte ≤ 300 ms, ≥ 500,000 events/s).
 */
export async function timeExport(port: number, url: string, runs: number, prefix: string, name: string, log: (s: string) => void): Promise<Result[]> {
  const runsOf = await exportRuns(`http://127.0.0.1:${port}${url}`, runs);
  const whole = runsOf.map((r) => r.wholeMs);
  const first = runsOf.map((r) => r.firstMs);
  const { events, bytes } = runsOf[0]!;
  const perS = events / (percentile(whole, 0.5) / 1000);
  log(
    `  ${name}: p50 ${Math.round(percentile(whole, 0.5))} ms, p95 ${Math.round(percentile(whole, 0.95))} ms, first byte p50 ${Math.round(percentile(first, 0.5))} ms, ` +
      `p95 ${Math.round(percentile(first, 0.95))} ms; ${events.toLocaleString('en')} events, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${Math.round(perS).toLocaleString('en')} events/s`,
  );
  const row = `${prefix}: ${name}`;
  return [
    { name: `${row} p95`, value: percentile(whole, 0.95), unit: 'ms' },
    { name: `${row} p50`, value: percentile(whole, 0.5), unit: 'ms' },
    { name: `${row}: first byte p95`, value: percentile(first, 0.95), unit: 'ms' },
    { name: `${row}: first byte p50`, value: percentile(first, 0.5), unit: 'ms' },
    { name: `${row}: events/s at p50`, value: perS, unit: 'events/s' },
  ];
}
