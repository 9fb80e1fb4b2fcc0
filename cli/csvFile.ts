import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { describeStore, type StoreConfig } from '../sql/open.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { str, type CommandValues } from './commandValues.ts';
import { parseConfig } from './config.ts';
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
      throw new CarrelloError(
        'store_locked',
        `the store at ${describeStore(store)} is in use by another process; while carrello start runs, send the ${what} to it: ${put} (data or admin key)`,
      );
    }
    throw err;
  });
  await warehouse.migrate();
  return warehouse;
}

/**
 * A file's rows, every one validated by `schema` after `prepare` (empty cells are absent fields): the first
 * invalid row refuses the whole file, naming its row and field; nothing is loaded then.
 */
export function validRows<S extends z.ZodType>(
  file: string,
  rows: Record<string, unknown>[],
  schema: S,
  prepare: (k: string, v: unknown) => unknown = (_k, v) => v,
): z.output<S>[] {
  return rows.map((row, i) => {
    const fields = Object.fromEntries(
      Object.entries(row)
        .filter(([, v]) => v !== null && v !== '')
        .map(([k, v]) => [k, prepare(k, v)]),
    );
    const parsed = schema.safeParse(fields);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new CarrelloError(
      'command_failed',
      `${file} row ${i + 1} (after the header), ${issue.path.map(String).join('.') || 'row'}: ${issue.message}; nothing was loaded`,
    );
  });
}

/** A reference-data load from a CSV file: `carrello products load`, `carrello rates load`. */
export interface CsvLoad<T> {
  /** What the rows are, in messages and as the printed count's name ("products", "rates"). */
  what: string;
  /** The request that takes the same rows while carrello start holds the store ("PUT /v1/products"). */
  put: string;
  /** The file's rows, every one validated. */
  read: (file: string) => Promise<T[]>;
  /** The most rows one write takes: as many as one request to `put`. */
  batch: number;
  /** Upserts some rows: how many were received, how many distinct ones stored. */
  upsert: (warehouse: Warehouse & NamedWriter, rows: T[], nowMs: number) => Promise<{ received: number; stored: number }>;
}

/**
 * Runs a load: the file read and validated whole, then written in batches as the API takes them (loading the
 * file again changes nothing), the counts printed as JSON. Exit 0; errors are thrown (exit 1).
 */
export async function loadCsvFile<T>(values: CommandValues, env: NodeJS.ProcessEnv, load: CsvLoad<T>): Promise<number> {
  const file = str(values, 'file')!;
  if (!existsSync(file)) throw new CarrelloError('command_failed', `no file at ${file}`);
  const rows = await load.read(file);
  const config = parseConfig({ store: str(values, 'store') }, env);
  const warehouse = await openStoreToLoad(config.store, load.put, load.what);
  try {
    const now = Date.now();
    let received = 0;
    let stored = 0;
    for (let i = 0; i < rows.length; i += load.batch) {
      const r = await load.upsert(warehouse, rows.slice(i, i + load.batch), now);
      received += r.received;
      stored += r.stored;
    }
    process.stdout.write(`${JSON.stringify({ received, [load.what]: stored })}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}
