import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { backfill } from '../../ingest/simulator/feed.ts';
import { DEFAULT_SIMULATION, Simulation } from '../../ingest/simulator/simulation.ts';
import { ingressSink } from '../../ingest/simulator/sinks.ts';
import type { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { covers, EXCLUSION_SHIFT, type FunnelDefinition } from './definition.ts';
import { funnelReport } from './funnels.ts';
import { FunnelMatcher } from './matcher.ts';
import { buildStream, textColumn } from './stream.ts';
import { summarize, summarizeByValue } from './summary.ts';

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
  events = await warehouse.all(`
    SELECT cart_id, customer_id, type, product_id, category, channel, campaign_name, currency,
      CAST(sequence AS DOUBLE) AS sequence, CAST(epoch_ms(occurred_at) AS DOUBLE) AS t, CAST(rowid AS DOUBLE) AS rid
    FROM events`);
});
afterAll(async () => {
  await store?.cleanup();
});

/** The funnel computed from every stored event, filtered and ordered here. */
function reference(d: FunnelDefinition) {
  const key = d.entity === 'cart' ? 'cart_id' : 'customer_id';
  const visible = events.filter((e) => (e.t as number) <= d.asOfMs && e[key] !== null);
  const unsequenced = new Set(visible.filter((e) => e.sequence === null).map((e) => e.cart_id));
  const ids = [...new Set(visible.map((e) => e[key] as string))];
  const index = new Map(ids.map((id, i) => [id, i]));
  const startBits = d.order === 'unordered' ? (1 << d.steps.length) - 1 : 1;
  const rows = visible.flatMap((e) => {
    const ev = { type: e.type as string, product_id: (e.product_id as string | null) ?? undefined, category: (e.category as string | null) ?? undefined };
    let bits = 0;
    d.steps.forEach((s, k) => (bits |= covers(s, ev) ? 1 << k : 0));
    d.exclusions.forEach((x, n) => (bits |= covers(x, ev) ? 1 << (EXCLUSION_SHIFT + n) : 0));
    if (bits === 0 && d.order !== 'strict') return [];
    const value = { channel: e.channel, campaign: e.campaign_name, currency: e.currency }[d.breakdown ?? 'channel'] as string | null;
    const seq = d.entity === 'cart' && !unsequenced.has(e.cart_id) ? (e.sequence as number) : -1;
    return [{ k: index.get(e[key] as string)!, seq, t: e.t as number, bits, rid: e.rid as number, breakdown: d.breakdown ? value : null }];
  });
  const stream = buildStream({
    rows: rows.length,
    entity: Float64Array.from(rows.map((r) => r.k)),
    seq: Float64Array.from(rows.map((r) => r.seq)),
    t: Float64Array.from(rows.map((r) => r.t)),
    bits: Float64Array.from(rows.map((r) => r.bits)),
    rid: Float64Array.from(rows.map((r) => r.rid)),
    breakdown: textColumn(rows.map((r) => r.breakdown)),
  }, startBits);
  const outcomes = new FunnelMatcher(stream, {
    order: d.order, steps: d.steps.length, windowMs: d.windowMs, startFromMs: d.fromMs, startToMs: d.toMs,
    exclusions: d.exclusions.map((x) => ({ from: x.between[0], to: x.between[1] })),
    breakdown: d.breakdown !== undefined,
  }).matchAll();
  return { steps: summarize(d, outcomes), spoiled: outcomes.spoiled, breakdown: d.breakdown ? summarizeByValue(d, outcomes) : undefined };
}

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
    const want = reference(d);
    expect(report.steps[0]!.count).toBeGreaterThan(50);
    if (d.exclusions.length > 0) expect(report.spoiled).toBeGreaterThan(0);
    expect({ steps: report.steps, spoiled: report.spoiled, breakdown: report.breakdown }).toEqual(want);
  });
});
