import { str, type CommandValues } from './commandValues.ts';
import { openExistingWarehouse } from './existingStore.ts';
import { parseConfig } from './config.ts';
import { counted, progressLine, withProgress } from './progress.ts';

/**
 * `carrello rebuild [--store ...]`: drops the read models and the per-event replay and rebuilds them
 * from the stored events (Warehouse.rebuildReadModels), then prints what it rebuilt as JSON. For after a
 * fix to the fold, or to lay a store out again in start order. A DuckDB file or chdb directory must not
 * be open in another process (stop `carrello start`/`ingest` first). The store must exist. On a terminal,
 * a progress line on stderr ends with the counts.
 */
export async function rebuildCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const config = parseConfig({ store: str(values, 'store') }, env);
  const warehouse = await openExistingWarehouse(config.store);
  try {
    await warehouse.migrate();
    const rebuilt = await withProgress(
      progressLine('carrello rebuild'),
      'rebuilding the read models from the stored events',
      () => warehouse.rebuildReadModels(),
      (r) => `${counted(r.carts, 'cart')}, ${counted(r.lines, 'line')} rebuilt`,
    );
    process.stdout.write(`${JSON.stringify(rebuilt)}\n`);
  } finally {
    await warehouse.close();
  }
  return 0;
}
