import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processMessage } from '../../ingest/pipeline/process.ts';
import { Rng } from '../../ingest/simulator/prng.ts';
import { disturbedTraffic, messagesOf } from '../../test/support/traffic.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import type { EventRow } from '../rows.ts';
import type { ClickHouseWarehouse } from './adapter.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 5, 1);

/**
 * Disturbed traffic (lost adds, missing sequences, clocks running backwards, bursts, shuffled arrival) as
 * the pipeline hands it to writeBatch, with a tenth of it delivered twice and a twentieth held back and
 * delivered last (late events: an add older than a line's first add moves the line's key).
 */
function deliveries(): EventRow[] {
  const rows = messagesOf(disturbedTraffic({ seed: 'read-models', startMs: START, days: 3, cartsPerDay: 30 }), START + 4 * DAY).map((m) => {
    const p = processMessage(m);
    if (p.kind !== 'event') throw new Error('disturbed traffic holds valid events only');
    return p.row;
  });
  const rng = new Rng('read-models/deliveries');
  const late = rows.filter(() => rng.chance(0.05));
  const onTime = rows.filter((r) => !late.includes(r));
  const again = rows.filter(() => rng.chance(0.1));
  return [...onTime, ...again, ...late];
}

/** Cuts rows into `n` batches of random sizes (some empty), in the order given. */
function batches(rows: readonly EventRow[], n: number, rng: Rng): EventRow[][] {
  const cuts = [0, ...Array.from({ length: n - 1 }, () => rng.int(0, rows.length)).sort((a, b) => a - b), rows.length];
  return cuts.slice(1).map((end, i) => rows.slice(cuts[i], end));
}

function shuffled<T>(xs: readonly T[], rng: Rng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The read models row by row, as readers see them (FINAL: one row per key, tombstones hidden). */
async function readModels(w: ClickHouseWarehouse) {
  return {
    carts: await w.rows('SELECT * EXCEPT (is_deleted) FROM cart_folds FINAL ORDER BY cart_id'),
    lines: await w.rows('SELECT * EXCEPT (is_deleted) FROM cart_line_folds FINAL ORDER BY cart_id, product_id'),
    orders: await w.rows('SELECT * FROM customer_orders FINAL ORDER BY placed_at, event_id'),
  };
}

type Store = Awaited<ReturnType<typeof tempClickHouse>>;

describe('read models kept batch by batch equal a rebuild from the events (ClickHouse)', () => {
  const rows = deliveries();
  const stores: Store[] = [];
  const kept: Awaited<ReturnType<typeof readModels>>[] = [];
  const rebuilt: Awaited<ReturnType<typeof readModels>>[] = [];
  const counts: { carts: number; lines: number }[] = [];
  let tombstones = 0;
  let cartTombstones = 0;

  beforeAll(async () => {
    const rng = new Rng('read-models/batches');
    // Given the same deliveries written in 1 batch, in 7 batches, and shuffled into 1,000 batches with
    // reads of the cart model in between (each read folds the carts written since the last one)
    const plans = [[rows], batches(rows, 7, rng), batches(shuffled(rows, rng), 1000, rng)];
    for (const [p, plan] of plans.entries()) {
      const store = await tempClickHouse(`readmodels${p}`);
      stores.push(store);
      for (const [i, batch] of plan.entries()) {
        await store.warehouse.writeBatch(batch, []);
        if (i % 50 === 49) await store.warehouse.refreshFolds();
      }
      await store.warehouse.refreshFolds();
      kept.push(await readModels(store.warehouse));
      if (p === 2) {
        tombstones = Number((await store.warehouse.rows('SELECT count() AS n FROM cart_line_folds WHERE is_deleted = 1'))[0]!.n);
        cartTombstones = Number((await store.warehouse.rows('SELECT count() AS n FROM cart_folds WHERE is_deleted = 1'))[0]!.n);
      }
      // when the read models are rebuilt from the events
      counts.push(await store.warehouse.rebuildReadModels());
      rebuilt.push(await readModels(store.warehouse));
    }
  }, 900_000);
  afterAll(async () => {
    for (const s of stores) await s.cleanup();
  });

  it('rebuilds one row per cart and one per cart × product of the events, and one per order with a customer', () => {
    const carts = new Set(rows.map((r) => r.cart_id));
    const lines = new Set(rows.filter((r) => r.product_id !== null).map((r) => `${r.cart_id}/${r.product_id}`));
    const orders = new Set(rows.filter((r) => r.type === 'order.placed' && r.customer_id !== null).map((r) => r.event_id));
    expect(counts).toEqual([0, 1, 2].map(() => ({ carts: carts.size, lines: lines.size })));
    expect(rebuilt[0]!.carts.length).toBe(carts.size);
    expect(rebuilt[0]!.lines.length).toBe(lines.size);
    expect(orders.size).toBeGreaterThan(0);
    expect(rebuilt[0]!.orders.map((o) => o.event_id).sort()).toEqual([...orders].sort());
  });

  it.each([
    ['1 batch', 0],
    ['7 batches', 1],
    ['1,000 shuffled batches with reads in between', 2],
  ])('keeps, written in %s, the rows of a rebuild', (_name, p) => {
    expect(kept[p]!.carts).toEqual(rebuilt[0]!.carts);
    expect(kept[p]!.lines).toEqual(rebuilt[0]!.lines);
    expect(kept[p]!.orders).toEqual(rebuilt[0]!.orders);
    expect(rebuilt[p]).toEqual(rebuilt[0]);
  });

  it('moved the key of lines whose first add arrived late, leaving a tombstone under the old key', () => {
    expect(tombstones).toBeGreaterThan(0);
  });

  it('moved the key of carts whose first add arrived late (their start), leaving a tombstone under the old key', () => {
    expect(cartTombstones).toBeGreaterThan(0);
  });
});
