import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { backfill } from '../../ingest/simulator/feed.ts';
import { DEFAULT_SIMULATION, Simulation } from '../../ingest/simulator/simulation.ts';
import { ingressSink } from '../../ingest/simulator/sinks.ts';
import type { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { referenceFunnel, REFERENCE_EVENTS_SQL } from '../../test/support/funnelReference.ts';
import type { FunnelDefinition } from './definition.ts';
import { funnelReport } from './funnels.ts';

/**
 * The warehouse's part (which events, of which entities, in which order) against the same rules applied
 * in TypeScript to every stored event: on simulated traffic, both must give the same answer.
 */

const DAY = 86_400_000;
const START = Date.parse('2026-02-01T00:00:00Z');
const END = START + 4 * DAY;

let store: Awaited<ReturnType<typeof tempDuckDb>>;
let warehouse: DuckDbWarehouse;
let events: Record<string, unknown>[];

beforeAll(async () => {
  store = await tempDuckDb();
  warehouse = store.warehouse;
  const pipeline = new IngestPipeline(warehouse);
  await backfill(new Simulation(START, { ...DEFAULT_SIMULATION, seed: 'funnel-parity', cartsPerDay: 250 }), END, ingressSink(pipeline));
  await pipeline.close();
  events = await warehouse.all(REFERENCE_EVENTS_SQL);
});
afterAll(async () => {
  await store?.cleanup();
});

const base: FunnelDefinition = {
  steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }],
  windowMs: DAY,
  order: 'ordered',
  exclusions: [],
  entity: 'cart',
  fromMs: START + DAY / 2,
  toMs: START + 2 * DAY,
  asOfMs: END - DAY / 3,
};

describe('the warehouse picks the events TypeScript would', () => {
  it.each([
    ['ordered carts', base],
    ['strict carts by channel', { ...base, order: 'strict', breakdown: 'channel' }],
    ['unordered customers by campaign', { ...base, order: 'unordered', entity: 'customer', breakdown: 'campaign' }],
    ['ordered customers, a 2-hour window', { ...base, entity: 'customer', windowMs: 2 * 3_600_000 }],
    [
      'categories and a removal exclusion, by currency',
      {
        ...base,
        steps: [{ type: 'cart.item_added', category: 'garden' }, { type: 'cart.item_added' }, { type: 'cart.checkout_started' }],
        exclusions: [{ type: 'cart.item_removed', between: [1, 2] }],
        breakdown: 'currency',
      },
    ],
    [
      'strict customers with a quantity change spoiling',
      { ...base, order: 'strict', entity: 'customer', exclusions: [{ type: 'cart.item_quantity_changed', between: [0, 2] }] },
    ],
  ] as [string, FunnelDefinition][])('%s', async (_name, d) => {
    const report = await funnelReport(warehouse, d);
    const want = referenceFunnel(events, d);
    expect(report.steps[0]!.count).toBeGreaterThan(50);
    if (d.exclusions.length > 0) expect(report.spoiled).toBeGreaterThan(0);
    expect({ steps: report.steps, spoiled: report.spoiled, breakdown: report.breakdown }).toEqual(want);
  });
});
