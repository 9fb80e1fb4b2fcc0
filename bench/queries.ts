import type { Server } from 'node:http';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { query as namedQuery } from '../sql/loader.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { BENCH_DAYS, BENCH_END, benchDuckDb, storeLabel, storeOf, type BenchStore } from './dataset.ts';
import { timeExport } from './export.ts';
import { percentile, timeIt, type Result } from './stats.ts';

const DAY = 86_400_000;

/** Every read endpoint over HTTP at `events` simulated events on DuckDB: p50/p95, and the bare SQL beside it. */
export async function benchQueries(events: number | BenchStore, runs: number, log: (s: string) => void, pick: EndpointPick = {}): Promise<Result[]> {
  const store = typeof events === 'number' ? storeOf(events) : events;
  const { warehouse, buildSeconds } = await openBenchDuckDb(store, log);
  if (buildSeconds !== null) log(`  built the ${storeLabel(store)}-event store in ${buildSeconds.toFixed(1)} s`);
  const server = await serve(warehouse);
  const [sample] = await warehouse.all(`SELECT cart_id FROM cart_replay WHERE type = 'order.placed' ORDER BY cart_id LIMIT 1`);
  const endpoints = readEndpoints('duckdb', String(sample!.cart_id), (name, params) => () => warehouse.all(namedQuery('duckdb', name), bind(params)), pick);
  const results = await timeEndpoints(server.port, endpoints, runs, `duckdb ${storeLabel(store)}`, log);
  await server.close();
  await warehouse.close();
  return results;
}

/** The DuckDB bench store, built if need be, opened and migrated, its cart model up to date. */
export async function openBenchDuckDb(store: BenchStore, log: (s: string) => void): Promise<{ warehouse: DuckDbWarehouse; buildSeconds: number | null }> {
  const { path, buildSeconds } = await benchDuckDb(store, log);
  const warehouse = await DuckDbWarehouse.open(path);
  await warehouse.migrate();
  const t0 = performance.now();
  await warehouse.refreshReplay(); // after a migration that changed cart_replay, every cart is folded again
  const refreshMs = performance.now() - t0;
  if (refreshMs > 1_000) log(`  folded the carts into cart_replay in ${(refreshMs / 1000).toFixed(1)} s`);
  return { warehouse, buildSeconds };
}

/** carrello's API over `warehouse` on a free local port, as the bench's clients reach it. */
export async function serve(warehouse: Warehouse & NamedWriter): Promise<{ port: number; close: () => Promise<void> }> {
  const pipeline = new IngestPipeline(warehouse);
  const app = createApp({ warehouse, pipeline, log: pino({ level: 'silent' }), collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 }, stopping: () => false });
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await pipeline.close();
    },
  };
}

/** One request as the bench times it: the whole answer read (and returned); anything but 200 is a failed bench. */
export async function request(port: number, url: string, body?: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${url}`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body } : {});
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return res.text();
}

/**
 * Times every endpoint over HTTP (`runs` times after a warm-up): p95, and p50 beside the bare SQL's p50
 * where the endpoint has a named query (ratio = bare / endpoint: 1 means the API adds nothing); an export
 * also its first byte and events/s (export.ts).
 */
export async function timeEndpoints(port: number, endpoints: Endpoint[], runs: number, prefix: string, log: (s: string) => void): Promise<Result[]> {
  const results: Result[] = [];
  for (const [name, url, bare, body] of endpoints) {
    if (url.startsWith('/v1/export/')) {
      results.push(...(await timeExport(port, url, runs, prefix, name, log)));
      continue;
    }
    const api = await timeIt(runs, () => request(port, url, body));
    const p50 = percentile(api, 0.5);
    results.push({ name: `${prefix}: ${name} p95`, value: percentile(api, 0.95), unit: 'ms' });
    let line = `  ${name}: p50 ${Math.round(p50)} ms, p95 ${Math.round(percentile(api, 0.95))} ms`;
    if (bare) {
      const sql50 = percentile(await timeIt(runs, bare), 0.5);
      line += `, bare SQL p50 ${Math.round(sql50)} ms`;
      results.push({ name: `${prefix}: ${name} p50`, value: p50, unit: 'ms', baseline_name: 'bare SQL p50', baseline_value: sql50, ratio: sql50 / p50 });
    } else {
      results.push({ name: `${prefix}: ${name} p50`, value: p50, unit: 'ms' });
    }
    log(line); // as it comes: a long run that fails later keeps what it measured
  }
  return results;
}

export type Endpoint = [string, string, (() => Promise<unknown>) | null, string?];

/**
 * Which endpoints a bench times: the export's range in days back from the bench's end (default 1: a day,
 * ~33,000 events at 1M; 10 days at 1M hold about a day of the 10M store), and the export alone or every
 * endpoint (bench/run.ts --export-days N, --export-only).
 */
export interface EndpointPick {
  exportDays?: number;
  exportOnly?: boolean;
}

/**
 * The read endpoints every engine's bench times, over the bench's 30 days, each with the named query
 * behind it where there is one (`bare` runs it without HTTP).
 */
export function readEndpoints(
  engine: 'duckdb' | 'clickhouse',
  cart: string,
  bare: (name: string, params: Record<string, string | number>) => () => Promise<unknown>,
  { exportDays = 1, exportOnly = false }: EndpointPick = {},
): Endpoint[] {
  const asOf = new Date(BENCH_END).toISOString();
  const range = `from=${new Date(BENCH_END - BENCH_DAYS * DAY).toISOString()}&to=${asOf}&as_of=${asOf}`;
  const params = { as_of_ms: BENCH_END, abandon_ms: DAY, from_ms: BENCH_END - BENCH_DAYS * DAY, to_ms: BENCH_END };
  const from = new Date(BENCH_END - BENCH_DAYS * DAY).toISOString();
  const funnelBody = JSON.stringify({
    steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }],
    from,
    to: asOf,
    as_of: asOf,
  });
  const state = engine === 'duckdb' ? `cart_state_asof(${BENCH_END}, 86400000)` : `cart_state_asof(as_of_ms = ${BENCH_END}, abandon_ms = 86400000)`;
  const sqlBody = JSON.stringify({
    query: `SELECT channel, count(*) AS carts, sum(value_minor) AS value FROM ${state} WHERE status = 'abandoned' GROUP BY channel ORDER BY channel`,
  });
  const days = exportDays === 1 ? '1 day' : `${exportDays} days`;
  const exportRow: Endpoint = [
    `export ${days} as NDJSON`,
    `/v1/export/events?from=${new Date(BENCH_END - exportDays * DAY).toISOString()}&to=${asOf}&format=ndjson`,
    null,
  ];
  if (exportOnly) return [exportRow];
  return [
    ['abandonment', `/v1/funnels/abandonment?${range}`, bare('abandonment', { ...params, breakdown: 'none', tz: 'UTC' })],
    ['abandonment by day', `/v1/funnels/abandonment?${range}&breakdown=day`, bare('abandonment', { ...params, breakdown: 'day', tz: 'UTC' })],
    ['removal by product', `/v1/funnels/removal?${range}`, bare('removal', { ...params, group: 'product', breakdown: 'none', item: '', tz: 'UTC' })],
    ['quantity by category', `/v1/funnels/quantity?${range}&group=category`, bare('quantity', { ...params, group: 'category' })],
    ['cart as of', `/v1/carts/${cart}?as_of=${asOf}`, null],
    ['cart timeline', `/v1/carts/${cart}/events?as_of=${asOf}`, null],
    ['audience', `/v1/audiences/abandoned-carts?as_of=${asOf}&limit=1000`, null],
    ['custom funnel (POST /v1/funnels)', '/v1/funnels', null, funnelBody],
    ['SQL: abandoned carts by channel', '/v1/sql', null, sqlBody],
    exportRow,
  ];
}

function bind(p: Record<string, string | number>) {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v]));
}
