import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClickHouseWarehouse } from '../sql/clickhouse/adapter.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { openWarehouse, parseStore, type StoreConfig } from '../sql/open.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { abandonment } from './faults/support.ts';
import { loadMessages } from './support/loadStore.ts';
import { itemAdded, simulated } from './support/seed.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/carrello.js', import.meta.url));
const LOADER = fileURLToPath(new URL('./support/loadStore.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'carrello-forget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const END = Date.parse('2026-10-01T00:00:00.000Z');
type Ev = { event_id: string; cart_id: string; customer_id: string | null; occurred_at: string };

async function using<T>(store: StoreConfig, fn: (w: Warehouse) => Promise<T>): Promise<T> {
  const w = await openWarehouse(store);
  try {
    return await fn(w);
  } finally {
    await w.close();
  }
}

/** What the customer left in the raw tables: their events, and refused messages holding their id. */
async function leftOf(w: Warehouse, customer: string): Promise<{ events: number; rejected: number }> {
  const needle = JSON.stringify(customer);
  if (w instanceof DuckDbWarehouse) {
    const [r] = await w.all(
      `SELECT (SELECT count(*) FROM events WHERE customer_id = $c)::INT AS events,
              (SELECT count(*) FROM rejected_events WHERE contains(decode(payload), $n))::INT AS rejected`,
      { c: customer, n: needle },
    );
    return r as { events: number; rejected: number };
  }
  const [r] = await (w as ClickHouseWarehouse).rows(
    `SELECT (SELECT count() FROM events WHERE customer_id = {c:String}) AS events,
            (SELECT count() FROM rejected_events WHERE position(payload, {n:String}) > 0) AS rejected`,
    { c: customer, n: needle },
  );
  return { events: Number(r!.events), rejected: Number(r!.rejected) };
}

// On DuckDB the per-event replay (its surrogate cart_key aside: a refolded cart gets a new one), and the product model: a name only the customer's events gave goes with them.
const replayRows = async (w: Warehouse) =>
  w instanceof DuckDbWarehouse
    ? {
        replay: await w.all('SELECT * EXCLUDE (cart_id, cart_key), cart_id FROM cart_replay ORDER BY ALL'),
        products: await w.all('SELECT * FROM product_model ORDER BY ALL'),
      }
    : null;

// The orders model on both engines: the customer's orders go with them.
const orderRows = async (w: Warehouse) =>
  w instanceof DuckDbWarehouse
    ? w.all('SELECT * FROM customer_orders ORDER BY placed_at, event_id')
    : (w as ClickHouseWarehouse).rows('SELECT * FROM customer_orders FINAL ORDER BY placed_at, event_id');

// Each engine: where the store lives, and where the reference (a store that never had the customer) lives.
// A chdb directory belongs to one process at a time: the store is loaded and forgotten by child processes,
// and only then opened here, with the reference in another database of the same directory.
const ENGINES: [string, string, StoreConfig][] = [
  ['DuckDB', `duckdb:${join(dir, 'store.duckdb')}`, { kind: 'duckdb', path: join(dir, 'reference.duckdb') }],
  ['ClickHouse (chdb)', `chdb:${join(dir, 'chdb')}`, { kind: 'clickhouse', target: { kind: 'chdb', path: join(dir, 'chdb'), database: 'reference' } }],
];

describe.each(ENGINES)('carrello forget --customer on %s', (engine, store, reference) => {
  it("deletes the customer's events, refused messages and derived rows; the answers equal a store that never had them", async () => {
    // given simulated traffic, one customer with several carts, one of those carts shared with another customer,
    // and refused messages holding the customer's id (one not even UTF-8) beside one of someone else
    const events = simulated('forget', END - 3 * 86_400_000, END) as unknown as Ev[];
    const counts = new Map<string, number>();
    for (const e of events) if (e.customer_id) counts.set(e.customer_id, (counts.get(e.customer_id) ?? 0) + 1);
    const [customer] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const carts = [...new Set(events.filter((e) => e.customer_id === customer).map((e) => e.cart_id))];
    expect(carts.length).toBeGreaterThan(1);
    const shared = itemAdded('7d3f7a52-93a4-4a8e-9f5e-3c1f0b6f2a10', '2026-09-30T23:00:00.000Z', { cart_id: carts[0], customer_id: 'someone-else' });
    const theirRefused = [
      JSON.stringify({ type: 'cart.item_added', customer_id: customer }),
      { hex: Buffer.concat([Buffer.from([0xff, 0x7b]), Buffer.from(`"c":${JSON.stringify(customer)}}`)]).toString('hex') },
    ];
    const otherRefused = JSON.stringify({ type: 'cart.item_added', customer_id: 'someone-else' });
    const texts = [...events.map((e) => JSON.stringify(e)), shared, ...theirRefused, otherRefused];
    const kept = [...events.filter((e) => e.customer_id !== customer).map((e) => JSON.stringify(e)), shared, otherRefused];
    const file = join(dir, `${engine.split(' ')[0]}-messages.json`);
    writeFileSync(file, JSON.stringify(texts));
    const loaded = await run(process.execPath, ['--import', 'tsx', LOADER, store, file]);
    expect(JSON.parse(loaded.stdout)).toEqual({ accepted: texts.length - 3, rejected: 3 });

    // when the customer is forgotten
    const { stdout } = await run(process.execPath, [BIN, 'forget', '--customer', customer, '--store', store], { env: { ...process.env, LOG_LEVEL: 'warn' } });

    // then only counts are printed, nothing of theirs is left, and the store answers as the reference does
    expect(stdout).not.toContain(customer);
    expect(JSON.parse(stdout)).toEqual({ events_deleted: counts.get(customer), rejected_deleted: 2, carts: carts.length, carts_refolded: 1 });
    const expected = await using(reference, async (w) => {
      await loadMessages(w, kept);
      return { funnel: await abandonment(w), stats: await w.stats(), replay: await replayRows(w), orders: await orderRows(w) };
    });
    const after = await using(parseStore(store), async (w) => ({
      left: await leftOf(w, customer),
      funnel: await abandonment(w),
      stats: await w.stats(),
      replay: await replayRows(w),
      orders: await orderRows(w),
    }));
    expect(after.left).toEqual({ events: 0, rejected: 0 });
    expect(after.stats).toEqual(expected.stats);
    expect(after.stats.rejected_by_reason).toEqual({ schema_violation: 1 });
    expect(after.funnel).toEqual(expected.funnel);
    expect(after.replay).toEqual(expected.replay);
    expect(after.orders.length).toBeGreaterThan(0);
    expect(after.orders.filter((o) => o.customer_id === customer)).toEqual([]);
    expect(after.orders).toEqual(expected.orders);
  }, 300_000); // two child processes and two stores per engine: a backstop for a loaded machine
});
