import { parseArgs } from 'node:util';
import { openWarehouse } from '../sql/open.ts';
import { ConfigError, parseConfig } from './config.ts';

/**
 * `carrello forget --customer ID [--store ...]`: deletes a customer's events, their refused messages and
 * what the store derived from them (Warehouse.forgetCustomer), on DuckDB or ClickHouse. Prints counts
 * only: the identifier is personal data and is not echoed. A DuckDB file or chdb directory must not be
 * open in another process (stop `carrello start`/`ingest` first); a ClickHouse server may stay in use.
 */
export async function forgetCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({ args, options: { customer: { type: 'string' }, store: { type: 'string' } }, strict: true });
  const customer = values.customer?.trim();
  if (!customer) throw new ConfigError('customer: carrello forget needs --customer ID');
  const config = parseConfig({ store: values.store }, env);
  const warehouse = await openWarehouse(config.store);
  try {
    await warehouse.migrate();
    const result = await warehouse.forgetCustomer(customer);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}
