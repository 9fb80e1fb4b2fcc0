import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import type { ClickHouseWarehouse } from '../../sql/clickhouse/adapter.ts';
import type { Warehouse } from '../../sql/warehouse.ts';
import { cart, messages, type ToyCart } from '../../test/support/cartEvents.ts';
import { tempClickHouse } from '../../test/support/tempClickHouse.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import type { FunnelDefinition } from './definition.ts';
import { funnelReport } from './funnels.ts';

/**
 * The engines read a cart funnel's events from the entering carts' earliest first event on, not from the
 * start of the store (docs/funnels.md, "Which events are read"): events stamped long before the period
 * still take part where the semantics need them, on both engines.
 */

const DAY = 86_400_000;
/** Added → checkout → order, carts entering March 1–8, as of April 1. */
const [fromMs, toMs, asOfMs] = ['2026-03-01', '2026-03-08', '2026-04-01'].map((d) => Date.parse(`${d}T00:00:00Z`)) as [number, number, number];
const steps = ['cart.item_added', 'cart.checkout_started', 'order.placed'].map((type) => ({ type }));
const funnel: FunnelDefinition = { steps, windowMs: 14 * DAY, order: 'ordered', exclusions: [], entity: 'cart', fromMs, toMs, asOfMs };

/** A sequenced cart whose checkout service stamped its checkout two months early: by sequence it follows the add. */
const lateClock = () => cart('late-clock').add('2026-03-02T10:00:00Z').checkout('2026-01-02T10:05:00Z').order('2026-03-02T10:10:00Z');

/**
 * A cart with one event without a sequence, in January: the whole cart is then ordered by its clock, so its
 * checkout (stamped 2 s before the add) does not follow the add.
 */
function clockOrdered(): ToyCart {
  const c = cart('clock-ordered').change('2026-01-15T09:00:00Z').add('2026-03-03T10:00:02Z').checkout('2026-03-03T10:00:00Z');
  delete c.events[0]!.sequence;
  return c;
}

const counts = async (w: Warehouse) => (await funnelReport(w, funnel)).steps.map((s) => s.count);

describe.each([
  ['DuckDB', async () => tempDuckDb()],
  ['ClickHouse', async () => tempClickHouse('bounds')],
] as const)('a cart funnel on %s', (_engine, open) => {
  let store: Awaited<ReturnType<typeof open>>;
  let pipeline: IngestPipeline;
  beforeEach(async () => {
    store = await open();
    pipeline = new IngestPipeline(store.warehouse);
  });
  afterEach(async () => {
    await pipeline.close();
    await store.cleanup();
  });

  it('takes the events of an entering cart stamped months before the period', async () => {
    // Given a cart whose checkout is stamped in January, one ordered by its clock because of a January
    // event, and a cart of March only
    const result = await pipeline.ingest(messages(lateClock(), clockOrdered(), cart('march').add('2026-03-04T10:00:00Z')));
    expect(result.rejected).toEqual([]);
    // When the funnel of March 1–8 runs
    // Then the first converts (its January checkout counts), the second stops at its add
    expect(await counts(store.warehouse)).toEqual([3, 1, 1]);
  });
});

describe('a cart funnel on ClickHouse without cart_spans', () => {
  let store: Awaited<ReturnType<typeof tempClickHouse>>;
  let warehouse: ClickHouseWarehouse;
  beforeEach(async () => {
    store = await tempClickHouse('bounds');
    warehouse = store.warehouse;
  });
  afterEach(() => store.cleanup());

  it('reads every month for a cart that has no first event kept, with the same answer', async () => {
    // Given the carts above, then the first event of one of them forgotten from cart_spans
    const pipeline = new IngestPipeline(warehouse);
    await pipeline.ingest(messages(lateClock(), clockOrdered(), cart('march').add('2026-03-04T10:00:00Z')));
    await pipeline.close();
    expect(await warehouse.rows('SELECT cart_id, toUnixTimestamp64Milli(min(first_at)) AS first FROM cart_spans GROUP BY cart_id ORDER BY cart_id')).toEqual([
      { cart_id: 'clock-ordered', first: String(Date.parse('2026-01-15T09:00:00Z')) },
      { cart_id: 'late-clock', first: String(Date.parse('2026-01-02T10:05:00Z')) },
      { cart_id: 'march', first: String(Date.parse('2026-03-04T10:00:00Z')) },
    ]);
    await warehouse.client.command({ query: "ALTER TABLE cart_spans DELETE WHERE cart_id = 'late-clock'", clickhouse_settings: { mutations_sync: '2' } });
    // When the funnel runs, then it answers as with every span kept
    expect(await counts(warehouse)).toEqual([3, 1, 1]);
  });
});
