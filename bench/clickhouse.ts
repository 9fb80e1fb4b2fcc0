import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ClickHouseWarehouse } from '../sql/clickhouse/adapter.ts';
import { keptVariant } from '../sql/clickhouse/keptModel.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { query as namedQuery } from '../sql/loader.ts';
import { BuildProfile } from './buildProfile.ts';
import { benchDuckDb, CACHE, storeKey, storeLabel, storeOf, type BenchStore } from './dataset.ts';
import { readEndpoints, serve, timeEndpoints, type EndpointPick } from './queries.ts';
import type { Result } from './stats.ts';

// chdb binds one data directory per process: one per store, so that stores can be benched side by side
// (the history bench keeps its pair of stores in one directory of its own, history.ts).
export const chdbDir = (store: BenchStore) => join(CACHE, `chdb-${storeKey(store)}`);

/**
 * A ClickHouse database (chdb, in-process, in `dir`) holding the same events as the DuckDB bench store,
 * built once and kept: the DuckDB store exports every event as one Parquet file through carrello's own
 * export (GET /v1/export/events?format=parquet's code path), ClickHouse inserts it in one
 * INSERT … SELECT FROM file(), merges, and builds the read models (cart_folds, cart_line_folds) by the
 * warehouse's own rebuildReadModels(). Both engines hold exactly the same events; the log profiles each
 * step's share of the build.
 */
export async function benchClickHouse(
  store: BenchStore,
  dir: string,
  log: (s: string) => void,
): Promise<{ warehouse: ClickHouseWarehouse; buildSeconds: number | null }> {
  mkdirSync(dir, { recursive: true });
  const warehouse = await ClickHouseWarehouse.open({ kind: 'chdb', path: dir, database: storeKey(store).replaceAll('-', '_') });
  await warehouse.migrate();
  const built = await warehouse.rows(`SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = 'bench_built'`);
  if (built.length > 0) return { warehouse, buildSeconds: null };
  const t0 = performance.now();
  const steps = new BuildProfile(log);
  const file = join(CACHE, `${storeKey(store)}.parquet`);
  await steps.time(`export the ${storeLabel(store)} DuckDB store as Parquet`, () => exportAll(store, file, log));
  await warehouse.client.command({ query: 'TRUNCATE TABLE events' });
  // The export's columns are carrello's columns in the table's order; event_id travels as text.
  await steps.time('INSERT … SELECT FROM file()', () =>
    warehouse.client.command({
      query: `INSERT INTO events SELECT * REPLACE (toUUID(event_id) AS event_id) FROM file('${file}', Parquet)`,
      clickhouse_settings: { insert_deduplicate: 0, insert_deduplication_token: '' },
    }),
  );
  // Merged parts, as a store that has been running a while has them.
  await steps.time('OPTIMIZE TABLE events FINAL', () => warehouse.client.command({ query: 'OPTIMIZE TABLE events FINAL' }));
  // The read models by the code that maintains them, whatever they are: cart_folds, cart_line_folds and
  // customer_orders.
  const models = await steps.time('rebuildReadModels()', () => warehouse.rebuildReadModels());
  log(`  ${models.carts.toLocaleString('en')} carts, ${models.lines.toLocaleString('en')} lines`);
  // Merged too, as events above: the rebuild's insert leaves several parts per partition, whose background
  // merge otherwise runs while the first endpoints are timed (each read's FINAL then merges them itself).
  await steps.time('OPTIMIZE TABLE … FINAL (read models)', async () => {
    for (const table of ['cart_folds', 'cart_line_folds', 'customer_orders']) await warehouse.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  });
  steps.report();
  rmSync(file, { force: true });
  await warehouse.client.command({ query: 'CREATE TABLE bench_built (at DateTime) ENGINE = Log' });
  return { warehouse, buildSeconds: (performance.now() - t0) / 1000 };
}

/** Every event of the DuckDB bench store, one Parquet file, through the warehouse's export. */
async function exportAll(store: BenchStore, file: string, log: (s: string) => void): Promise<void> {
  const { path } = await benchDuckDb(store, log);
  const duck = await DuckDbWarehouse.open(path);
  try {
    // Every time the contract accepts (1900–2299): the simulation's last carts run past its end.
    const range = { fromMs: Date.parse('1900-01-01T00:00:00Z'), toMs: Date.parse('2300-01-01T00:00:00Z') };
    const out = await duck.exportEvents(range, 'parquet', { maxRows: Number.MAX_SAFE_INTEGER });
    await pipeline(out.stream, createWriteStream(file));
  } finally {
    await duck.close();
  }
}

/** Every read endpoint over HTTP at `events` simulated events on ClickHouse (chdb): p50/p95, and the bare SQL beside it. */
export async function benchClickHouseQueries(events: number | BenchStore, runs: number, log: (s: string) => void, pick: EndpointPick = {}): Promise<Result[]> {
  const store = typeof events === 'number' ? storeOf(events) : events;
  const { warehouse, buildSeconds } = await benchClickHouse(store, chdbDir(store), log);
  if (buildSeconds !== null) log(`  built the ${storeLabel(store)}-event ClickHouse store in ${buildSeconds.toFixed(1)} s`);
  const server = await serve(warehouse);
  const [sample] = await warehouse.rows(`SELECT cart_id FROM events WHERE type = 'order.placed' ORDER BY cart_id LIMIT 1`);
  // The bare SQL is what the API runs as of the bench's end, after every event: the `_kept` twins.
  const bare = (name: string) => keptVariant(namedQuery('clickhouse', name)) ?? namedQuery('clickhouse', name);
  const endpoints = readEndpoints('clickhouse', String(sample!.cart_id), (name, params) => () => warehouse.rows(bare(name), params), pick);
  const results = await timeEndpoints(server.port, endpoints, runs, `clickhouse (chdb) ${storeLabel(store)}`, log);
  await server.close();
  await warehouse.close();
  return results;
}
