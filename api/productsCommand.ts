import { existsSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { MAX_PRODUCTS, Product, upsertProducts } from '../ingest/products.ts';
import { describeStore } from '../sql/open.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { parseConfig } from './config.ts';
import { openExistingWarehouse } from './existingStore.ts';
import { str, type CommandValues } from './commandValues.ts';


/** The columns a catalogue CSV may have (Product's fields). */
const COLUMNS: ReadonlySet<string> = new Set(Object.keys(Product.shape));

/**
 * `carrello products load FILE.csv [--store ...]`: upserts the file's products into the catalogue
 * (docs/metrics.md, "Product names"), as PUT /v1/products does. Every row is validated before any is
 * stored: one invalid row refuses the file (exit 1, naming its row and field). Prints the counts. A DuckDB
 * file must not be open in another process (while carrello start runs, PUT /v1/products instead).
 */
export async function productsCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const file = str(values, 'file')!;
  if (!existsSync(file)) throw new CarrelloError('command_failed', `no file at ${file}`);
  const products = await readProductsCsv(file);
  const config = parseConfig({ store: str(values, 'store') }, env);
  const warehouse = await openExistingWarehouse(config.store).catch((err: unknown) => {
    if (config.store.kind === 'duckdb' && /lock/i.test((err as Error).message)) {
      throw new CarrelloError('store_locked', `the store at ${describeStore(config.store)} is in use by another process; while carrello start runs, send the products to it: PUT /v1/products (data or admin key)`);
    }
    throw err;
  });
  try {
    await warehouse.migrate();
    const now = Date.now();
    let received = 0;
    let stored = 0;
    // In requests of at most MAX_PRODUCTS, as the API takes them; loading the file again changes nothing.
    for (let i = 0; i < products.length; i += MAX_PRODUCTS) {
      const r = await upsertProducts(warehouse, products.slice(i, i + MAX_PRODUCTS), now);
      received += r.received;
      stored += r.products;
    }
    process.stdout.write(`${JSON.stringify({ received, products: stored })}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}

/**
 * The file's rows as products, every one validated. Parsed by DuckDB's CSV reader (already carrello's
 * engine; in memory, apart from the store) with the dialect fixed: comma, double quotes escaped by
 * doubling, a header row; strict, so a broken quote or a row of the wrong width is refused, not guessed.
 */
export async function readProductsCsv(file: string): Promise<Product[]> {
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
  const unknown = columns.filter((c) => !COLUMNS.has(c));
  if (unknown.length > 0) throw new CarrelloError('command_failed', `${file}: unknown column(s) ${unknown.join(', ')} (known: ${[...COLUMNS].join(', ')})`);
  if (rows.length === 0) throw new CarrelloError('command_failed', `${file} holds no product rows (a header row, then one product per row)`);
  return rows.map((row, i) => {
    // An empty cell is an absent field; a price is an integer in minor units, refused by name otherwise.
    const fields = Object.fromEntries(
      Object.entries(row)
        .filter(([, v]) => v !== null && v !== '')
        .map(([k, v]) => [k, k === 'price_minor' && /^\d{1,16}$/.test(String(v)) ? Number(v) : v]),
    );
    const parsed = Product.safeParse(fields);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new CarrelloError('command_failed', `${file} row ${i + 1} (after the header), ${issue.path.map(String).join('.') || 'row'}: ${issue.message}; nothing was loaded`);
  });
}

