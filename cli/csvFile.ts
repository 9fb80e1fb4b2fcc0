import { DuckDBInstance } from '@duckdb/node-api';
import { describeStore, type StoreConfig } from '../sql/open.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { openExistingWarehouse } from './existingStore.ts';

/**
 * A CSV file of reference data (`carrello products load`, `carrello rates load`) as text cells by column.
 * Parsed by DuckDB's CSV reader (already carrello's engine; in memory, apart from the store) with the
 * dialect fixed: comma, double quotes escaped by doubling, a header row; strict, so a broken quote or a row
 * of the wrong width is refused, not guessed. A column outside `known` refuses the file, naming it.
 */
export async function readCsv(file: string, known: ReadonlySet<string>): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  let rows: Record<string, unknown>[];
  let columns: string[];
  try {
    const conn = await instance.connect();
    const result = await conn.runAndReadAll(
      `SELECT * FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', strict_mode = true, null_padding = false)`,
      { path: file },
    );
    rows = result.getRowObjectsJS();
    columns = result.columnNames();
  } catch (err) {
    throw new CarrelloError('command_failed', `cannot read ${file} as CSV: ${(err as Error).message.split('\n')[0]}`);
  } finally {
    instance.closeSync();
  }
  const unknown = columns.filter((c) => !known.has(c));
  if (unknown.length > 0) throw new CarrelloError('command_failed', `${file}: unknown column(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  return rows;
}

/**
 * The store a load writes to, migrated. A DuckDB file held by `carrello start` is refused with the route
 * that takes the same rows while it runs (`put`, e.g. "PUT /v1/products").
 */
export async function openStoreToLoad(store: StoreConfig, put: string, what: string): Promise<Warehouse & NamedWriter> {
  const warehouse = await openExistingWarehouse(store).catch((err: unknown) => {
    if (store.kind === 'duckdb' && /lock/i.test((err as Error).message)) {
      throw new CarrelloError('store_locked', `the store at ${describeStore(store)} is in use by another process; while carrello start runs, send the ${what} to it: ${put} (data or admin key)`);
    }
    throw err;
  });
  await warehouse.migrate();
  return warehouse;
}
