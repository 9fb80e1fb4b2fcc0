import { existsSync } from 'node:fs';
import { describeStore, openWarehouse, type StoreConfig } from '../sql/open.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { networkCause } from './commandErrors.ts';

/**
 * Opens a store that must already exist: every command but `start` and `ingest` works on one (a typo in
 * --store must not create an empty store and report that nothing was there). A DuckDB file or chdb folder
 * must exist; a ClickHouse server must answer and hold carrello's tables.
 */
export async function openExistingWarehouse(store: StoreConfig): Promise<Warehouse & NamedWriter> {
  const path = store.kind === 'duckdb' ? store.path : store.target.kind === 'chdb' ? store.target.path : null;
  if (path !== null && path !== ':memory:' && !existsSync(path)) {
    throw new CarrelloError('store_not_found', `no store at ${describeStore(store)}: ${path} does not exist (carrello start or ingest creates one)`);
  }
  const warehouse = await openWarehouse(store);
  if (path === null) {
    try {
      await warehouse.stats();
    } catch (err) {
      await warehouse.close().catch(() => undefined);
      throw new CarrelloError('store_not_found', `no carrello store at ${describeStore(store)}: ${networkCause(err)}`);
    }
  }
  return warehouse;
}
