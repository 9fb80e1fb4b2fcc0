import { MAX_PRODUCTS, Product, upsertProducts } from '../ingest/products.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { loadCsvFile, readCsv, validRows } from './csvFile.ts';
import type { CommandValues } from './commandValues.ts';

/** The columns a catalogue CSV may have (Product's fields). */
const COLUMNS: ReadonlySet<string> = new Set(Object.keys(Product.shape));

/**
 * `carrello products load FILE.csv [--store ...]`: upserts the file's products into the catalogue
 * (docs/metrics.md, "Product names"), as PUT /v1/products does. Every row is validated before any is
 * stored: one invalid row refuses the file (exit 1, naming its row and field). Prints the counts. A DuckDB
 * file must not be open in another process (while carrello start runs, PUT /v1/products instead).
 */
export function productsCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  return loadCsvFile(values, env, {
    what: 'products',
    put: 'PUT /v1/products',
    read: readProductsCsv,
    batch: MAX_PRODUCTS,
    upsert: async (w, rows, now) => {
      const r = await upsertProducts(w, rows, now);
      return { received: r.received, stored: r.products };
    },
  });
}

/** The file's rows as products, every one validated (the CSV dialect: cli/csvFile.ts). */
export async function readProductsCsv(file: string): Promise<Product[]> {
  const rows = await readCsv(file, COLUMNS);
  if (rows.length === 0) throw new CarrelloError('command_failed', `${file} holds no product rows (a header row, then one product per row)`);
  // A price is an integer in minor units, refused by name otherwise.
  return validRows(file, rows, Product, (k, v) => (k === 'price_minor' && /^\d{1,16}$/.test(String(v)) ? Number(v) : v));
}
