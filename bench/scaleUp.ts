import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

const COPIES_SQL = readFileSync(new URL('./copies.sql', import.meta.url), 'utf8');

/**
 * Fills the (migrated, empty) DuckDB store at `target` with `copies` copies of the events of the store at
 * `source` by INSERT … SELECT (copies over the same days: one insert per day holding every copy of
 * it; shifted copies: one insert per copy; copies.sql: fresh ids per copy, copy k moved back k · shiftDays
 * days, customers kept). Only events: the caller then builds cart_replay and the read models by the code that
 * maintains them (DuckDbWarehouse.rebuildReadModels), not by a copy of them. `onStep` hears each step
 * (a copy, or every copy a day at a time) and how long it took, for the build's profile.
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
  onStep: (step: string, ms: number) => void = () => {},
): Promise<void> {
  const instance = await DuckDBInstance.create(target);
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH '${source.replaceAll("'", "''")}' AS src (READ_ONLY)`);
    // Copies over the same days (no shift) go in a day at a time, every copy of the day before the next
    // day (copy by copy within the day: copies.sql's ORDER BY), so the store is in time order as one
    // ingested over those days would be, each copy's carts together; shifted copies go in
    // whole, oldest first, which is time order too (each copy keeps the source's order).
    if (shiftDays === 0 && copies > 1) {
      const t0 = performance.now();
      for (const [fromMs, toMs] of await daySlices(conn)) {
        await conn.run(COPIES_SQL, { first_copy: 0n, last_copy: BigInt(copies - 1), shift_days: 0n, from_ms: BigInt(fromMs), to_ms: BigInt(toMs) });
      }
      onStep(`copies 0–${copies - 1}, a day at a time`, performance.now() - t0);
    } else {
      for (let k = copies - 1; k >= 0; k--) {
        const t0 = performance.now();
        await conn.run(COPIES_SQL, { first_copy: BigInt(k), last_copy: BigInt(k), shift_days: BigInt(shiftDays), from_ms: BigInt(-EVER), to_ms: BigInt(EVER) });
        onStep(`copy ${k}`, performance.now() - t0);
      }
    }
    await conn.run('DETACH src');
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Beyond any time the contract accepts (epoch ms). */
const EVER = 10_000_000_000_000;
const DAY_MS = 86_400_000;

/** The source's days, [from, to) in epoch ms, from its first event's day to its last's. */
async function daySlices(conn: DuckDBConnection): Promise<(readonly [number, number])[]> {
  const reader = await conn.runAndReadAll('SELECT epoch_ms(min(occurred_at)) AS lo, epoch_ms(max(occurred_at)) AS hi FROM src.events');
  const [row] = reader.getRowObjectsJS() as { lo: bigint | null; hi: bigint | null }[];
  if (row?.lo == null || row.hi == null) return [[-EVER, EVER]];
  const first = Math.floor(Number(row.lo) / DAY_MS) * DAY_MS;
  const slices: (readonly [number, number])[] = [];
  for (let t = first; t <= Number(row.hi); t += DAY_MS) slices.push([t, t + DAY_MS]);
  return slices;
}
