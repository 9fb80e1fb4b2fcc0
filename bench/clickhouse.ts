import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';
import { ClickHouseWarehouse } from '../sql/clickhouse/adapter.ts';
import { query as namedQuery } from '../sql/loader.ts';
import { BENCH_DAYS, BENCH_END } from './dataset.ts';
import { readEndpoints } from './queries.ts';
import { percentile, timeIt, type Result } from './stats.ts';

// chdb binds one data directory per process: every size lives in it, a database each.
export const CHDB = join(process.cwd(), '.cache', 'bench', 'chdb');

/**
 * A ClickHouse database (chdb, in-process) holding the same simulated events as the DuckDB bench store
 * (same seed), built once through the real ingest pipeline and kept under .cache/bench/chdb.
 */
async function benchClickHouse(events: number, log: (s: string) => void): Promise<{ warehouse: ClickHouseWarehouse; buildSeconds: number | null }> {
  mkdirSync(CHDB, { recursive: true });
  const warehouse = await ClickHouseWarehouse.open({ kind: 'chdb', path: CHDB, database: `sim_${events}` });
  await warehouse.migrate();
  const built = await warehouse.rows(`SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = 'bench_built'`);
  if (built.length > 0) return { warehouse, buildSeconds: null };
  const t0 = performance.now();
  await warehouse.client.command({ query: 'TRUNCATE TABLE events' });
  const pipeline = new IngestPipeline(warehouse);
  const start = BENCH_END - BENCH_DAYS * 86_400_000;
  const sim = new Simulation(start, { ...DEFAULT_SIMULATION, seed: `bench-${events}`, cartsPerDay: events / MEAN_EVENTS_PER_CART / BENCH_DAYS });
  let batch: Parameters<IngestPipeline['ingest']>[0][number][] = [];
  let n = 0;
  for (const m of sim.until(BENCH_END)) {
    const text = JSON.stringify(m.body);
    batch.push({ raw: Buffer.from(text), parsed: { json: m.body, text }, source: 'bench', sourceRef: null, receivedAtMs: m.at });
    if (batch.length === 5_000) {
      await pipeline.ingest(batch);
      batch = [];
      n += 5_000;
      if (n % 200_000 === 0) log(`  built ${n.toLocaleString('en')} events`);
    }
  }
  await pipeline.ingest(batch);
  await pipeline.close();
  // Merged parts, as a store that has been running a while has them.
  await warehouse.client.command({ query: 'OPTIMIZE TABLE events FINAL' });
  await warehouse.client.command({ query: 'CREATE TABLE bench_built (at DateTime) ENGINE = Log' });
  return { warehouse, buildSeconds: (performance.now() - t0) / 1000 };
}

/** Every read endpoint over HTTP at `events` simulated events on ClickHouse (chdb): p50/p95, and the bare SQL beside it. */
export async function benchClickHouseQueries(events: number, runs: number, log: (s: string) => void): Promise<Result[]> {
  const { warehouse, buildSeconds } = await benchClickHouse(events, log);
  if (buildSeconds !== null) log(`  built the ${events.toLocaleString('en')}-event ClickHouse store in ${buildSeconds.toFixed(1)} s`);
  const pipeline = new IngestPipeline(warehouse);
  const app = createApp({ warehouse, pipeline, log: pino({ level: 'silent' }), collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 }, stopping: () => false });
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  const port = (server.address() as { port: number }).port;
  const [sample] = await warehouse.rows(`SELECT cart_id FROM events WHERE type = 'order.placed' ORDER BY cart_id LIMIT 1`);
  const endpoints = readEndpoints(String(sample!.cart_id), (name, params) => () => warehouse.rows(namedQuery('clickhouse', name), params));
  const label = `clickhouse (chdb) ${events / 1e6}M`;
  const results: Result[] = [];
  for (const [name, url, bare] of endpoints) {
    const api = await timeIt(runs, async () => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`);
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    });
    const p50 = percentile(api, 0.5);
    results.push({ name: `${label}: ${name} p95`, value: percentile(api, 0.95), unit: 'ms' });
    if (bare) {
      const sql50 = percentile(await timeIt(runs, bare), 0.5);
      results.push({ name: `${label}: ${name} p50`, value: p50, unit: 'ms', baseline_name: 'bare SQL p50', baseline_value: sql50, ratio: sql50 / p50 });
    } else {
      results.push({ name: `${label}: ${name} p50`, value: p50, unit: 'ms' });
    }
  }
  await new Promise<void>((r) => server.close(() => r()));
  await pipeline.close();
  await warehouse.close();
  return results;
}
