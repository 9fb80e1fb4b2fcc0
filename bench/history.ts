// `tsx bench/history.ts --engine duckdb|clickhouse [--simulated N] [--copies K] [--runs R] [--json]`: the
// window-vs-history bench on its own (run.ts's --history runs it, the chdb side in a child process: chdb
// holds one engine per process, and the query bench before it has closed it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { benchClickHouse } from './clickhouse.ts';
import { BENCH_END, CACHE, HISTORY_SHIFT_DAYS, storeKey, storeLabel, type BenchStore } from './dataset.ts';
import { openBenchDuckDb, request, serve } from './queries.ts';
import { percentile, timeIt, type Result } from './stats.ts';

const DAY = 86_400_000;
const WINDOW_DAYS = 7;

/** The long-history store over `simulated` events: `copies` copies, copy k moved back 30·k days. */
export const historyStore = (simulated: number, copies: number): BenchStore => ({ simulated, copies, shiftDays: HISTORY_SHIFT_DAYS });

/**
 * The same 7-day window (the last of the bench's 30 days, as of their end) asked of the simulated store
 * and of the long-history store whose last 30 days are that store's events, in the same run: abandonment,
 * removal, quantity, audience and custom funnel. An answer whose cost follows the window, not the history,
 * takes as long on both (long/short ≈ 1; issue 12's target is ≤ 1.5).
 */
export async function benchHistory(engine: 'duckdb' | 'clickhouse', long: BenchStore, runs: number, log: (s: string) => void): Promise<Result[]> {
  const short: BenchStore = { simulated: long.simulated, copies: 1, shiftDays: 0 };
  const open = engine === 'duckdb' ? (s: BenchStore) => openBenchDuckDb(s, log) : openChdb(long, log);
  const stores: (Warehouse & NamedWriter)[] = [];
  try {
    for (const s of [short, long]) {
      const { warehouse, buildSeconds } = await open(s);
      stores.push(warehouse);
      if (buildSeconds !== null) log(`  built the ${storeLabel(s)} store (${engine}) in ${buildSeconds.toFixed(1)} s`);
    }
    const [shortServer, longServer] = [await serve(stores[0]!), await serve(stores[1]!)];
    try {
      return await timePairs(
        shortServer.port,
        longServer.port,
        runs,
        `${engine === 'duckdb' ? 'duckdb' : 'clickhouse (chdb)'} history ${storeLabel(short)} vs ${storeLabel(long)}`,
        log,
      );
    } finally {
      await shortServer.close();
      await longServer.close();
    }
  } finally {
    for (const w of stores) await w.close();
  }
}

/** chdb binds one directory per process: both stores of the pair live in one of their own, as two databases. */
function openChdb(long: BenchStore, log: (s: string) => void) {
  const dir = join(CACHE, `chdb-pair-${storeKey(long)}`);
  mkdirSync(dir, { recursive: true });
  return (s: BenchStore) => benchClickHouse(s, dir, log);
}

/**
 * Each endpoint on the short store, then on the long one: p50 and p95 of the long store beside the short
 * one's (ratio short/long, higher is better as everywhere in the bench's output) and the long/short ratio
 * of p50 itself, the figure issue 12's target names.
 */
async function timePairs(shortPort: number, longPort: number, runs: number, prefix: string, log: (s: string) => void): Promise<Result[]> {
  const results: Result[] = [];
  for (const [name, url, body] of historyEndpoints()) {
    // The long store's last 30 days are the short store's events: a window inside them answers the same.
    const same = (await request(shortPort, url, body)) === (await request(longPort, url, body));
    const short = await timeIt(runs, () => request(shortPort, url, body));
    const long = await timeIt(runs, () => request(longPort, url, body));
    const [s50, s95, l50, l95] = [percentile(short, 0.5), percentile(short, 0.95), percentile(long, 0.5), percentile(long, 0.95)];
    results.push(
      { name: `${prefix}: ${name} p50`, value: l50, unit: 'ms', baseline_name: 'short store p50', baseline_value: s50, ratio: s50 / l50 },
      { name: `${prefix}: ${name} p95`, value: l95, unit: 'ms', baseline_name: 'short store p95', baseline_value: s95, ratio: s95 / l95 },
      { name: `${prefix}: ${name} long/short p50`, value: l50 / s50, unit: '×' },
    );
    log(
      `  ${name}: p50 ${Math.round(s50)} → ${Math.round(l50)} ms (long/short ${(l50 / s50).toFixed(2)}×), p95 ${Math.round(s95)} → ${Math.round(l95)} ms${same ? ', same answer' : ', answers differ'}`,
    );
  }
  return results;
}

/** The window's questions, as the dashboards ask them: [name, url, POST body]. */
function historyEndpoints(): [string, string, string?][] {
  const asOf = new Date(BENCH_END).toISOString();
  const from = new Date(BENCH_END - WINDOW_DAYS * DAY).toISOString();
  const range = `from=${from}&to=${asOf}&as_of=${asOf}`;
  const funnel = JSON.stringify({
    steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }],
    from,
    to: asOf,
    as_of: asOf,
  });
  return [
    [`abandonment ${WINDOW_DAYS}d`, `/v1/funnels/abandonment?${range}`],
    [`removal by product ${WINDOW_DAYS}d`, `/v1/funnels/removal?${range}`],
    [`quantity by category ${WINDOW_DAYS}d`, `/v1/funnels/quantity?${range}&group=category`],
    // The audience of carts abandoned in the window (its lookback), as of the same instant, first page.
    [`audience ${WINDOW_DAYS}d`, `/v1/audiences/abandoned-carts?as_of=${asOf}&lookback_days=${WINDOW_DAYS}&limit=1000`],
    [`custom funnel ${WINDOW_DAYS}d`, '/v1/funnels', funnel],
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { engine: { type: 'string' }, simulated: { type: 'string' }, copies: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.engine !== 'duckdb' && values.engine !== 'clickhouse') throw new Error('--engine takes duckdb or clickhouse');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const long = historyStore(Number(values.simulated ?? 1_000_000), Number(values.copies ?? 10));
  const results = await benchHistory(values.engine, long, Number(values.runs ?? 3), log);
  if (values.json) process.stdout.write(`${JSON.stringify({ results })}\n`);
  else {
    const { printTable } = await import('./stats.ts');
    printTable(results);
  }
  process.exit(0);
}
