import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const COPIES_SQL = readFileSync(new URL('./copies.sql', import.meta.url), 'utf8');

/**
 * Fills the (migrated, empty) DuckDB store at `target` with `copies` copies of the events of the store at
 * `source`, one INSERT … SELECT each (copies.sql: fresh ids per copy, copy k moved back k · shiftDays days,
 * customers kept). Only events: the caller then builds cart_replay and the read models by the code that
 * maintains them (DuckDbWarehouse.rebuildReadModels), not by a copy of them. `onCopy` hears each copy's
 * number and how long it took, for the build's profile.
 *
 * Used for the bench's 10M-event and long-history stores: simulating and ingesting 10M events one by one
 * through the pipeline takes hours on 2 shared cores; this is the engine's bulk path, and the engines see
 * the same shapes. Opens the files directly (not through DuckDbWarehouse, whose hardening forbids other
 * files).
 */
export async function scaleUpDuckDb(
  source: string,
  target: string,
  copies: number,
  shiftDays = 0,
  onCopy: (copy: number, ms: number) => void = () => {},
): Promise<void> {
  const instance = await DuckDBInstance.create(target);
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH '${source.replaceAll("'", "''")}' AS src (READ_ONLY)`);
    // Oldest copy first: with a shift, the store then holds its events in time order, as one ingested
    // over those months would (each copy keeps the source's order).
    for (let k = copies - 1; k >= 0; k--) {
      const t0 = performance.now();
      await conn.run(COPIES_SQL, { copy: BigInt(k), shift_days: BigInt(shiftDays) });
      onCopy(k, performance.now() - t0);
    }
    await conn.run('DETACH src');
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
