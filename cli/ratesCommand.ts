import { ExchangeRate, MAX_RATES, upsertRates } from '../ingest/exchangeRates.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { loadCsvFile, readCsv, validRows } from './csvFile.ts';
import type { CommandValues } from './commandValues.ts';

/** The columns a rates CSV has (ExchangeRate's fields). */
const COLUMNS: ReadonlySet<string> = new Set(['date', 'base', 'quote', 'rate']);

/**
 * `carrello rates load FILE.csv [--store ...]`: upserts the file's daily exchange rates (docs/metrics.md,
 * "Reporting currency"), as PUT /v1/exchange-rates does. Every row is validated before any is stored: one
 * invalid row refuses the file (exit 1, naming its row and field). Prints the counts. A DuckDB file must not
 * be open in another process (while carrello start runs, PUT /v1/exchange-rates instead).
 */
export function ratesCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  return loadCsvFile(values, env, {
    what: 'rates',
    put: 'PUT /v1/exchange-rates',
    read: readRatesCsv,
    batch: MAX_RATES,
    upsert: async (w, rows, now) => {
      const r = await upsertRates(w, rows, now);
      return { received: r.received, stored: r.rates };
    },
  });
}

/** The file's rows as rates, every one validated (the CSV dialect: cli/csvFile.ts); the rate stays decimal text. */
export async function readRatesCsv(file: string): Promise<ExchangeRate[]> {
  const rows = await readCsv(file, COLUMNS);
  if (rows.length === 0) throw new CarrelloError('command_failed', `${file} holds no rates (a header row date,base,quote,rate, then one rate per row)`);
  return validRows(file, rows, ExchangeRate);
}
