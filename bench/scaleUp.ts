import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Fills the (migrated, empty) DuckDB store at `target` with `copies` copies of the events of the store at
 * `source`: copy 0 as it is, copy k with fresh ids (event, cart, anonymous, session and order ids get
 * `-xk`; the event_id is an MD5 of the original and k), in the original payload too. Times, products and
 * the simulator's fixed pool of customers stay: k copies of 30 days of simulated traffic are 30 days at
 * k times the carts. Every cart is marked to be folded into cart_replay on the next read.
 *
 * Used for the 10M-event bench store: simulating and ingesting 10M events one by one through the
 * pipeline takes hours on 2 shared cores, this takes minutes, and the engines see the same shapes.
 * Opens the files directly (not through DuckDbWarehouse, whose hardening forbids other files).
 */
export async function scaleUpDuckDb(source: string, target: string, copies: number): Promise<void> {
  const instance = await DuckDBInstance.create(target);
  const conn = await instance.connect();
  try {
    await conn.run(`ATTACH '${source.replaceAll("'", "''")}' AS src (READ_ONLY)`);
    for (let k = 0; k < copies; k++) {
      const s = k === 0 ? '' : `-x${k}`;
      const id = (col: string) => (k === 0 ? col : `${col} || '${s}'`);
      const payload =
        k === 0
          ? 'payload'
          : ['event_id::VARCHAR', 'cart_id', 'anonymous_id', 'session_id', 'order_id'].reduce(
              // A NULL id searches for a string no payload holds: nothing is replaced.
              (p, col) => `replace(${p}, '"' || coalesce(${col}, '(none)') || '"', '"' || coalesce(${col}, '(none)') || '${s}"')`,
              'payload::VARCHAR',
            );
      await conn.run(`
        INSERT INTO events
        SELECT * REPLACE (
          ${k === 0 ? 'event_id' : `md5(event_id::VARCHAR || '/${k}')::UUID`} AS event_id,
          ${id('cart_id')} AS cart_id,
          ${id('anonymous_id')} AS anonymous_id,
          ${id('session_id')} AS session_id,
          ${id('order_id')} AS order_id,
          ${payload}::JSON AS payload)
        FROM src.events`);
    }
    await conn.run('DELETE FROM replay_dirty; INSERT INTO replay_dirty SELECT DISTINCT cart_id FROM events;');
    await conn.run('DETACH src');
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
