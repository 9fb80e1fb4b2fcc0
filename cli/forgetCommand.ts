import { str, type CommandValues } from './commandValues.ts';
import { openExistingWarehouse } from './existingStore.ts';
import { parseConfig } from './config.ts';
import { counted, progressLine, withProgress } from './progress.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * `carrello forget --customer ID | --anonymous-id ID [--dry-run] [--store ...]`: deletes a customer's events, their refused messages and
 * what the store derived from them (Warehouse.forgetCustomer), on DuckDB or ClickHouse. Prints counts
 * only: the identifier is personal data and is not echoed. A DuckDB file or chdb directory must not be
 * open in another process (stop `carrello start`/`ingest` first); a ClickHouse server may stay in use.
 * The store must exist; exit code 3 says that nothing held the id.
 */
/** Exit code when nothing held the customer's id (1 is an error, 2 a usage error). */
export const NOT_FOUND = 3;

export async function forgetCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const customer = str(values, 'customer')?.trim();
  const anonymous = str(values, 'anonymous-id')?.trim();
  if (!customer === !anonymous) throw new CarrelloError('usage', 'forget needs one of --customer ID or --anonymous-id ID');
  const dryRun = values['dry-run'] === true;
  const config = parseConfig({ store: str(values, 'store') }, env);
  const warehouse = await openExistingWarehouse(config.store);
  try {
    await warehouse.migrate();
    const result = await withProgress(
      progressLine('carrello forget'),
      dryRun ? 'counting what would be deleted' : 'deleting',
      () => warehouse.forgetCustomer((customer ?? anonymous)!, { by: customer ? 'customer_id' : 'anonymous_id', dryRun }),
      (r) =>
        `${counted(r.events_deleted, 'event')}, ${counted(r.rejected_deleted, 'refused message')} ${dryRun ? 'would be deleted' : 'deleted'}, of ${counted(r.carts, 'cart')}`,
    );
    process.stdout.write(`${JSON.stringify(dryRun ? { ...result, dry_run: true } : result)}\n`);
    if (result.events_deleted === 0 && result.rejected_deleted === 0) {
      // Not an error (forgetting twice is fine), but never a silent success: a mistyped id deletes nothing.
      process.stderr.write(
        `carrello forget: ${customer ? 'customer' : 'anonymous id'} not found: no event and no refused message held this id; nothing was deleted\n`,
      );
      return NOT_FOUND;
    }
  } finally {
    await warehouse.close();
  }
  return 0;
}
