import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';

/** A fresh DuckDB file in its own temp folder, owned by one test. */
export async function tempDuckDb(): Promise<{ warehouse: DuckDbWarehouse; path: string; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'carrello-test-'));
  const path = join(dir, 'test.duckdb');
  // Every answer parsed against the catalogue, however large: a row that does not fit fails the test.
  const warehouse = await DuckDbWarehouse.open(path, { checkRows: true });
  await warehouse.migrate();
  return {
    warehouse,
    path,
    async cleanup() {
      await warehouse.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
