import { resolve } from 'node:path';
import { ClickHouseWarehouse } from './clickhouse/adapter.ts';
import { describeTarget, parseClickHouseUrl, type ClickHouseTarget } from './clickhouse/client.ts';
import { DuckDbWarehouse } from './duckdb/adapter.ts';
import type { DerivedRetractor, NamedWriter, Warehouse } from './warehouse.ts';

/** Where events are stored: a DuckDB file, or ClickHouse (a server, or chdb in-process). */
export type StoreConfig = { kind: 'duckdb'; path: string } | { kind: 'clickhouse'; target: ClickHouseTarget };

export const STORE_FORMS = 'duckdb:PATH, clickhouse://user:pass@host:8123/db (clickhouses:// for TLS) or chdb:PATH';

/**
 * Parses a store: `duckdb:PATH`, `clickhouse://user:pass@host:8123/db`, `clickhouses://…`, an http(s)://
 * ClickHouse URL (the form CLICKHOUSE_URL usually takes), or `chdb:PATH` (ClickHouse in-process on a data
 * directory, database `default`). Throws with a message naming the accepted forms.
 */
export function parseStore(s: string): StoreConfig {
  const duck = /^duckdb:(.+)$/.exec(s);
  if (duck) return { kind: 'duckdb', path: duck[1] === ':memory:' ? ':memory:' : resolve(duck[1]!) };
  const chdb = /^chdb:(.+)$/.exec(s);
  if (chdb) return { kind: 'clickhouse', target: { kind: 'chdb', path: chdb[1] === ':memory:' ? ':memory:' : resolve(chdb[1]!), database: 'default' } };
  if (/^(clickhouses?|https?):\/\//.test(s)) return { kind: 'clickhouse', target: parseClickHouseUrl(s) };
  throw new Error(`unsupported store ${JSON.stringify(s)}; use ${STORE_FORMS}`);
}

/** The store for logs: never the password. */
export function describeStore(store: StoreConfig): string {
  return store.kind === 'duckdb' ? `duckdb:${store.path}` : describeTarget(store.target);
}

/** Opens the configured warehouse (not yet migrated). */
export async function openWarehouse(store: StoreConfig): Promise<Warehouse & NamedWriter & DerivedRetractor> {
  return store.kind === 'duckdb' ? DuckDbWarehouse.open(store.path) : ClickHouseWarehouse.open(store.target);
}
