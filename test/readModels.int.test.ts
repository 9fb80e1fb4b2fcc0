/**
 * The read models kept as events arrive equal a rebuild from the events, row by row: the same disturbed
 * traffic (duplicates, late events, anomalies, carts whose as-of prefixes are not exact) written in one
 * batch, in 7, and in 1,000 shuffled batches with reads in between (so that refreshes fold carts at
 * different points of their story), then compared with what `rebuildReadModels()` (`carrello rebuild`)
 * gives on the same store, and across the three stores.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/contract/events.ts';
import { DEFAULT_BATCHER } from '../ingest/pipeline/batcher.ts';
import { DEFAULT_INGEST, IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { Rng } from '../ingest/simulator/prng.ts';
import type { Row, Warehouse } from '../sql/warehouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { disturbedTraffic, messagesOf } from './support/traffic.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-05-04T00:00:00.000Z');
const DAYS = 5;

/** A store of one engine, and its read models' rows in a fixed order, by table. */
interface EngineStore {
  warehouse: Warehouse;
  readModels(): Promise<Record<string, Row[]>>;
  cleanup(): Promise<void>;
}

/** The engines whose read models are tested; ClickHouse's case joins this list with its read models. */
const ENGINES: [string, () => Promise<EngineStore>][] = [
  [
    'DuckDB',
    async () => {
      const store = await tempDuckDb();
      const w = store.warehouse;
      return {
        warehouse: w,
        cleanup: store.cleanup,
        readModels: async () => ({
          // cart_key is a surrogate (a refolded cart gets a new one): compared by what it must hold, below.
          cart_model: await w.all('SELECT * EXCLUDE (cart_key) FROM cart_model ORDER BY cart_id'),
          line_model: await w.all('SELECT * EXCLUDE (cart_key) FROM line_model ORDER BY cart_id, product_id'),
          product_model: await w.all('SELECT * FROM product_model ORDER BY product_id, kind, value'),
          customer_orders: await w.all('SELECT * FROM customer_orders ORDER BY placed_at, event_id'),
          cart_replay: await w.all('SELECT * EXCLUDE (cart_key) FROM cart_replay ORDER BY cart_id, ord'),
          cart_keys: await w.all(CART_KEYS_OFF),
        }),
      };
    },
  ],
];

/** Rows that break the cart key's promise: one key per cart, shared by all its rows, no two carts alike. */
const CART_KEYS_OFF = `
  SELECT
    (SELECT count(*) FROM cart_model WHERE cart_key IS NULL)::INT AS carts_without_key,
    (SELECT count(*) - count(DISTINCT cart_key) FROM cart_model)::INT AS carts_sharing_a_key,
    (SELECT count(*) FROM line_model l LEFT JOIN cart_model c USING (cart_id) WHERE l.cart_key IS DISTINCT FROM c.cart_key)::INT AS lines_off,
    (SELECT count(*) FROM cart_replay r LEFT JOIN cart_model c USING (cart_id) WHERE r.cart_key IS DISTINCT FROM c.cart_key)::INT AS replay_rows_off`;

/**
 * Disturbed traffic, then 4% of its events sent again at random later places (an at-least-once
 * transport), and 3% held back to the very end (an app that was offline): late for every refresh.
 */
function traffic(): CartEvent[] {
  const rng = new Rng('read-models');
  const events = disturbedTraffic({ seed: 'read-models', startMs: START, days: DAYS, cartsPerDay: 100 });
  const onTime: CartEvent[] = [];
  const late: CartEvent[] = [];
  for (const e of events) (rng.chance(0.03) ? late : onTime).push(e);
  const sent = [...onTime, ...late];
  for (const e of events.filter(() => rng.chance(0.04))) sent.splice(rng.int(0, sent.length), 0, e);
  return sent;
}

/** Cuts the events into n batches of random sizes (at least one event each), in order. */
function cut(events: readonly CartEvent[], n: number, rng: Rng): CartEvent[][] {
  const cuts = new Set<number>();
  while (cuts.size < n - 1) cuts.add(rng.int(1, events.length - 1));
  const at = [0, ...[...cuts].sort((a, b) => a - b), events.length];
  return at.slice(1).map((end, i) => events.slice(at[i], end));
}

describe.each(ENGINES)('read models on %s', (_engine, open) => {
  const events = traffic();
  const ways: [string, CartEvent[][]][] = [
    ['1 batch', [events]],
    ['7 batches', cut(events, 7, new Rng('read-models/7'))],
    ['1,000 shuffled batches', shuffled(cut(events, 1_000, new Rng('read-models/1000')), new Rng('read-models/shuffle'))],
  ];
  const kept = new Map<string, Record<string, Row[]>>();
  const rebuilt = new Map<string, Record<string, Row[]>>();
  const counts = new Map<string, { carts: number; lines: number }>();

  beforeAll(async () => {
    // The three ways run side by side, each on its own store.
    await Promise.all(
      ways.map(async ([way, batches]) => {
        const store = await open();
        try {
          // Given the events written batch by batch (a batch of ours is one write: the batcher never cuts
          // it), with a read now and then that folds what has arrived so far.
          const pipeline = new IngestPipeline(store.warehouse, { ...DEFAULT_INGEST, batcher: { ...DEFAULT_BATCHER, maxBatch: events.length } });
          const rng = new Rng(`read-models/reads/${way}`);
          for (const batch of batches) {
            await pipeline.ingest(messagesOf(batch, START));
            if (rng.chance(0.03)) await readSomething(store.warehouse, START + rng.int(0, DAYS) * DAY);
          }
          await pipeline.close();
          await readSomething(store.warehouse, START + (DAYS + 1) * DAY);
          kept.set(way, await store.readModels());
          // When the read models are rebuilt from the events.
          counts.set(way, await store.warehouse.rebuildReadModels());
          rebuilt.set(way, await store.readModels());
        } finally {
          await store.cleanup();
        }
      }),
    );
  }, 1_200_000);

  it('covers duplicates, late events and carts folded live', () => {
    const ids = events.map((e) => e.event_id);
    expect({ sent: events.length, duplicates: ids.length - new Set(ids).size }).toEqual({ sent: 2_715, duplicates: 98 });
    const carts = rebuilt.get('1 batch')!.cart_model!;
    expect({ carts: carts.length, folded_live: carts.filter((c) => c.prefix_safe === false).length }).toEqual({ carts: 522, folded_live: 32 });
    expect(counts.get('1 batch')).toEqual({ carts: 522, lines: 1_565 });
    for (const [way] of ways) {
      const none = [{ carts_without_key: 0, carts_sharing_a_key: 0, lines_off: 0, replay_rows_off: 0 }];
      expect([way, kept.get(way)!.cart_keys]).toEqual([way, none]);
    }
  });

  it.each(ways.map(([way]) => way))('keeps, written in %s, the rows a rebuild gives', (way) => {
    const k = kept.get(way)!;
    const r = rebuilt.get(way)!;
    for (const table of Object.keys(r)) expect([table, k[table]]).toEqual([table, r[table]]);
    expect(counts.get(way)).toEqual({ carts: r.cart_model!.length, lines: r.line_model!.length });
  });

  it('rebuilds the same rows whichever way the events came', () => {
    const one = rebuilt.get('1 batch')!;
    expect(one.cart_model!.length).toBe(new Set(events.map((e) => e.cart_id)).size);
    expect(one.cart_replay!.length).toBe(new Set(events.map((e) => e.event_id)).size);
    for (const [way] of ways) expect([way, rebuilt.get(way)]).toEqual([way, one]);
  });
});

async function readSomething(w: Warehouse, asOf: number): Promise<void> {
  await w.query('abandonment', { as_of_ms: asOf, abandon_ms: DAY, from_ms: START, to_ms: asOf, breakdown: 'none', tz: 'UTC' });
}

function shuffled<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
