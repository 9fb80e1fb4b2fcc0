/**
 * Money beyond the contract's bounds, as a store written before them may hold it: every analysis still
 * answers 200 on both engines, with values computed exactly and saturated at 2^53 - 1 (docs/metrics.md,
 * "Money values"), never an overflow error and never a wrapped number.
 */
import type { Server } from 'node:http';
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import type { CartEvent } from '../ingest/contract/events.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { toRow } from '../ingest/pipeline/toRow.ts';
import { validate } from '../ingest/pipeline/validate.ts';
import { abandonmentFunnel } from '../projections/analyses.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const AS_OF = Date.parse('2026-03-05T00:00:00.000Z');
const MAX = Number.MAX_SAFE_INTEGER;
const iso = (ms: number) => new Date(ms).toISOString();

let n = 0;
function event(cart: string, at: number, fields: Record<string, unknown>): CartEvent {
  return {
    event_id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    schema_version: 1,
    occurred_at: iso(at),
    cart_id: cart,
    customer_id: `cust-${cart}`,
    currency: 'EUR',
    channel: 'web',
    consent: { marketing: true },
    ...fields,
  } as unknown as CartEvent;
}
const item = (product_id: string, unit_price_minor: number) => ({ product_id, name: product_id, category: 'c', unit_price_minor });

// Given cart H holding one line of 1,000,000 units at 2^53 - 1 (value 9.0e21: beyond int64), after a
// second line of 5e15 × 3 (beyond 2^53, within int64) was reduced and removed; and cart N of 2 × 1000.
const HOSTILE = [
  event('H', T0, { type: 'cart.item_added', item: item('P1', MAX), quantity: 1_000_000 }),
  event('H', T0 + MINUTE, { type: 'cart.item_added', item: item('P2', 5e15), quantity: 3 }),
  event('H', T0 + 2 * MINUTE, { type: 'cart.item_quantity_changed', item: item('P2', 5e15), from_quantity: 3, to_quantity: 2 }),
  event('H', T0 + 3 * MINUTE, { type: 'cart.item_removed', item: item('P2', 5e15), quantity: 2 }),
];
const NORMAL = [event('N', T0, { type: 'cart.item_added', item: item('P9', 1000), quantity: 2 })];

describe('the contract', () => {
  it('refuses those events now, naming the field', () => {
    expect(HOSTILE.map((e) => validate(e)).map((o) => (o.ok ? 'ok' : `${o.rejection.reason} ${o.rejection.field}`))).toEqual([
      'schema_violation item.unit_price_minor',
      'schema_violation item.unit_price_minor',
      'schema_violation item.unit_price_minor',
      'schema_violation item.unit_price_minor',
    ]);
  });
});

const ENGINES = [
  ['duckdb', async () => tempDuckDb(), (asOf: number, abandon: number) => `cart_state_asof(${asOf}, ${abandon})`],
  ['clickhouse', async () => tempClickHouse('money'), (asOf: number, abandon: number) => `cart_state_asof(as_of_ms = ${asOf}, abandon_ms = ${abandon})`],
] as const;

describe.each(ENGINES)('a %s store holding money beyond the bounds', (_engine, open, cartState) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup: () => Promise<void> };
  let server: Server;
  let url: string;

  beforeAll(async () => {
    store = await open();
    // Stored as rows, past the contract, as a store written before the bounds holds them.
    await store.warehouse.writeBatch(
      [...HOSTILE, ...NORMAL].map((e) => toRow(e, JSON.stringify(e), 'test', AS_OF)),
      [],
    );
    const app = createApp({
      warehouse: store.warehouse,
      pipeline: new IngestPipeline(store.warehouse),
      log: pino({ level: 'silent' }),
      collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 },
      stopping: () => false,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }, 120_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store?.cleanup();
  });

  const window = `from=${iso(T0 - MINUTE)}&to=${iso(AS_OF)}&as_of=${iso(AS_OF)}`;
  async function get(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('values the cart at 2^53 - 1, its line too, and the whole answer as of any time', async () => {
    const cart = await get(`/v1/carts/H?as_of=${iso(AS_OF)}`);
    expect(cart.status).toBe(200);
    expect(cart.body).toMatchObject({ status: 'abandoned', items: 1, units: 1_000_000, value_minor: MAX, anomalies: 0 });
    expect(cart.body.lines).toEqual([{ product_id: 'P1', product_name: 'P1', category: 'c', quantity: 1_000_000, unit_price_minor: MAX, value_minor: MAX }]);
    // Before the removal, the two lines were worth 9.0e21 + 1.0e16: saturated too.
    const before = await get(`/v1/carts/H?as_of=${iso(T0 + 2 * MINUTE)}`);
    expect([before.status, before.body.value_minor, before.body.units]).toEqual([200, MAX, 1_000_002]);
    const story = await get(`/v1/carts/H/events?as_of=${iso(AS_OF)}`);
    expect(story.status).toBe(200);
  });

  it('sums abandoned value per currency exactly, saturated at 2^53 - 1', async () => {
    const res = await get(`/v1/funnels/abandonment?${window}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      funnel: [
        { step: 'started', carts: 2 },
        { step: 'checkout_started', carts: 0 },
        { step: 'ordered', carts: 0 },
      ],
      abandoned: { carts: 2, at_cart: 2, at_checkout: 0, value_by_currency: [{ currency: 'EUR', value_minor: MAX, carts: 2 }] },
      anomalies: 0,
    });
  });

  it('answers the removal and quantity analyses', async () => {
    const removal = await get(`/v1/funnels/removal?${window}&min_adds=1`);
    expect(removal.status).toBe(200);
    expect(removal.body.totals).toEqual({
      lines_added: 3,
      lines_removed: 1,
      removed_before_checkout: 1,
      removed_after_checkout: 0,
      readded: 0,
      kept: 2,
      kept_purchased: 0,
      kept_abandoned: 2,
      kept_open: 0,
      units_added: 1_000_005,
      units_removed: 2,
      removal_rate: 1 / 3,
      median_seconds_to_removal: 120,
    });
    const quantity = await get(`/v1/funnels/quantity?${window}`);
    expect(quantity.status).toBe(200);
    const none = { lines: 0, units_delta: 0, purchased: 0, purchase_rate: null };
    expect(quantity.body.totals).toEqual({
      increased: none,
      decreased: none,
      unchanged: { lines: 2, units_delta: 0, purchased: 0, purchase_rate: 0 },
      removed: { lines: 1, units_delta: -3, purchased: 0, purchase_rate: 0 },
    });
  });

  it('lists the audience with each cart’s value and the currency’s total', async () => {
    const res = await get(`/v1/audiences/abandoned-carts?as_of=${iso(AS_OF)}&consent=any`);
    expect(res.status).toBe(200);
    const carts = (res.body.carts as { cart_id: string; value_minor: number }[]).map((c) => [c.cart_id, c.value_minor]);
    expect(carts).toEqual([
      ['N', 2000],
      ['H', MAX],
    ]);
    expect(res.body.audience).toEqual({ carts: 2, value_by_currency: [{ currency: 'EUR', carts: 2, value_minor: MAX }] });
  });

  it('answers the data team’s SQL over the cart model, as of the end and of an instant between', async () => {
    const cartsAt = async (asOf: number) => {
      const res = await fetch(`${url}/v1/sql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `SELECT cart_id, value_minor, units FROM ${cartState(asOf, 86_400_000)} ORDER BY cart_id` }),
      });
      const body = (await res.json()) as { rows: { cart_id: string; value_minor: unknown; units: unknown }[] };
      return [res.status, body.rows.map((r) => [r.cart_id, r.value_minor, Number(r.units)])];
    };
    expect(await cartsAt(AS_OF)).toEqual([
      200,
      [
        ['H', MAX, 1_000_000],
        ['N', 2000, 2],
      ],
    ]);
    expect(await cartsAt(T0 + MINUTE)).toEqual([
      200,
      [
        ['H', MAX, 1_000_003],
        ['N', 2000, 2],
      ],
    ]);
  });
});

describe('a store kept from before the bounds', () => {
  // Cart X holds 3 × 5e15: 1.5e16 fits int64, so an older carrello kept it unsaturated (DuckDB) or, with
  // cart H, wrapped (ClickHouse); the first start after the upgrade folds those carts again.
  const X = [event('X', T0, { type: 'cart.item_added', item: item('P2', 5e15), quantity: 3 })];
  const W = { from: T0 - MINUTE, to: AS_OF, as_of: AS_OF, abandon_ms: 86_400_000 };
  const abandonedValue = async (w: Warehouse) => (await abandonmentFunnel(w, W, 'none')).json.abandoned.value_by_currency;

  it('DuckDB: a kept cart_replay row past 2^53 answers the saturated value after a restart', async () => {
    const store = await tempDuckDb();
    try {
      // Given X's replay kept as an older carrello left it, and a restart
      await store.warehouse.writeBatch(
        X.map((e) => toRow(e, JSON.stringify(e), 'test', AS_OF)),
        [],
      );
      await store.warehouse.refreshDerived();
      await store.warehouse.close();
      const db = await DuckDBInstance.create(store.path);
      const c = await db.connect();
      await c.run("UPDATE cart_replay SET value_held = 15000000000000000 WHERE cart_id = 'X'");
      await c.run('DELETE FROM schema_migrations WHERE version = 4');
      c.closeSync();
      db.closeSync();
      const reopened = await DuckDbWarehouse.open(store.path);
      try {
        // when it migrates, then the cart is folded again and saturates
        expect(await reopened.migrate()).toEqual(['4_refold_large_values']);
        expect(await abandonedValue(reopened)).toEqual([{ currency: 'EUR', value_minor: MAX, carts: 1 }]);
      } finally {
        await reopened.close();
      }
    } finally {
      await store.cleanup();
    }
  });

  it('ClickHouse: a kept cart_folds row with a wrapped value answers the saturated value after the migration', async () => {
    const store = await tempClickHouse('money_kept');
    try {
      const client = store.warehouse.client;
      await store.warehouse.writeBatch(
        [...HOSTILE, ...X].map((e) => toRow(e, JSON.stringify(e), 'test', AS_OF)),
        [],
      );
      expect(await abandonedValue(store.warehouse)).toEqual([{ currency: 'EUR', value_minor: MAX, carts: 2 }]);
      // Given the folds an older carrello kept (Int64 arithmetic: H wrapped, X past 2^53)
      await client.command({
        query: "INSERT INTO cart_folds SELECT * REPLACE (if(cart_id = 'H', 5188146770729811968, 15000000000000000) AS value_minor) FROM cart_folds FINAL",
      });
      await client.command({ query: 'DELETE FROM schema_migrations WHERE version = 3' });
      const folds = async () =>
        (
          await (
            await client.query({ query: 'SELECT cart_id, value_minor FROM cart_folds FINAL ORDER BY cart_id', format: 'JSONEachRow' })
          ).json<{ cart_id: string; value_minor: string }>()
        ).map((r) => [r.cart_id, r.value_minor]);
      expect(await folds()).toEqual([
        ['H', '5188146770729811968'],
        ['X', '15000000000000000'],
      ]);
      // when it migrates, then both carts are folded again at the next read and saturate
      expect(await store.warehouse.migrate()).toEqual(['3_refold_large_values']);
      expect(await abandonedValue(store.warehouse)).toEqual([{ currency: 'EUR', value_minor: MAX, carts: 2 }]);
      expect(await folds()).toEqual([
        ['H', String(MAX)],
        ['X', String(MAX)],
      ]);
    } finally {
      await store.cleanup();
    }
  }, 120_000);
});
