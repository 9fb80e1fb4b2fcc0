import { existsSync } from 'node:fs';
import { MAX_PRODUCTS, Product, upsertProducts } from '../ingest/products.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { parseConfig } from './config.ts';
import { openStoreToLoad, readCsv } from './csvFile.ts';
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
  const warehouse = await openStoreToLoad(config.store, 'PUT /v1/products', 'products');
  try {
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

/** The file's rows as products, every one validated (the CSV dialect: cli/csvFile.ts). */
export async function readProductsCsv(file: string): Promise<Product[]> {
  const rows = await readCsv(file, COLUMNS);
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

