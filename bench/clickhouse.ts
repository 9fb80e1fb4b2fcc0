import type { Server } from 'node:http';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pino } from 'pino';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { ClickHouseWarehouse } from '../sql/clickhouse/adapter.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { query as namedQuery } from '../sql/loader.ts';
import { BENCH_DAYS, BENCH_END, benchDuckDb, CACHE } from './dataset.ts';
import { label, readEndpoints, timeEndpoints } from './queries.ts';
import type { Result } from './stats.ts';

const DAY = 86_400_000;
// chdb binds one data directory per process: one per size, so that sizes can be benched side by side.
export const chdbDir = (events: number) => join(CACHE, `chdb-${events}`);

/**
 * A ClickHouse database (chdb, in-process) holding the same events as the DuckDB bench store of that
 * size, built once and kept under .cache/bench/chdb: the DuckDB store exports its events day by day as
 * Parquet through carrello's own export (GET /v1/export/events?format=parquet), ClickHouse inserts the
 * files, merges them, and folds every cart into cart_folds (as carrello's start does for a store without
 * folds). Much faster than a second ingest, and both engines hold exactly the same rows.
 */
export async function benchClickHouse(events: number, log: (s: string) => void): Promise<{ warehouse: ClickHouseWarehouse; buildSeconds: number | null }> {
  mkdirSync(chdbDir(events), { recursive: true });
  const warehouse = await ClickHouseWarehouse.open({ kind: 'chdb', path: chdbDir(events), database: `sim_${events}` });
  await warehouse.migrate();
  const built = await warehouse.rows(`SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = 'bench_built'`);
  if (built.length > 0) return { warehouse, buildSeconds: null };
  const t0 = performance.now();
  const dir = join(CACHE, `parquet-${events}`);
  await exportDays(events, dir, log);
  log(`  exported ${BENCH_DAYS + 1} days as Parquet in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await warehouse.client.command({ query: 'TRUNCATE TABLE events' });
  await warehouse.client.command({ query: 'TRUNCATE TABLE cart_folds' });
  const t1 = performance.now();
  // The export's columns are carrello's columns in the table's order; event_id travels as text.
  await warehouse.client.command({
    query: `INSERT INTO events SELECT * REPLACE (toUUID(event_id) AS event_id) FROM file('${dir}/day-*.parquet', Parquet)`,
    clickhouse_settings: { insert_deduplicate: 0, insert_deduplication_token: '' },
  });
  // Merged parts, as a store that has been running a while has them.
  await warehouse.client.command({ query: 'OPTIMIZE TABLE events FINAL' });
  log(`  inserted and merged in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const t2 = performance.now();
  await warehouse.migrate(); // folds every cart: none has a fold yet
  log(`  folded every cart into cart_folds in ${((performance.now() - t2) / 1000).toFixed(1)} s`);
  rmSync(dir, { recursive: true, force: true });
  await warehouse.client.command({ query: 'CREATE TABLE bench_built (at DateTime) ENGINE = Log' });
  return { warehouse, buildSeconds: (performance.now() - t0) / 1000 };
}

/** The DuckDB bench store's events, one Parquet file per day, through the warehouse's export. */
async function exportDays(events: number, dir: string, log: (s: string) => void): Promise<void> {
  const { path } = await benchDuckDb(events, log);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const duck = await DuckDbWarehouse.open(path);
  try {
    const start = BENCH_END - BENCH_DAYS * DAY;
    // One more day: the simulation's last carts run past BENCH_END.
    for (let d = 0; d <= BENCH_DAYS; d++) {
      const range = { fromMs: d === 0 ? 0 : start + d * DAY, toMs: d === BENCH_DAYS ? BENCH_END + BENCH_DAYS * DAY : start + (d + 1) * DAY };
      const out = await duck.exportEvents(range, 'parquet', { maxRows: Number.MAX_SAFE_INTEGER });
      await pipeline(out.stream, createWriteStream(join(dir, `day-${String(d).padStart(2, '0')}.parquet`)));
    }
  } finally {
    await duck.close();
  }
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
  const endpoints = readEndpoints('clickhouse', String(sample!.cart_id), (name, params) => () => warehouse.rows(namedQuery('clickhouse', name), params));
  const results = await timeEndpoints(port, endpoints, runs, `clickhouse (chdb) ${label(events)}`, log);
  await new Promise<void>((r) => server.close(() => r()));
  await pipeline.close();
  await warehouse.close();
  return results;
}
