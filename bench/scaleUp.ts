import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const COPIES_SQL = readFileSync(new URL('./copies.sql', import.meta.url), 'utf8');

/**
 * Fills the (migrated, empty) DuckDB store at `target` with `copies` copies of the events of the store at
 * `source`, one INSERT … SELECT each (copies.sql: fresh ids per copy, copy k moved back k · shiftDays days,
 * customers kept), and marks every cart to be folded into cart_replay by the next refresh: the derived
 * model is then built by the code that maintains it, not by a copy of it.
 *
 * Used for the bench's 10M-event and long-history stores: simulating and ingesting 10M events one by one
 * through the pipeline takes hours on 2 shared cores; this is the engine's bulk path, and the engines see
 * the same shapes. Opens the files directly (not through DuckDbWarehouse, whose hardening forbids other
 * files).
 */
export async function scaleUpDuckDb(source: string, target: string, copies: number, shiftDays = 0): Promise<void> {
  const instance = await DuckDBInstance.create(target);
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH '${source.replaceAll("'", "''")}' AS src (READ_ONLY)`);
    // Oldest copy first: with a shift, the store then holds its events in time order, as one ingested
    // over those months would (each copy keeps the source's order).
    for (let k = copies - 1; k >= 0; k--) await conn.run(COPIES_SQL, { copy: BigInt(k), shift_days: BigInt(shiftDays) });
    await conn.run('DELETE FROM replay_dirty; INSERT INTO replay_dirty (cart_id) SELECT DISTINCT cart_id FROM events;');
    await conn.run('DETACH src');
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
