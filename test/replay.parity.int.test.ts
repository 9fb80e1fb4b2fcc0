import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/contract/events.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { buildCatalogue } from '../ingest/simulator/catalogue.ts';
import { Rng } from '../ingest/simulator/prng.ts';
import { generateCart } from '../ingest/simulator/shopper.ts';
import { DEFAULT_SIMULATION, Simulation } from '../ingest/simulator/simulation.ts';
import { cartEvents } from '../projections/carts.ts';
import { cartValue, EMPTY_CART, evolve, statusOf, type ReplayEvent } from '../projections/replay.ts';
import { toInt, toIntOrNull } from './support/rows.ts';
import type { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { tempDuckDb } from './support/tempStore.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-05-04T00:00:00.000Z');

function replayEvent(e: CartEvent): ReplayEvent {
  const item = 'item' in e ? e.item : null;
  return {
    event_id: e.event_id,
    type: e.type,
    occurred_at_ms: Date.parse(e.occurred_at),
    sequence: e.sequence ?? null,
    product_id: item?.product_id ?? null,
    unit_price_minor: item?.unit_price_minor ?? null,
    quantity: e.type === 'cart.item_added' || e.type === 'cart.item_removed' ? e.quantity : null,
    from_quantity: e.type === 'cart.item_quantity_changed' ? e.from_quantity : null,
    to_quantity: e.type === 'cart.item_quantity_changed' ? e.to_quantity : null,
  };
}

describe('replay = the simulator’s own cart state', () => {
  it('folds 2,000 simulated carts to exactly the lines the simulator held after every event', () => {
    const rng = new Rng('replay-property');
    const catalogue = buildCatalogue(new Rng('replay-property/catalogue'));
    let checked = 0;
    for (let i = 0; i < 2_000; i++) {
      const story = generateCart({ rng, catalogue, customerPool: 100 }, START + i * 60_000);
      let state = EMPTY_CART;
      story.events.forEach((e, n) => {
        state = evolve(state, replayEvent(e));
        const expected = [...story.states[n]!].map(([p, l]) => [p, l.quantity, l.unit_price_minor]).sort();
        const actual = [...state.lines.values()].map((l) => [l.product_id, l.quantity, l.unit_price_minor]).sort();
        expect(actual).toEqual(expected);
        checked++;
      });
      expect(state.anomalies).toBe(0);
    }
    expect(checked).toBeGreaterThan(8_000);
  });
});

describe('SQL cart model = evolve()', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let warehouse: DuckDbWarehouse;
  const rng = new Rng('parity-perturb');

  beforeAll(async () => {
    store = await tempDuckDb();
    warehouse = store.warehouse;
    // Given three days of simulated traffic, disturbed the ways real producers disturb it.
    const events = [...new Simulation(START, { ...DEFAULT_SIMULATION, seed: 'parity' }).until(START + 3 * DAY)].map((m) =>
      structuredClone(m.body as CartEvent),
    );
    const byCart = new Map<string, CartEvent[]>();
    for (const e of events) byCart.set(e.cart_id, [...(byCart.get(e.cart_id) ?? []), e]);
    const sent: CartEvent[] = [];
    for (const cart of byCart.values()) {
      const r = rng.next();
      let kept = cart;
      if (r < 0.1)
        kept = cart.filter((e) => !(e.type === 'cart.item_added' && rng.chance(0.4))); // lost adds → anomalies
      else if (r < 0.2)
        kept = cart.map(({ sequence: _s, ...e }) => e as CartEvent); // no sequence at all
      else if (r < 0.25)
        kept = cart.map((e, i) => (i % 2 === 1 ? (({ sequence: _s, ...x }) => x as CartEvent)(e) : e)); // mixed
      else if (r < 0.32 && cart.length > 2) {
        // Producer clocks disagree with the aggregate's sequence: time goes backwards along the order.
        const i = rng.int(1, cart.length - 1);
        kept = cart.map((e, n) => (n === i ? { ...e, occurred_at: new Date(Date.parse(cart[0]!.occurred_at) - 60_000).toISOString() } : e));
      } else if (r < 0.36) {
        // Several events in the same millisecond, ordered only by sequence or event_id.
        kept = cart.map((e) => ({ ...e, occurred_at: cart[0]!.occurred_at }));
      }
      sent.push(...kept);
    }
    const pipeline = new IngestPipeline(warehouse);
    // Arrival order differs from emission order.
    for (let i = sent.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [sent[i], sent[j]] = [sent[j]!, sent[i]!];
    }
    for (let i = 0; i < sent.length; i += 2_000) {
      await pipeline.ingest(
        sent.slice(i, i + 2_000).map((e) => ({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: START })),
      );
      // Read in between, so that the materialised replay is refreshed incrementally, cart by cart.
      if (i % 6_000 === 0)
        await warehouse.query('abandonment', { as_of_ms: START + DAY, abandon_ms: DAY, from_ms: START, to_ms: START + DAY, breakdown: 'none', tz: 'UTC' });
    }
    await pipeline.close();
  });
  afterAll(() => store.cleanup());

  it('exercises both the materialised replay and the live fold (carts whose as-of prefixes are not exact)', async () => {
    await warehouse.refreshReplay();
    const [r] = await warehouse.all(
      'SELECT count(DISTINCT cart_id) FILTER (WHERE NOT prefix_safe)::INT AS live, count(DISTINCT cart_id) FILTER (WHERE prefix_safe)::INT AS materialised FROM cart_replay',
    );
    expect(r!.live as number).toBeGreaterThan(20);
    expect(r!.materialised as number).toBeGreaterThan(500);
  });

  it.each([
    ['mid-way through day 1', START + DAY + 13 * 3_600_000 + 17_321],
    ['end of day 2', START + 2 * DAY],
    ['after everything', START + 4 * DAY],
  ])('gives every cart the same lines, value, status and anomalies as evolve() as of %s', async (_label, asOf) => {
    const abandonMs = 6 * 3_600_000;
    const sqlCarts = await warehouse.all(
      `SELECT cart_id, items, units, value_minor, status, stage, started_at, last_activity_at, checkout_started_at, ordered_at, anomalies, events
       FROM cart_state_asof(${asOf}, ${abandonMs}) ORDER BY cart_id`,
    );
    const sqlLines = await warehouse.all(
      `SELECT cart_id, product_id, quantity, unit_price_minor FROM cart_lines_asof(${asOf}) WHERE quantity > 0 ORDER BY cart_id, product_id`,
    );
    const linesByCart = new Map<string, string[]>();
    for (const l of sqlLines)
      linesByCart.set(l.cart_id as string, [...(linesByCart.get(l.cart_id as string) ?? []), `${l.product_id}:${l.quantity}@${l.unit_price_minor}`]);
    const allCarts = (await warehouse.all('SELECT DISTINCT cart_id FROM events ORDER BY cart_id')).map((r) => r.cart_id as string);

    let compared = 0;
    let withAnomalies = 0;
    for (const cartId of allCarts) {
      const events = await cartEvents(warehouse, cartId, asOf);
      const sql = sqlCarts.find((c) => c.cart_id === cartId);
      if (events.length === 0) {
        expect(sql).toBeUndefined();
        continue;
      }
      const state = events.reduce(evolve, EMPTY_CART);
      const { status, stage } = statusOf(state, asOf, abandonMs);
      const lines = [...state.lines.values()].map((l) => `${l.product_id}:${l.quantity}@${l.unit_price_minor}`).sort();
      expect({ cartId, ...pick(sql!) }).toEqual({
        cartId,
        items: state.lines.size,
        units: [...state.lines.values()].reduce((s, l) => s + l.quantity, 0),
        value_minor: cartValue(state),
        status,
        stage,
        started_at: state.started_at,
        last_activity_at: state.last_activity_at,
        checkout_started_at: state.checkout_started_at,
        ordered_at: state.ordered_at,
        anomalies: state.anomalies,
        events: state.events,
      });
      expect([cartId, linesByCart.get(cartId) ?? []]).toEqual([cartId, lines]);
      compared++;
      if (state.anomalies > 0) withAnomalies++;
    }
    expect(compared).toBeGreaterThan(500);
    expect(withAnomalies).toBeGreaterThan(10);
  });
});

function pick(r: Record<string, unknown>) {
  return {
    items: toInt(r.items),
    units: toInt(r.units),
    value_minor: toInt(r.value_minor),
    status: r.status,
    stage: r.stage,
    started_at: toIntOrNull(r.started_at),
    last_activity_at: toIntOrNull(r.last_activity_at),
    checkout_started_at: toIntOrNull(r.checkout_started_at),
    ordered_at: toIntOrNull(r.ordered_at),
    anomalies: toInt(r.anomalies),
    events: toInt(r.events),
  };
}
