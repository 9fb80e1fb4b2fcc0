import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import type { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';
import { cart, messages, type ToyCart } from '../../test/support/cartEvents.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import type { FunnelDefinition } from './definition.ts';
import { funnelReport } from './funnels.ts';

const ADD = 'cart.item_added';
const CHECKOUT = 'cart.checkout_started';
const ORDER = 'order.placed';
const REMOVE = 'cart.item_removed';
const DAY_MS = 86_400_000;

const funnel = (d: Partial<FunnelDefinition> = {}): FunnelDefinition => ({
  steps: [{ type: ADD }, { type: CHECKOUT }, { type: ORDER }],
  windowMs: 14 * DAY_MS,
  order: 'ordered',
  exclusions: [],
  entity: 'cart',
  fromMs: Date.parse('2026-03-01T00:00:00Z'),
  toMs: Date.parse('2026-03-08T00:00:00Z'),
  asOfMs: Date.parse('2026-04-01T00:00:00Z'),
  ...d,
});

describe('funnelReport on DuckDB', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let warehouse: DuckDbWarehouse;
  let pipeline: IngestPipeline;
  const load = async (...carts: ToyCart[]) => {
    const result = await pipeline.ingest(messages(...carts));
    expect(result.rejected).toEqual([]);
  };

  beforeEach(async () => {
    store = await tempDuckDb();
    warehouse = store.warehouse;
    pipeline = new IngestPipeline(warehouse);
  });
  afterEach(async () => {
    await pipeline.close();
    await store.cleanup();
  });

  it('counts carts per step with conversion rates and times between steps', async () => {
    // given three carts: one orders, one stops at checkout, one only adds
    await load(
      cart('c1').add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:30:00Z').order('2026-03-02T10:31:00Z'),
      cart('c2').add('2026-03-03T10:00:00Z').add('2026-03-03T10:05:00Z').checkout('2026-03-03T11:05:00Z'),
      cart('c3').add('2026-03-04T10:00:00Z'),
    );
    // when the funnel runs
    const report = await funnelReport(warehouse, funnel());
    // then
    expect(report).toMatchObject({
      as_of: '2026-04-01T00:00:00.000Z',
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-08T00:00:00.000Z',
      entity: 'cart',
      order: 'ordered',
      window_seconds: 1_209_600,
      spoiled: 0,
      breakdown_by: null,
      notes: [],
    });
    expect(report.steps).toEqual([
      {
        index: 0,
        name: ADD,
        type: ADD,
        product_id: null,
        category: null,
        count: 3,
        conversion_from_previous: null,
        conversion_from_first: 1,
        median_seconds_from_previous: null,
        average_seconds_from_previous: null,
      },
      {
        index: 1,
        name: CHECKOUT,
        type: CHECKOUT,
        product_id: null,
        category: null,
        count: 2,
        conversion_from_previous: 0.666667,
        conversion_from_first: 0.666667,
        median_seconds_from_previous: 2700,
        average_seconds_from_previous: 2700,
      },
      {
        index: 2,
        name: ORDER,
        type: ORDER,
        product_id: null,
        category: null,
        count: 1,
        conversion_from_previous: 0.5,
        conversion_from_first: 0.333333,
        median_seconds_from_previous: 60,
        average_seconds_from_previous: 60,
      },
    ]);
  });

  it('answers as of an instant: later events do not exist yet', async () => {
    await load(cart('c1').add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:30:00Z').order('2026-03-05T00:00:00Z'));
    const before = await funnelReport(warehouse, funnel({ asOfMs: Date.parse('2026-03-04T00:00:00Z') }));
    expect(before.steps.map((s) => s.count)).toEqual([1, 1, 0]);
    const exactly = await funnelReport(warehouse, funnel({ asOfMs: Date.parse('2026-03-05T00:00:00Z') }));
    expect(exactly.steps.map((s) => s.count)).toEqual([1, 1, 1]);
  });

  it('bounds the first step by from/to only: a cart converting after `to` counts', async () => {
    await load(
      cart('in').add('2026-03-07T23:00:00Z').checkout('2026-03-09T00:00:00Z').order('2026-03-10T00:00:00Z'),
      cart('atTo').add('2026-03-08T00:00:00Z').checkout('2026-03-08T01:00:00Z'),
      cart('before').add('2026-02-28T23:59:59.999Z').checkout('2026-03-01T01:00:00Z'),
      cart('atFrom').add('2026-03-01T00:00:00Z'),
    );
    const report = await funnelReport(warehouse, funnel());
    expect(report.steps.map((s) => s.count)).toEqual([2, 1, 1]);
  });

  it('filters steps by product and category, and lets no event be two steps', async () => {
    // given "added anything, then added something from the garden"
    const steps = [{ type: ADD }, { type: ADD, category: 'garden' }, { type: ADD, product_id: 'P9' }];
    await load(
      cart('one').add('2026-03-02T10:00:00Z', { category: 'garden', product: 'P9' }),
      cart('two').add('2026-03-02T10:00:00Z', { category: 'paint' }).add('2026-03-02T10:01:00Z', { category: 'garden' }),
      cart('three')
        .add('2026-03-02T10:00:00Z', { category: 'paint' })
        .add('2026-03-02T10:01:00Z', { category: 'garden', product: 'P9' })
        .add('2026-03-02T10:02:00Z', { category: 'paint', product: 'P9' }),
    );
    const report = await funnelReport(warehouse, funnel({ steps }));
    expect(report.steps.map((s) => [s.name, s.count])).toEqual([
      [ADD, 3],
      [`${ADD} (category garden)`, 2],
      [`${ADD} (product P9)`, 1],
    ]);
  });

  it('orders a cart by its sequence, or by its clock when an event lacks one', async () => {
    // given carts whose checkout service runs 2 s behind: by sequence it follows the add
    await load(
      cart('sequenced').add('2026-03-02T10:00:02Z').checkout('2026-03-02T10:00:00Z'),
      cart('clock', { sequenced: false }).add('2026-03-02T10:00:02Z').checkout('2026-03-02T10:00:00Z'),
    );
    const report = await funnelReport(warehouse, funnel({ steps: [{ type: ADD }, { type: CHECKOUT }] }));
    expect(report.steps.map((s) => s.count)).toEqual([2, 1]);
    expect(report.steps[1]!.median_seconds_from_previous).toBe(-2);
  });

  it('strict funnels see every event of the cart', async () => {
    await load(
      cart('straight').add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:10:00Z').order('2026-03-02T10:20:00Z'),
      cart('fiddled').add('2026-03-02T10:00:00Z').change('2026-03-02T10:05:00Z').checkout('2026-03-02T10:10:00Z').order('2026-03-02T10:20:00Z'),
    );
    const strict = await funnelReport(warehouse, funnel({ order: 'strict' }));
    expect(strict.steps.map((s) => s.count)).toEqual([2, 1, 1]);
    const ordered = await funnelReport(warehouse, funnel());
    expect(ordered.steps.map((s) => s.count)).toEqual([2, 2, 2]);
  });

  it('unordered funnels count different steps done in any order', async () => {
    await load(
      cart('reversed').checkout('2026-03-02T10:00:00Z').add('2026-03-02T10:01:00Z').order('2026-03-02T10:02:00Z'),
      cart('two').checkout('2026-03-02T10:00:00Z').add('2026-03-02T10:01:00Z'),
    );
    const report = await funnelReport(warehouse, funnel({ order: 'unordered' }));
    expect(report.steps.map((s) => [s.name, s.count, s.type])).toEqual([
      ['completed 1 of 3 steps', 2, null],
      ['completed 2 of 3 steps', 2, null],
      ['completed 3 of 3 steps', 1, null],
    ]);
  });

  it('spoils attempts with an exclusion between the steps, and counts spoiled carts apart', async () => {
    await load(
      cart('removed').add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:10:00Z').remove('2026-03-02T10:15:00Z').order('2026-03-02T10:20:00Z'),
      cart('clean').add('2026-03-02T10:00:00Z').remove('2026-03-02T10:05:00Z').checkout('2026-03-02T10:10:00Z').order('2026-03-02T10:20:00Z'),
    );
    const report = await funnelReport(warehouse, funnel({ exclusions: [{ type: REMOVE, between: [1, 2] }] }));
    expect(report.steps.map((s) => s.count)).toEqual([1, 1, 1]);
    expect(report.spoiled).toBe(1);
    expect(report.exclusions).toEqual([{ type: REMOVE, product_id: null, category: null, between: [1, 2] }]);
  });

  it('follows a customer across carts, leaving out events without a customer', async () => {
    await load(
      cart('c1', { customer: 'u1' }).add('2026-03-02T10:00:00Z'),
      cart('c2', { customer: 'u1' }).add('2026-03-03T10:00:00Z').checkout('2026-03-03T10:10:00Z'),
      cart('c3', { customer: 'u2' }).add('2026-03-02T10:00:00Z'),
      cart('c4', { customer: 'u2' }).order('2026-03-03T10:00:00Z'),
      cart('anon', { customer: null }).add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:01:00Z').order('2026-03-02T10:02:00Z'),
    );
    const customers = await funnelReport(warehouse, funnel({ entity: 'customer', steps: [{ type: ADD }, { type: ORDER }] }));
    expect(customers.steps.map((s) => s.count)).toEqual([2, 1]);
    expect(customers.steps[1]!.median_seconds_from_previous).toBe(86_400);
    expect(customers.notes).toEqual(['entity customer: events without a customer_id (anonymous carts) are not counted']);
    const carts = await funnelReport(warehouse, funnel({ steps: [{ type: ADD }, { type: ORDER }] }));
    expect(carts.steps.map((s) => s.count)).toEqual([4, 1]);
  });

  it('breaks down by the value on the first event of each counted attempt', async () => {
    await load(
      cart('w1', { channel: 'web', campaign: 'spring' }).add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:10:00Z'),
      cart('w2', { channel: 'web' }).add('2026-03-02T10:00:00Z'),
      cart('a1', { channel: 'app', campaign: 'spring' }).add('2026-03-02T10:00:00Z').checkout('2026-03-02T10:20:00Z').order('2026-03-02T10:30:00Z'),
    );
    const byChannel = await funnelReport(warehouse, funnel({ breakdown: 'channel' }));
    expect(byChannel.breakdown_by).toBe('channel');
    expect(byChannel.breakdown!.map((b) => [b.value, b.steps.map((s) => s.count)])).toEqual([
      ['web', [2, 1, 0]],
      ['app', [1, 1, 1]],
    ]);
    const byCampaign = await funnelReport(warehouse, funnel({ breakdown: 'campaign' }));
    expect(byCampaign.breakdown!.map((b) => [b.value, b.steps.map((s) => s.count)])).toEqual([
      ['spring', [2, 2, 1]],
      ['(none)', [1, 0, 0]],
    ]);
    expect(byCampaign.breakdown![0]!.steps[1]!.median_seconds_from_previous).toBe(900);
  });

  it('sums up breakdown values beyond the largest 25 as (other)', async () => {
    // given one cart per campaign, two for campaign-00
    const carts = Array.from({ length: 30 }, (_, i) => cart(`c${i}`, { campaign: `campaign-${String(i).padStart(2, '0')}` }).add('2026-03-02T10:00:00Z'));
    await load(...carts, cart('extra', { campaign: 'campaign-00' }).add('2026-03-02T10:00:00Z'));
    const report = await funnelReport(warehouse, funnel({ breakdown: 'campaign' }));
    expect(report.breakdown).toHaveLength(26);
    expect(report.breakdown![0]).toMatchObject({ value: 'campaign-00', steps: [{ count: 2 }, { count: 0 }, { count: 0 }] });
    expect(report.breakdown![25]).toMatchObject({ value: '(other)', steps: [{ count: 5 }, { count: 0 }, { count: 0 }] });
    expect(report.breakdown!.slice(20, 25).map((b) => b.value)).toEqual(['campaign-20', 'campaign-21', 'campaign-22', 'campaign-23', 'campaign-24']);
  });

  it('answers zeros when nothing entered', async () => {
    const report = await funnelReport(warehouse, funnel());
    expect(report.steps.map((s) => [s.count, s.conversion_from_previous, s.conversion_from_first, s.median_seconds_from_previous])).toEqual([
      [0, null, null, null],
      [0, null, null, null],
      [0, null, null, null],
    ]);
  });

  it('takes 20 steps and 10 exclusions', async () => {
    // given a cart adding 20 times, one removing in between, and one removing after its 20th add
    const adds = (c: ToyCart, n: number) => {
      for (let i = 0; i < n; i++) c.add(`2026-03-02T10:00:${String(i).padStart(2, '0')}Z`);
      return c;
    };
    await load(adds(cart('twenty'), 20), adds(cart('removed'), 10).remove('2026-03-02T10:00:30Z'), adds(cart('after'), 20).remove('2026-03-02T10:01:00Z'));
    const exclusions = Array.from({ length: 10 }, (_, k) => ({ type: REMOVE, between: [k, k + 10] as [number, number] }));
    const report = await funnelReport(warehouse, funnel({ steps: Array.from({ length: 20 }, () => ({ type: ADD })), exclusions }));
    expect(report.steps.map((s) => s.count)).toEqual([...new Array(10).fill(2), ...new Array(10).fill(2)]);
    expect(report.spoiled).toBe(1);
  });
});
