import type { Server } from 'node:http';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { query as namedQuery } from '../sql/loader.ts';
import { BENCH_DAYS, BENCH_END, benchDuckDb } from './dataset.ts';
import { percentile, timeIt, type Result } from './stats.ts';

const DAY = 86_400_000;

/** Every read endpoint over HTTP at `events` simulated events on DuckDB: p50/p95, and the bare SQL beside it. */
export async function benchQueries(events: number, runs: number, log: (s: string) => void): Promise<Result[]> {
  const { path, buildSeconds } = await benchDuckDb(events, log);
  if (buildSeconds !== null) log(`  built the ${events.toLocaleString('en')}-event store in ${buildSeconds.toFixed(1)} s`);
  const warehouse = await DuckDbWarehouse.open(path);
  await warehouse.migrate();
  const pipeline = new IngestPipeline(warehouse);
  const app = createApp({ warehouse, pipeline, log: pino({ level: 'silent' }), collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 }, stopping: () => false });
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const port = (server.address() as { port: number }).port;
  const [sample] = await warehouse.all(`SELECT cart_id FROM cart_replay WHERE type = 'order.placed' ORDER BY cart_id LIMIT 1`);
  const endpoints = readEndpoints(String(sample!.cart_id), (name, params) => () => warehouse.all(namedQuery('duckdb', name), bind(params)));
  const results: Result[] = [];
  for (const [name, url, bare, body] of endpoints) {
    const api = await timeIt(runs, async () => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body } : {});
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    });
    const p50 = percentile(api, 0.5);
    results.push({ name: `duckdb ${events / 1e6}M: ${name} p95`, value: percentile(api, 0.95), unit: 'ms' });
    if (bare) {
      const sql = await timeIt(runs, bare);
      const sql50 = percentile(sql, 0.5);
      results.push({ name: `duckdb ${events / 1e6}M: ${name} p50`, value: p50, unit: 'ms', baseline_name: 'bare SQL p50', baseline_value: sql50, ratio: sql50 / p50 });
    } else {
      results.push({ name: `duckdb ${events / 1e6}M: ${name} p50`, value: p50, unit: 'ms' });
    }
  }
  await new Promise<void>((r) => server.close(() => r()));
  await warehouse.close();
  return results;
}

/**
 * The read endpoints every engine's bench times, over the bench's 30 days, each with the named query
 * behind it where there is one (`bare` runs it without HTTP).
 */
export function readEndpoints(
  cart: string,
  bare: (name: string, params: Record<string, string | number>) => () => Promise<unknown>,
): [string, string, (() => Promise<unknown>) | null, string?][] {
  const asOf = new Date(BENCH_END).toISOString();
  const range = `from=${new Date(BENCH_END - BENCH_DAYS * DAY).toISOString()}&to=${asOf}&as_of=${asOf}`;
  const params = { as_of_ms: BENCH_END, abandon_ms: DAY, from_ms: BENCH_END - BENCH_DAYS * DAY, to_ms: BENCH_END };
  const from = new Date(BENCH_END - BENCH_DAYS * DAY).toISOString();
  const funnelBody = JSON.stringify({ steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }], from, to: asOf, as_of: asOf });
  const sqlBody = JSON.stringify({ query: `SELECT channel, count(*) AS carts, sum(value_minor) AS value FROM cart_state_asof(${BENCH_END}, 86400000) WHERE status = 'abandoned' GROUP BY channel ORDER BY channel` });
  return [
    ['abandonment', `/v1/funnels/abandonment?${range}`, bare('abandonment', { ...params, breakdown: 'none' })],
    ['abandonment by day', `/v1/funnels/abandonment?${range}&breakdown=day`, bare('abandonment', { ...params, breakdown: 'day' })],
    ['removal by product', `/v1/funnels/removal?${range}`, bare('removal', { ...params, group: 'product', breakdown: 'none', item: '' })],
    ['quantity by category', `/v1/funnels/quantity?${range}&group=category`, bare('quantity', { ...params, group: 'category' })],
    ['cart as of', `/v1/carts/${cart}?as_of=${asOf}`, null],
    ['cart timeline', `/v1/carts/${cart}/events?as_of=${asOf}`, null],
    ['audience', `/v1/audiences/abandoned-carts?as_of=${asOf}&limit=1000`, null],
    ['custom funnel (POST /v1/funnels)', '/v1/funnels', null, funnelBody],
    ['SQL: abandoned carts by channel', '/v1/sql', null, sqlBody],
    ['export 1 day as NDJSON', `/v1/export/events?from=${new Date(BENCH_END - DAY).toISOString()}&to=${asOf}&format=ndjson`, null],
  ];
}

function bind(p: Record<string, string | number>) {
  return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v]));
}
