import { existsSync } from 'node:fs';
import { ExchangeRate, MAX_RATES, upsertRates } from '../ingest/exchangeRates.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { parseConfig } from './config.ts';
import { openStoreToLoad, readCsv } from './csvFile.ts';
import { str, type CommandValues } from './commandValues.ts';

/** The columns a rates CSV has (ExchangeRate's fields). */
const COLUMNS: ReadonlySet<string> = new Set(['date', 'base', 'quote', 'rate']);

/**
 * `carrello rates load FILE.csv [--store ...]`: upserts the file's daily exchange rates (docs/metrics.md,
 * "Reporting currency"), as PUT /v1/exchange-rates does. Every row is validated before any is stored: one
 * invalid row refuses the file (exit 1, naming its row and field). Prints the counts. A DuckDB file must not
 * be open in another process (while carrello start runs, PUT /v1/exchange-rates instead).
 */
export async function ratesCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const file = str(values, 'file')!;
  if (!existsSync(file)) throw new CarrelloError('command_failed', `no file at ${file}`);
  const rates = await readRatesCsv(file);
  const config = parseConfig({ store: str(values, 'store') }, env);
  const warehouse = await openStoreToLoad(config.store, 'PUT /v1/exchange-rates', 'rates');
  try {
    const now = Date.now();
    let received = 0;
    let stored = 0;
    // In requests of at most MAX_RATES, as the API takes them; loading the file again changes nothing.
    for (let i = 0; i < rates.length; i += MAX_RATES) {
      const r = await upsertRates(warehouse, rates.slice(i, i + MAX_RATES), now);
      received += r.received;
      stored += r.rates;
    }
    process.stdout.write(`${JSON.stringify({ received, rates: stored })}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}

/** The file's rows as rates, every one validated (the CSV dialect: cli/csvFile.ts); the rate stays decimal text. */
export async function readRatesCsv(file: string): Promise<ExchangeRate[]> {
  const rows = await readCsv(file, COLUMNS);
  if (rows.length === 0) throw new CarrelloError('command_failed', `${file} holds no rates (a header row date,base,quote,rate, then one rate per row)`);
  return rows.map((row, i) => {
    const parsed = ExchangeRate.safeParse(Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== '')));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    throw new CarrelloError('command_failed', `${file} row ${i + 1} (after the header), ${issue.path.map(String).join('.') || 'row'}: ${issue.message}; nothing was loaded`);
  });
}
