/**
 * Cart snapshots → events on both engines (ingest/snapshots/): a recorded sequence of snapshots gives
 * exactly the events the shop would have sent, and the same funnels as those events sent directly; the
 * same snapshot twice changes nothing; a late snapshot re-derives its span and ends equal to in-order
 * arrival. ClickHouse is chdb in this process, or the server CLICKHOUSE_URL names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/contract/events.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { InboundMessage } from '../ingest/pipeline/message.ts';
import { SnapshotIngest } from '../ingest/snapshots/ingest.ts';
import { parseShopify, shopifySnapshot } from '../ingest/snapshots/shopify.ts';
import { CartSnapshot } from '../ingest/snapshots/snapshot.ts';
import { abandonmentFunnel, quantityFunnel, removalFunnel, type AnalysisWindow } from '../projections/analyses.ts';
import { cartEvents } from '../projections/carts.ts';
import type { DerivedRetractor, NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { AS_OF, DAY, shopCarts, T0 } from './fixtures/shop.ts';
import { shopSnapshots } from './fixtures/snapshots.ts';
import { CART_TOKEN, CART_UPDATES, CHECKOUT, MUG, ORDER, SHIRT, shopifyBody } from './fixtures/shopify.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

type Store = Warehouse & NamedWriter & DerivedRetractor;
const ENGINES: [string, () => Promise<{ warehouse: Store; cleanup: () => Promise<void> }>][] = [
  ['DuckDB', tempDuckDb],
  ['ClickHouse', () => tempClickHouse('snap')],
];
const CARTS = ['A', 'B', 'C', 'D'] as const;
const WINDOW: AnalysisWindow = { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: DAY };

/** A store, its pipeline and its snapshot ingest. */
async function open(make: () => Promise<{ warehouse: Store; cleanup: () => Promise<void> }>) {
  const { warehouse, cleanup } = await make();
  const pipeline = new IngestPipeline(warehouse);
  const snapshots = new SnapshotIngest(warehouse, pipeline);
  const send = (list: readonly CartSnapshot[]) =>
    snapshots.ingest(
      list.map((s) => CartSnapshot.parse(s)),
      'test',
      T0,
    );
  return {
    warehouse,
    pipeline,
    send,
    close: async () => {
      await pipeline.close();
      await cleanup();
    },
  };
}

/** What a cart's stored events say, without their ids: the fields a funnel or a replay reads. */
async function history(w: Warehouse, cartId: string) {
  return (await cartEvents(w, cartId, AS_OF)).map(({ event_id: _id, ...e }) => e);
}

async function funnels(w: Warehouse) {
  return {
    abandonment: await abandonmentFunnel(w, WINDOW, 'none'),
    removal: await removalFunnel(w, WINDOW, { group: 'product', min_adds: 0, limit: 50 }),
    quantity: await quantityFunnel(w, WINDOW, { group: 'product', limit: 50 }),
  };
}

describe.each(ENGINES)('cart snapshots on %s', (_engine, make) => {
  let fromSnapshots: Awaited<ReturnType<typeof open>>;
  let direct: Awaited<ReturnType<typeof open>>;

  beforeAll(async () => {
    fromSnapshots = await open(make);
    direct = await open(make);
    // Given carts A–D sent once as snapshots, and once as the events the shop would have sent.
    const sent = await fromSnapshots.send(CARTS.flatMap((c) => shopSnapshots()[c]));
    expect(sent).toEqual({ accepted: 16, duplicates: 0, events_derived: 16, events_retracted: 0 });
    const events: CartEvent[] = CARTS.flatMap((c) => shopCarts()[c]!.events);
    const messages: InboundMessage[] = events.map((e) => ({
      raw: new Uint8Array(),
      parsed: { json: e, text: JSON.stringify(e) },
      source: 'test',
      sourceRef: null,
      receivedAtMs: T0,
    }));
    expect((await direct.pipeline.ingest(messages)).accepted).toBe(16);
  }, 120_000);
  afterAll(async () => {
    await fromSnapshots?.close();
    await direct?.close();
  });

  it('derives exactly the events the shop would have sent', async () => {
    for (const c of CARTS) expect(await history(fromSnapshots.warehouse, c), `cart ${c}`).toEqual(await history(direct.warehouse, c));
    expect((await cartEvents(fromSnapshots.warehouse, 'B', AS_OF)).map((e) => `${e.type} ${e.product_id ?? ''}`)).toEqual([
      'cart.item_added P3',
      'cart.item_removed P3',
      'cart.item_added P1',
      'cart.item_added P3',
    ]);
  });

  it('gives the same abandonment, removal and quantity funnels as the events sent directly', async () => {
    const got = await funnels(fromSnapshots.warehouse);
    expect(got).toEqual(await funnels(direct.warehouse));
    // Worked in docs/metrics.md for these carts: A and D ordered, B abandoned at cart, C at checkout.
    expect(got.abandonment.json).toMatchObject({ conversion_rate: 0.5, abandoned: { carts: 2, at_cart: 1, at_checkout: 1 } });
  });

  it('changes nothing when the same snapshots are sent again', async () => {
    const before = await funnels(fromSnapshots.warehouse);
    const again = await fromSnapshots.send([...shopSnapshots().A, ...shopSnapshots().B]);
    expect(again).toEqual({ accepted: 0, duplicates: 9, events_derived: 0, events_retracted: 0 });
    expect(await funnels(fromSnapshots.warehouse)).toEqual(before);
    expect((await fromSnapshots.warehouse.stats()).events_stored).toBe(16);
  });

  it("turns recorded Shopify webhooks into the cart's history", async () => {
    const hooks: [string, object][] = [
      ...CART_UPDATES.map((p): [string, object] => ['carts/update', p]),
      ['checkouts/create', CHECKOUT],
      ['orders/create', ORDER],
    ];
    const mapped = hooks.map(([topic, p], i) => shopifySnapshot(topic, parseShopify(shopifyBody(p)), { currency: null, webhookId: `w${i + 1}` }));
    expect(await fromSnapshots.send(mapped)).toEqual({ accepted: 6, duplicates: 0, events_derived: 6, events_retracted: 0 });
    const events = await cartEvents(fromSnapshots.warehouse, CART_TOKEN, AS_OF);
    expect(events.map((e) => [e.type, e.product_id, e.quantity ?? e.to_quantity, e.unit_price_minor, e.customer_id])).toEqual([
      ['cart.item_added', SHIRT, 1, 1999, null],
      ['cart.item_added', MUG, 1, 850, null],
      ['cart.item_quantity_changed', MUG, 3, 850, null],
      ['cart.item_removed', SHIRT, 1, 1999, null],
      ['cart.checkout_started', null, null, null, '6073849283'],
      ['order.placed', null, null, null, '6073849283'],
    ]);
    expect(events.at(-1)).toMatchObject({ order_id: '820982911946154508', total_minor: 2550 });
  });

  it("forgets a customer's snapshots with their events: a later snapshot of the cart cannot derive them again", async () => {
    // Run last on this store: cust-3's cart D goes.
    expect((await fromSnapshots.warehouse.forgetCustomer('cust-3')).events_deleted).toBe(5);
    expect(await fromSnapshots.warehouse.query('cart_snapshots_of', { cart_id: 'D' })).toEqual([]);
    const [, , , , d5] = shopSnapshots().D;
    // An anonymous snapshot of the same cart afterwards: diffed from nothing, not from the forgotten ones.
    const after = await fromSnapshots.send([{ ...d5!, snapshot_id: 'D-after', customer_id: null, anonymous_id: 'anon-1' }]);
    expect(after).toEqual({ accepted: 1, duplicates: 0, events_derived: 2, events_retracted: 0 });
    expect((await cartEvents(fromSnapshots.warehouse, 'D', AS_OF)).map((e) => e.customer_id)).toEqual([null, null]);
  });

  it('re-derives the span of a late snapshot: the result equals in-order arrival', async () => {
    const late = await open(make);
    try {
      const [a1, a2, a3, a4, a5] = shopSnapshots().A;
      // Given A's snapshots without the one of 10:05: P2 seems added 2 at 10:10.
      expect(await late.send([a1!, a3!, a4!, a5!])).toEqual({ accepted: 4, duplicates: 0, events_derived: 4, events_retracted: 0 });
      expect((await cartEvents(late.warehouse, 'A', AS_OF)).map((e) => `${e.type} ${e.product_id ?? ''} ${e.quantity ?? ''}`)).toEqual([
        'cart.item_added P1 1',
        'cart.item_added P2 2',
        'cart.checkout_started  ',
        'order.placed  ',
      ]);
      // When 10:05 arrives late: P2 added 4 at 10:05, changed 4 → 2 at 10:10; "added 2 at 10:10" is taken back.
      expect(await late.send([a2!])).toEqual({ accepted: 1, duplicates: 0, events_derived: 2, events_retracted: 1 });
      // Then the cart's events, ids included, are those of in-order arrival, and its funnels too.
      const ids = async (w: Warehouse) => (await cartEvents(w, 'A', AS_OF)).map((e) => e.event_id);
      expect(await ids(late.warehouse)).toEqual(await ids(fromSnapshots.warehouse));
      expect(await history(late.warehouse, 'A')).toEqual(await history(direct.warehouse, 'A'));
      expect((await late.warehouse.stats()).events_stored).toBe(5);
      // The read models kept through the retraction are those a rebuild from the events gives.
      const kept = await funnels(late.warehouse);
      await late.warehouse.rebuildReadModels();
      expect(await funnels(late.warehouse)).toEqual(kept);
      const inOrder = await open(make);
      try {
        await inOrder.send(shopSnapshots().A);
        expect(await funnels(late.warehouse)).toEqual(await funnels(inOrder.warehouse));
      } finally {
        await inOrder.close();
      }
    } finally {
      await late.close();
    }
  }, 120_000);
});
