import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { abandonmentFunnel, quantityFunnel, removalFunnel } from '../projections/analyses.ts';
import { abandonedCartAudience, decodeCursor } from '../projections/audiences.ts';
import { cartAsOf, cartTimeline } from '../projections/carts.ts';
import type { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { AS_OF, at, DAY, HOUR, iso, shopEvents, T0 } from './fixtures/shop.ts';
import { tempDuckDb } from './support/tempStore.ts';

const W = { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: 24 * HOUR };
let store: Awaited<ReturnType<typeof tempDuckDb>>;
let warehouse: DuckDbWarehouse;

beforeAll(async () => {
  store = await tempDuckDb();
  warehouse = store.warehouse;
  const pipeline = new IngestPipeline(warehouse);
  const events = shopEvents();
  // Given the shop's events, sent in two requests, the second resending three of the first.
  const messages = events.map((e) => {
    const text = JSON.stringify(e);
    return { raw: Buffer.from(text), source: 'test', sourceRef: null, receivedAtMs: AS_OF };
  });
  await pipeline.ingest(messages.slice(0, 20));
  await pipeline.ingest([...messages.slice(17)]);
  await pipeline.close();
});
afterAll(() => store.cleanup());

describe('abandonment funnel', () => {
  it('counts carts started → checkout → ordered and what became of the rest, as of AS_OF', async () => {
    const { json } = await abandonmentFunnel(warehouse, W, 'none');
    expect(json).toMatchObject({
      as_of: '2026-03-10T00:00:00.000Z',
      from: '2026-03-02T00:00:00.000Z',
      to: '2026-03-10T00:00:00.000Z',
      abandon_after_seconds: 86400,
      funnel: [
        { step: 'started', carts: 10, rate_from_previous: null, rate_from_first: 1 },
        { step: 'checkout_started', carts: 4, rate_from_previous: 0.4, rate_from_first: 0.4 },
        { step: 'ordered', carts: 3, rate_from_previous: 0.75, rate_from_first: 0.3 },
      ],
      conversion_rate: 0.3,
      abandonment_rate: 0.5,
      abandoned: {
        carts: 5,
        at_cart: 4,
        at_checkout: 1,
        value_by_currency: [
          { currency: 'CHF', value_minor: 3316, carts: 1 },
          { currency: 'EUR', value_minor: 15598 + 4990 + 1497 + 2599, carts: 4 },
        ],
      },
      open: 1,
      emptied: 1,
      recovered: 1,
      anomalies: 2,
    });
  });

  it('breaks down by the cart’s channel, campaign and start day', async () => {
    const byChannel = (await abandonmentFunnel(warehouse, W, 'channel')).json.breakdown_values!;
    expect(byChannel.map((b) => [b.value, b.funnel.map((s) => s.carts)])).toEqual([
      ['app', [2, 1, 1]],
      ['marketplace', [1, 0, 0]],
      ['store', [1, 0, 0]],
      ['web', [6, 3, 2]],
    ]);
    const byCampaign = (await abandonmentFunnel(warehouse, W, 'campaign')).json.breakdown_values!;
    expect(byCampaign.map((b) => [b.value, b.funnel[0]!.carts, b.abandoned.carts])).toEqual([
      ['(none)', 8, 4],
      ['newsletter', 1, 1],
      ['spring', 1, 0],
    ]);
    const byDay = (await abandonmentFunnel(warehouse, W, 'day')).json.breakdown_values!;
    expect(byDay.map((b) => [b.value, b.funnel[0]!.carts])).toEqual([
      ['2026-03-02', 2],
      ['2026-03-03', 2],
      ['2026-03-04', 1],
      ['2026-03-05', 1],
      ['2026-03-06', 1],
      ['2026-03-08', 1],
      ['2026-03-09', 2],
    ]);
  });

  it('answers as the data stood at an earlier as_of, and selects carts by start time in [from, to)', async () => {
    // On day 0 at 23:00, B had been idle for 10.5 h: open, not yet abandoned; A had converted.
    const early = (await abandonmentFunnel(warehouse, { ...W, as_of: at(0, '23:00') }, 'none')).json;
    expect(early).toMatchObject({ funnel: [{ carts: 2 }, { carts: 1 }, { carts: 1 }], abandoned: { carts: 0 }, open: 1 });
    // Day 1 only: C and D started then; D had not converted by the end of day 3.
    const day1 = (await abandonmentFunnel(warehouse, { from: at(1, '00:00'), to: at(2, '00:00'), as_of: at(4, '00:00'), abandon_ms: 24 * HOUR }, 'none')).json;
    expect(day1).toMatchObject({ funnel: [{ carts: 2 }, { carts: 1 }, { carts: 0 }], abandoned: { carts: 2, at_cart: 1, at_checkout: 1 } });
    // With a 5-day threshold, D's 4-day pause is no abandonment: not recovered.
    const patient = (await abandonmentFunnel(warehouse, { ...W, abandon_ms: 5 * DAY }, 'none')).json;
    expect(patient).toMatchObject({ recovered: 0, abandoned: { carts: 3 }, open: 3 });
  });
});

describe('removal funnel', () => {
  it('follows every cart line first added in range: removed before/after checkout, re-added, kept → purchased/abandoned/open', async () => {
    const { json } = await removalFunnel(warehouse, W, { group: 'product', min_adds: 1, limit: 50 });
    expect(json.totals).toEqual({
      lines_added: 14,
      lines_removed: 4,
      removed_before_checkout: 3,
      removed_after_checkout: 1,
      readded: 1,
      kept: 11,
      kept_purchased: 4,
      kept_abandoned: 6,
      kept_open: 1,
      units_added: 1 + 4 + 2 + 1 + 1 + 10 + 1 + 1 + 1 + 1 + 1 + 2 + 1 + 1 + 1,
      units_removed: 2 + 1 + 1 + 1,
      removal_rate: 4 / 14,
      median_seconds_to_removal: 330,
    });
    expect(
      (
        (json as { products: unknown }).products as {
          key: string;
          lines_added: number;
          lines_removed: number;
          readded: number;
          median_seconds_to_removal: number | null;
        }[]
      ).map((p) => [p.key, p.lines_added, p.lines_removed, p.readded, p.median_seconds_to_removal]),
    ).toEqual([
      ['P4', 1, 1, 0, 4 * 86400 + 15 * 60],
      ['P3', 2, 1, 1, 600],
      ['P1', 5, 1, 0, 5],
      ['P2', 5, 1, 0, 60],
      ['P5', 1, 0, 0, null],
    ]);
  });

  it('by day of the first add: every line in range once, and one product’s lines with item', async () => {
    const day = (json: unknown) =>
      (json as { days: { day: string; lines_added: number; lines_removed: number }[] }).days.map((d) => [d.day, d.lines_added, d.lines_removed]);
    const all = await removalFunnel(warehouse, W, { group: 'product', min_adds: 1, limit: 50, breakdown: 'day' });
    expect(day(all.json)).toEqual([
      ['2026-03-02', 4, 1],
      ['2026-03-03', 2, 1],
      ['2026-03-04', 2, 1],
      ['2026-03-05', 1, 0],
      ['2026-03-06', 1, 1],
      ['2026-03-07', 1, 0],
      ['2026-03-08', 1, 0],
      ['2026-03-09', 2, 0],
    ]);
    expect(all.json.totals).toMatchObject({ lines_added: 14, lines_removed: 4 });
    const drill = await removalFunnel(warehouse, W, { group: 'product', min_adds: 1, limit: 50, breakdown: 'day', item: 'P2' });
    expect(day(drill.json)).toEqual([
      ['2026-03-02', 1, 0],
      ['2026-03-03', 1, 0],
      ['2026-03-04', 1, 0],
      ['2026-03-06', 1, 1],
      ['2026-03-09', 1, 0],
    ]);
    expect(drill.json.totals).toMatchObject({ lines_added: 5, lines_removed: 1, removal_rate: 0.2 });
    const fasteners = await removalFunnel(warehouse, W, { group: 'category', min_adds: 1, limit: 50, breakdown: 'day', item: 'fasteners' });
    expect(fasteners.json.totals).toEqual(drill.json.totals);
  });

  it('groups by category and leaves out groups with fewer than min_adds lines', async () => {
    const { json } = await removalFunnel(warehouse, W, { group: 'category', min_adds: 3, limit: 50 });
    expect(((json as { categories: unknown }).categories as { key: string; removal_rate: number }[]).map((c) => [c.key, c.removal_rate])).toEqual([
      ['fasteners', 0.2],
      ['power-tools', 0.2],
    ]);
  });
});

describe('quantity funnel', () => {
  it('sorts lines by net quantity change and shows what each group buys', async () => {
    const { json } = await quantityFunnel(warehouse, W, { group: 'product', limit: 50 });
    expect(json.totals).toEqual({
      increased: { lines: 1, units_delta: 1, purchased: 0, purchase_rate: 0 },
      decreased: { lines: 2, units_delta: -3, purchased: 1, purchase_rate: 0.5 },
      unchanged: { lines: 8, units_delta: 0, purchased: 3, purchase_rate: 0.375 },
      removed: { lines: 3, units_delta: -3, purchased: 0, purchase_rate: 0 },
    });
    const p2 = ((json as { products: unknown }).products as { key: string }[]).find((p) => p.key === 'P2');
    expect(p2).toMatchObject({
      lines: 5,
      increased: { lines: 1, units_delta: 1 },
      decreased: { lines: 1, units_delta: -2, purchased: 1 },
      unchanged: { lines: 2, purchased: 1 },
      removed: { lines: 1, units_delta: -1 },
    });
  });
});

describe('cart time travel', () => {
  it('shows a cart as it stood at any time', async () => {
    const d1 = await cartAsOf(warehouse, 'D', at(1, '09:00'), 24 * HOUR);
    expect(d1).toMatchObject({ status: 'open', value_minor: 1599, lines: [{ product_id: 'P4', quantity: 1, unit_price_minor: 1599, value_minor: 1599 }] });
    const d3 = await cartAsOf(warehouse, 'D', at(3, '00:00'), 24 * HOUR);
    expect(d3).toMatchObject({ status: 'abandoned', stage: 'cart', value_minor: 1599 });
    const d6 = await cartAsOf(warehouse, 'D', AS_OF, 24 * HOUR);
    expect(d6).toMatchObject({
      status: 'converted',
      stage: null,
      items: 1,
      value_minor: 12999,
      started_at: iso(at(1, '08:00')),
      checkout_started_at: iso(at(5, '08:10')),
      ordered_at: iso(at(5, '08:20')),
      customer_id: 'cust-3',
      events: 5,
      anomalies: 0,
    });
    expect(await cartAsOf(warehouse, 'D', at(1, '07:59'), 24 * HOUR)).toBeNull();
  });

  it('replays a sequenced cart that arrived in reverse order, with same-millisecond events, in sequence order', async () => {
    const story = (await cartTimeline(warehouse, 'G', AS_OF, 24 * HOUR))!;
    expect(
      story.timeline.map((e) => [e.position, e.type, e.sequence, e.after.value_minor, e.after.lines.map((l) => `${l.product_id}x${l.quantity}`).join(',')]),
    ).toEqual([
      [1, 'cart.item_added', 0, 12999, 'P1x1'],
      [2, 'cart.item_added', 1, 12999 + 998, 'P1x1,P2x2'],
      [3, 'cart.item_quantity_changed', 2, 12999 + 1497, 'P1x1,P2x3'],
      [4, 'cart.item_removed', 3, 1497, 'P2x3'],
    ]);
    expect(story.cart).toMatchObject({ status: 'abandoned', stage: 'cart', value_minor: 1497, anonymous_id: 'anon-7', customer_id: null });
  });

  it('applies events that do not fit as far as it can and counts them as anomalies', async () => {
    const story = (await cartTimeline(warehouse, 'H', AS_OF, 24 * HOUR))!;
    expect(story.timeline.map((e) => e.anomaly)).toEqual([false, true, true]);
    expect(story.cart).toMatchObject({ anomalies: 2, value_minor: 2599, lines: [{ product_id: 'P3', quantity: 1 }] });
  });
});

describe('abandoned-cart audience', () => {
  const base = {
    as_of: AS_OF,
    abandon_ms: 24 * HOUR,
    lookback_ms: 30 * DAY,
    stage: 'any' as const,
    min_value_minor: 0,
    consent: 'required' as const,
    limit: 100,
    cursor: null,
  };

  it('lists abandoned carts with consent, leaving out customers who ordered since', async () => {
    const { json } = await abandonedCartAudience(warehouse, base);
    // B: customer 2 ordered (cart F) after B's last activity. C: no consent. H: consent false.
    expect(json.carts.map((c) => [c.cart_id, c.stage, c.value_minor, c.currency, c.abandoned_at])).toEqual([
      ['G', 'cart', 1497, 'EUR', iso(at(3, '10:00:05.000'))],
      ['E', 'cart', 3316, 'CHF', iso(at(7, '10:00'))],
    ]);
    expect(json.audience).toEqual({
      carts: 2,
      value_by_currency: [
        { currency: 'CHF', carts: 1, value_minor: 3316 },
        { currency: 'EUR', carts: 1, value_minor: 1497 },
      ],
    });
    expect(json.carts[0]!.lines).toEqual([
      { product_id: 'P2', product_name: 'Wood Screws', category: 'fasteners', quantity: 3, unit_price_minor: 499, value_minor: 1497 },
    ]);
    const any = (await abandonedCartAudience(warehouse, { ...base, consent: 'any' })).json;
    expect(any.carts.map((c) => c.cart_id)).toEqual(['C', 'G', 'H', 'E']);
    const checkout = (await abandonedCartAudience(warehouse, { ...base, consent: 'any', stage: 'checkout' })).json;
    expect(checkout.carts.map((c) => c.cart_id)).toEqual(['C']);
    const valuable = (await abandonedCartAudience(warehouse, { ...base, consent: 'any', min_value_minor: 2599 })).json;
    expect(valuable.carts.map((c) => c.cart_id)).toEqual(['C', 'H', 'E']);
  });

  it('pages with a cursor and later returns only carts abandoned since the last call', async () => {
    const page1 = (await abandonedCartAudience(warehouse, { ...base, limit: 1 })).json;
    expect([page1.carts.map((c) => c.cart_id), page1.has_more]).toEqual([['G'], true]);
    const page2 = (await abandonedCartAudience(warehouse, { ...base, limit: 1, cursor: decodeCursor(page1.next_cursor) })).json;
    expect([page2.carts.map((c) => c.cart_id), page2.has_more, page2.audience.carts]).toEqual([['E'], true, 1]);
    const page3 = (await abandonedCartAudience(warehouse, { ...base, limit: 1, cursor: decodeCursor(page2.next_cursor) })).json;
    expect([page3.carts.map((c) => c.cart_id), page3.has_more]).toEqual([[], false]);
    // A day later, cart I (idle since day 7 23:30) has become abandoned: only it is new.
    const later = (await abandonedCartAudience(warehouse, { ...base, as_of: AS_OF + DAY, cursor: decodeCursor(page3.next_cursor) })).json;
    expect(later.carts.map((c) => c.cart_id)).toEqual(['I']);
  });
});
