/**
 * Custom funnels (POST /v1/funnels) give the same report on DuckDB and ClickHouse: the same events loaded
 * into both, every funnel shape (ordered, strict, unordered; exclusions; product and category filters;
 * cart and customer entity; every breakdown) compared whole. ClickHouse is chdb in this process, or the
 * server CLICKHOUSE_URL names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/contract/events.ts';
import type { InboundMessage } from '../ingest/pipeline/message.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { FunnelDefinition } from '../projections/funnels/definition.ts';
import { funnelReport } from '../projections/funnels/funnels.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { AS_OF, at, DAY, HOUR, shopEvents, T0 } from './fixtures/shop.ts';
import { referenceFunnel, REFERENCE_EVENTS_SQL } from './support/funnelReference.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { disturbedTraffic, messagesOf } from './support/traffic.ts';

const SIM_START = Date.parse('2026-05-04T00:00:00.000Z');
const ADD = 'cart.item_added';
const REMOVE = 'cart.item_removed';
const CHANGE = 'cart.item_quantity_changed';
const CHECKOUT = 'cart.checkout_started';
const ORDER = 'order.placed';

interface Dataset {
  events: () => CartEvent[];
  ranges: { fromMs: number; toMs: number; asOfMs: number }[];
  /** Shapes whose steps this dataset never matches (the simulated traffic has other product ids). */
  empty: string[];
}

const datasets: Record<string, Dataset> = {
  'the hand-made shop': {
    events: shopEvents,
    ranges: [
      { fromMs: T0, toMs: AS_OF, asOfMs: AS_OF },
      { fromMs: T0, toMs: at(0, '23:00'), asOfMs: at(0, '23:00') },
      { fromMs: at(1, '00:00'), toMs: at(2, '00:00'), asOfMs: at(4, '00:00') },
    ],
    empty: [],
  },
  'a simulated week (disturbed traffic)': {
    events: () => disturbedTraffic({ seed: 'parity-funnels', startMs: SIM_START, days: 7, cartsPerDay: 1_400 }),
    ranges: [
      { fromMs: SIM_START, toMs: SIM_START + 7 * DAY, asOfMs: SIM_START + 8 * DAY },
      { fromMs: SIM_START + 2 * DAY, toMs: SIM_START + 4 * DAY, asOfMs: SIM_START + 4 * DAY + 13 * HOUR + 17_321 },
    ],
    empty: ['product and category filters, the same event matching two steps'],
  },
};

/** Every funnel shape, without its range. */
const shapes: Record<string, Omit<FunnelDefinition, 'fromMs' | 'toMs' | 'asOfMs'>> = {
  'ordered add → checkout → order': {
    steps: [{ type: ADD }, { type: CHECKOUT }, { type: ORDER }],
    windowMs: 14 * DAY,
    order: 'ordered',
    exclusions: [],
    entity: 'cart',
  },
  'strict add → checkout → order': {
    steps: [{ type: ADD }, { type: CHECKOUT }, { type: ORDER }],
    windowMs: 14 * DAY,
    order: 'strict',
    exclusions: [],
    entity: 'cart',
  },
  'unordered add, change, checkout': {
    steps: [{ type: ADD }, { type: CHANGE }, { type: CHECKOUT }],
    windowMs: 2 * DAY,
    order: 'unordered',
    exclusions: [],
    entity: 'cart',
  },
  'ordered, a removal between add and checkout spoils, 1 h window': {
    steps: [{ type: ADD }, { type: CHECKOUT }, { type: ORDER }],
    windowMs: HOUR,
    order: 'ordered',
    exclusions: [{ type: REMOVE, between: [0, 1] }],
    entity: 'cart',
  },
  'strict with an exclusion on a product': {
    steps: [{ type: ADD }, { type: CHECKOUT }],
    windowMs: DAY,
    order: 'strict',
    exclusions: [{ type: REMOVE, product_id: 'P2', between: [0, 1] }],
    entity: 'cart',
  },
  'product and category filters, the same event matching two steps': {
    steps: [{ type: ADD, product_id: 'P1' }, { type: ADD, category: 'power-tools' }, { type: ADD }, { type: ORDER }],
    windowMs: 7 * DAY,
    order: 'ordered',
    exclusions: [],
    entity: 'cart',
  },
  'by channel': { steps: [{ type: ADD }, { type: ORDER }], windowMs: 14 * DAY, order: 'ordered', exclusions: [], entity: 'cart', breakdown: 'channel' },
  'by campaign, unordered': {
    steps: [{ type: ADD }, { type: CHECKOUT }],
    windowMs: 14 * DAY,
    order: 'unordered',
    exclusions: [],
    entity: 'cart',
    breakdown: 'campaign',
  },
  'customers, ordered, by currency': {
    steps: [{ type: ADD }, { type: CHECKOUT }, { type: ORDER }],
    windowMs: 3 * DAY,
    order: 'ordered',
    exclusions: [],
    entity: 'customer',
    breakdown: 'currency',
  },
  'customers, strict with an exclusion': {
    steps: [{ type: ADD }, { type: CHECKOUT }, { type: ORDER }],
    windowMs: 14 * DAY,
    order: 'strict',
    exclusions: [{ type: REMOVE, between: [1, 2] }],
    entity: 'customer',
  },
  'customers, unordered, by channel': {
    steps: [{ type: CHECKOUT }, { type: ADD }],
    windowMs: 14 * DAY,
    order: 'unordered',
    exclusions: [],
    entity: 'customer',
    breakdown: 'channel',
  },
};

describe.each(Object.entries(datasets))('custom funnels: DuckDB = ClickHouse on %s', (_name, dataset) => {
  let duck: Awaited<ReturnType<typeof tempDuckDb>>;
  let ch: Awaited<ReturnType<typeof tempClickHouse>>;

  beforeAll(async () => {
    const messages = messagesOf(dataset.events(), SIM_START);
    [duck, ch] = await Promise.all([tempDuckDb(), tempClickHouse('funnels')]);
    // Given the same events, cut into batches differently and partly delivered twice on ClickHouse.
    await Promise.all([
      ingest(duck.warehouse, batches(messages, 5_000)),
      ingest(ch.warehouse, [...batches(messages, 3_000), ...batches(messages.slice(0, Math.floor(messages.length / 3)), 1_700)]),
    ]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([duck?.cleanup(), ch?.cleanup()]);
  });

  it.each(Object.keys(shapes))('%s', async (shape) => {
    for (const range of dataset.ranges) {
      const d: FunnelDefinition = { ...shapes[shape]!, ...range };
      // when the same funnel is asked of both, the reports are equal, and not all empty.
      const [a, b] = await Promise.all([funnelReport(duck.warehouse, d), funnelReport(ch.warehouse, d)]);
      expect(b).toEqual(a);
    }
    const whole = await funnelReport(ch.warehouse, { ...shapes[shape]!, ...dataset.ranges[0]! });
    if (!dataset.empty.includes(shape)) expect(whole.steps[0]!.count).toBeGreaterThan(0);
  });

  it.each(Object.keys(shapes))('columnar, as the row-by-row path answered: %s', async (shape) => {
    // given every stored event, read row by row (the reference builds one JS object per event and sorts)
    const events = await duck.warehouse.all(REFERENCE_EVENTS_SQL);
    for (const range of dataset.ranges) {
      const d: FunnelDefinition = { ...shapes[shape]!, ...range };
      const want = referenceFunnel(events, d);
      for (const warehouse of [duck.warehouse, ch.warehouse]) {
        // when the warehouse answers column by column, then the report is the reference's, to the unit
        const report = await funnelReport(warehouse, d);
        expect({ steps: report.steps, spoiled: report.spoiled, breakdown: report.breakdown }, warehouse.engine).toEqual(want);
      }
    }
  });
});

function batches(messages: readonly InboundMessage[], size: number): InboundMessage[][] {
  const out: InboundMessage[][] = [];
  for (let i = 0; i < messages.length; i += size) out.push(messages.slice(i, i + size));
  return out;
}

async function ingest(warehouse: Warehouse, list: InboundMessage[][]): Promise<void> {
  const pipeline = new IngestPipeline(warehouse);
  for (const b of list) await pipeline.ingest(b);
  await pipeline.close();
}
