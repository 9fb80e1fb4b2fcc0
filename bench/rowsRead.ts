// `tsx bench/rowsRead.ts [--engine duckdb|clickhouse] [--runs R] [--json]`: the rows each funnel answer
// reads, beside its time, on every bench store of an engine (the 1M store, the 10M one, the 300-day one),
// and the straight line `time ≈ a + b · rows read` fitted through them (docs/scaling.md). Rows read do not
// depend on how busy the machine is; the times do: run it alone for the fit.
//
// The answers are the named queries behind the funnel endpoints (the bench's "bare SQL"), over the bench's
// 30 days and over its last 7, as of their end. Rows read: DuckDB's profiler (`cumulative_rows_scanned`,
// every table scan of the plan), ClickHouse's `SelectedRows` counter (the rows it took from MergeTree parts after
// partition and primary-key pruning). The two count differently (DuckDB counts the rows of each row group it
// scans, ClickHouse the rows of each granule it reads), so each engine gets its own fit.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { keptVariant } from '../sql/clickhouse/keptModel.ts';
import { query as namedQuery } from '../sql/loader.ts';
import { benchClickHouse, chdbDir } from './clickhouse.ts';
import { BENCH_DAYS, BENCH_END, CACHE, storeKey, storeLabel, storeOf, type BenchStore } from './dataset.ts';
import { historyStore } from './history.ts';
import { openBenchDuckDb } from './queries.ts';
import { percentile, timeIt } from './stats.ts';

const DAY = 86_400_000;

interface DuckProfile {
  cumulative_rows_scanned: number;
}

export interface RowsRead {
  engine: 'duckdb' | 'clickhouse';
  store: string;
  query: string;
  rows_read: number;
  result_rows: number;
  p50_ms: number;
}

/** The stores of the fit, by the name the child process takes. */
const STORES: Record<string, { store: BenchStore; chdbDir: (s: BenchStore) => string }> = {
  '1m': { store: storeOf(1_000_000), chdbDir },
  '10m': { store: storeOf(10_000_000), chdbDir },
  // The history bench keeps its pair in one chdb directory (history.ts); on DuckDB the long store is a file.
  history: { store: historyStore(1_000_000, 10), chdbDir: (s) => join(CACHE, `chdb-pair-${storeKey(s)}`) },
};

/** The funnel queries with their parameters: the bench's 30 days and its last 7, as of their end. */
function questions(): [string, string, Record<string, string | number>][] {
  const out: [string, string, Record<string, string | number>][] = [];
  for (const days of [BENCH_DAYS, 7]) {
    const p = { as_of_ms: BENCH_END, abandon_ms: DAY, from_ms: BENCH_END - days * DAY, to_ms: BENCH_END };
    out.push(
      [`abandonment ${days}d`, 'abandonment', { ...p, breakdown: 'none', tz: 'UTC' }],
      [`abandonment by day ${days}d`, 'abandonment', { ...p, breakdown: 'day', tz: 'UTC' }],
      [`removal by product ${days}d`, 'removal', { ...p, group: 'product', breakdown: 'none', item: '', tz: 'UTC' }],
      [`quantity by category ${days}d`, 'quantity', { ...p, group: 'category' }],
    );
  }
  return out;
}

/** One store of one engine, in this process (chdb holds one data directory per process). */
async function measureStore(engine: 'duckdb' | 'clickhouse', name: string, runs: number, log: (s: string) => void): Promise<RowsRead[]> {
  const { store, chdbDir: dirOf } = STORES[name]!;
  const label = storeLabel(store);
  const out: RowsRead[] = [];
  if (engine === 'duckdb') {
    const { warehouse } = await openBenchDuckDb(store, log);
    try {
      for (const [q, named, params] of questions()) {
        const sql = namedQuery('duckdb', named);
        const bound = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v]));
        const p50 = percentile(await timeIt(runs, () => warehouse.all(sql, bound)), 0.5);
        // The store's configuration is locked (no profiling pragma); EXPLAIN ANALYZE runs the query and
        // gives the profiler's figures all the same.
        const [explained] = await warehouse.all(`EXPLAIN (ANALYZE, FORMAT json) ${sql}`, bound);
        const profile = JSON.parse(String(explained!.explain_value)) as DuckProfile | DuckProfile[];
        const top = Array.isArray(profile) ? profile[0]! : profile;
        const rows = await warehouse.all(sql, bound);
        out.push({ engine, store: label, query: q, rows_read: top.cumulative_rows_scanned, result_rows: rows.length, p50_ms: p50 });
        log(`  ${label} ${q}: ${top.cumulative_rows_scanned.toLocaleString('en')} rows read, p50 ${Math.round(p50)} ms`);
      }
    } finally {
      await warehouse.close();
    }
    return out;
  }
  const { warehouse } = await benchClickHouse(store, dirOf(store), log);
  try {
    for (const [q, named, params] of questions()) {
      // As the API asks it after every event: the `_kept` twin (bench/clickhouse.ts's bare SQL).
      const sql = keptVariant(namedQuery('clickhouse', named)) ?? namedQuery('clickhouse', named);
      const p50 = percentile(await timeIt(runs, () => warehouse.rows(sql, params)), 0.5);
      // chdb's own summary counts the result's rows; the server-wide SelectedRows counter (rows taken from
      // MergeTree parts after pruning) moves by what this query read, the bench being alone on the engine.
      const before = await selectedRows(warehouse);
      const resultRows = (await warehouse.rows(sql, params)).length;
      const read = (await selectedRows(warehouse)) - before;
      out.push({ engine, store: label, query: q, rows_read: read, result_rows: resultRows, p50_ms: p50 });
      log(`  ${label} ${q}: ${read.toLocaleString('en')} rows read, p50 ${Math.round(p50)} ms`);
    }
  } finally {
    await warehouse.close();
  }
  return out;
}

async function selectedRows(warehouse: { rows: (sql: string) => Promise<Record<string, unknown>[]> }): Promise<number> {
  const [row] = await warehouse.rows(`SELECT value FROM system.events WHERE event = 'SelectedRows'`);
  return Number(row?.value ?? 0);
}

/** Least squares through (rows read, p50): time ≈ a + b · rows; b given per million rows. */
export function fitLine(points: readonly RowsRead[]): { a_ms: number; ms_per_million_rows: number; r2: number; n: number } {
  const n = points.length;
  const xs = points.map((p) => p.rows_read / 1e6);
  const ys = points.map((p) => p.p50_ms);
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const b = sxx === 0 ? 0 : sxy / sxx;
  return { a_ms: my - b * mx, ms_per_million_rows: b, r2: syy === 0 || sxx === 0 ? 1 : (sxy * sxy) / (sxx * syy), n };
}

/** Each store in a child process of its own (chdb: one data directory per process), its rows gathered. */
async function measureAll(engine: 'duckdb' | 'clickhouse', runs: number): Promise<RowsRead[]> {
  const all: RowsRead[] = [];
  for (const name of Object.keys(STORES)) {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--engine', engine, '--store', name, '--runs', String(runs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    if (code !== 0) throw new Error(`rows read of the ${name} store (${engine}) exited ${code}`);
    all.push(...(JSON.parse(stdout) as RowsRead[]));
  }
  return all;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { engine: { type: 'string' }, store: { type: 'string' }, runs: { type: 'string' }, json: { type: 'boolean' } } });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const runs = Number(values.runs ?? 5);
  const engines = values.engine ? [values.engine] : ['duckdb', 'clickhouse'];
  for (const e of engines) if (e !== 'duckdb' && e !== 'clickhouse') throw new Error('--engine takes duckdb or clickhouse');
  if (values.store) {
    if (!STORES[values.store]) throw new Error(`--store takes ${Object.keys(STORES).join(', ')}`);
    process.stdout.write(JSON.stringify(await measureStore(engines[0] as 'duckdb' | 'clickhouse', values.store, runs, log)));
    process.exit(0);
  }
  const report: { engine: string; points: RowsRead[]; fit: ReturnType<typeof fitLine> }[] = [];
  for (const e of engines as ('duckdb' | 'clickhouse')[]) {
    const points = await measureAll(e, runs);
    report.push({ engine: e, points, fit: fitLine(points) });
  }
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    for (const r of report) {
      console.log(
        `\n${r.engine}: time ≈ ${r.fit.a_ms.toFixed(1)} ms + ${r.fit.ms_per_million_rows.toFixed(1)} ms per million rows read (r² ${r.fit.r2.toFixed(2)}, ${r.fit.n} answers)`,
      );
      console.log('| store | answer | rows read | result rows | p50 ms |\n| --- | --- | --- | --- | --- |');
      for (const p of r.points) console.log(`| ${p.store} | ${p.query} | ${p.rows_read.toLocaleString('en')} | ${p.result_rows} | ${Math.round(p.p50_ms)} |`);
    }
  }
  process.exit(0);
}
