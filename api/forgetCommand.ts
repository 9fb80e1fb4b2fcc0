import { parseArgs } from 'node:util';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { ConfigError, parseConfig } from './config.ts';

/**
 * `carrello forget --customer ID [--store ...]`: deletes a customer's events from `events` and the
 * derived cart_replay rows of their carts (carts with other events left are folded again on next read).
 * Prints counts only: the identifier is personal data and is not echoed. The store must not be open in
 * another process (stop `carrello start`/`ingest` first).
 */
export async function forgetCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { customer: { type: 'string' }, store: { type: 'string' } }, strict: true });
  const customer = values.customer?.trim();
  if (!customer) throw new ConfigError('customer: carrello forget needs --customer ID');
  const config = parseConfig({ store: values.store }, env);
  if (config.store.kind !== 'duckdb') throw new ConfigError('store: carrello forget works on DuckDB stores only so far (docs/reliability.md)');
  const warehouse = await DuckDbWarehouse.open(config.store.path);
  try {
    await warehouse.migrate();
    const result = await warehouse.forgetCustomer(customer);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}
