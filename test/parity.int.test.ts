/**
 * DuckDB and ClickHouse give the same answers, field by field: the same events loaded into both, every
 * read endpoint's projection compared as JSON at several as_of instants, and each cart's state and lines
 * compared row by row. ClickHouse is chdb in this process, or the server CLICKHOUSE_URL names.
 * Both stores are opened with checkRows (test/support/): every row either dialect returns for a named query
 * is parsed strictly against its declaration in sql/catalogue/ (an undeclared column, a NULL or a type the
 * declaration does not allow fails the answer), however large the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CartEvent } from '../ingest/contract/events.ts';
import type { InboundMessage } from '../ingest/pipeline/message.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { abandonmentFunnel, quantityFunnel, removalFunnel, type AnalysisWindow } from '../projections/analyses.ts';
import { abandonedCartAudience, decodeCursor, type AudienceQuery } from '../projections/audiences.ts';
import { cartAsOf, cartTimeline } from '../projections/carts.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { AS_OF, at, DAY, HOUR, shopEvents, T0 } from './fixtures/shop.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';
import { disturbedTraffic, messagesOf } from './support/traffic.ts';

const SIM_START = Date.parse('2026-05-04T00:00:00.000Z');
const SIM_DAYS = 14;

interface Dataset {
  events: () => CartEvent[];
  /** Instants to compare at, and the range of carts (by start) each answer covers. */
  instants: { as_of: number; from: number; to: number; abandon_ms: number }[];
  audienceLimit: number;
  minEvents: number;
}

const datasets: Record<string, Dataset> = {
  'the hand-made shop': {
    events: shopEvents,
    instants: [
      { as_of: AS_OF, from: T0, to: AS_OF, abandon_ms: 24 * HOUR },
      { as_of: at(0, '23:00'), from: T0, to: at(0, '23:00'), abandon_ms: 24 * HOUR },
      { as_of: at(4, '00:00'), from: at(1, '00:00'), to: at(2, '00:00'), abandon_ms: 24 * HOUR },
      { as_of: AS_OF + DAY, from: T0, to: AS_OF, abandon_ms: 5 * DAY },
    ],
    audienceLimit: 2,
    minEvents: 29,
  },
  'a simulated fortnight (≥100,000 disturbed events)': {
    events: () => disturbedTraffic({ seed: 'parity-ch', startMs: SIM_START, days: SIM_DAYS, cartsPerDay: 1_400 }),
    instants: [
      { as_of: SIM_START + 6 * DAY + 13 * HOUR + 17_321, from: SIM_START, to: SIM_START + 6 * DAY, abandon_ms: 24 * HOUR },
      { as_of: SIM_START + 10 * DAY, from: SIM_START + 3 * DAY, to: SIM_START + 10 * DAY, abandon_ms: 6 * HOUR },
      { as_of: SIM_START + SIM_DAYS * DAY + DAY, from: SIM_START, to: SIM_START + SIM_DAYS * DAY, abandon_ms: 24 * HOUR },
    ],
    audienceLimit: 1_200,
    minEvents: 100_000,
  },
};

describe.each(Object.entries(datasets))('DuckDB = ClickHouse on %s', (_name, dataset) => {
  let duck: Awaited<ReturnType<typeof tempDuckDb>>;
  let ch: Awaited<ReturnType<typeof tempClickHouse>>;
  let cartIds: string[];

  beforeAll(async () => {
    const events = dataset.events();
    expect(events.length).toBeGreaterThanOrEqual(dataset.minEvents);
    const messages = messagesOf(events, SIM_START);
    cartIds = [...new Set(events.map((e) => e.cart_id))].sort();
    [duck, ch] = await Promise.all([tempDuckDb(), tempClickHouse('parity')]);
    // Given the same events: in clean batches into DuckDB; into ClickHouse cut differently, every batch
    // overlapping the previous one and a stretch of them delivered twice, as an at-least-once transport may.
    await Promise.all([
      ingest(duck.warehouse, batches(messages, 5_000, 0)),
      ingest(ch.warehouse, [...batches(messages, 3_000, 250), ...batches(messages.slice(0, Math.floor(messages.length / 3)), 1_700, 0)]),
    ]);
  }, 240_000);
  afterAll(async () => {
    await Promise.all([duck?.cleanup(), ch?.cleanup()]);
  });

  it('stores the same events, once each', async () => {
    const [d, c] = await Promise.all([duck.warehouse.stats(), ch.warehouse.stats()]);
    expect(c).toEqual(d);
  });

  // A limit against a hang, not a timing check: the machines running the suite are shared, and each
  // ClickHouse read of the cart model first looks for carts to fold (one more query).
  it('gives every endpoint the same answer at every instant', { timeout: 240_000 }, async () => {
    for (const instant of dataset.instants) {
      const [d, c] = await Promise.all([
        answers(duck.warehouse, instant, dataset.audienceLimit, sample(cartIds)),
        answers(ch.warehouse, instant, dataset.audienceLimit, sample(cartIds)),
      ]);
      expect(Object.keys(c)).toEqual(Object.keys(d));
      for (const key of Object.keys(d)) expect({ as_of: instant.as_of, key, answer: c[key] }).toEqual({ as_of: instant.as_of, key, answer: d[key] });
    }
  });

  it('gives every cart the same state and every line the same numbers, row by row', { timeout: 240_000 }, async () => {
    for (const { as_of, abandon_ms } of dataset.instants) {
      const [dCarts, cCarts] = await Promise.all([
        duck.warehouse.all(`SELECT ${CART_COLUMNS} FROM cart_state_asof(${as_of}, ${abandon_ms}) ORDER BY cart_id`),
        ch.warehouse.rows(`SELECT ${CART_COLUMNS} FROM cart_state_asof(as_of_ms = {as_of:Int64}, abandon_ms = {abandon:Int64}) ORDER BY cart_id`, {
          as_of,
          abandon: abandon_ms,
        }),
      ]);
      expect(cCarts.length).toBeGreaterThan(0);
      expectSameRows(cCarts, dCarts);
      const [dLines, cLines] = await Promise.all([
        duck.warehouse.all(`SELECT ${LINE_COLUMNS} FROM cart_lines_asof(${as_of}) ORDER BY cart_id, product_id`),
        ch.warehouse.rows(`SELECT ${LINE_COLUMNS} FROM cart_lines_asof(as_of_ms = {as_of:Int64}) ORDER BY cart_id, product_id`, { as_of }),
      ]);
      expectSameRows(cLines, dLines);
    }
  });

  it('exports the same NDJSON bytes for every range, [from, to) by occurred_at', { timeout: 240_000 }, async () => {
    const ends = dataset.instants.map((i) => i.as_of);
    const last = Math.max(...ends);
    // The whole span (several slices of an export on the fortnight), a day, an hour, and empty.
    const ranges = [
      { fromMs: Date.parse('2000-01-01T00:00:00Z'), toMs: last + 30 * DAY },
      { fromMs: ends[0]! - DAY, toMs: ends[0]! },
      { fromMs: ends[0]! - HOUR, toMs: ends[0]! },
      { fromMs: Date.parse('2001-01-01T00:00:00Z'), toMs: Date.parse('2001-01-02T00:00:00Z') },
    ];
    for (const range of ranges) {
      const [d, c] = await Promise.all([ndjson(duck.warehouse, range), ndjson(ch.warehouse, range)]);
      expect({ range, rows: c.rows, bytes: c.bytes.length }).toEqual({ range, rows: d.rows, bytes: d.bytes.length });
      expect(c.bytes.equals(d.bytes)).toBe(true);
      expect(d.bytes.length === 0 || d.bytes.toString('utf8').split('\n').length - 1 === d.rows).toBe(true);
    }
  });
});

async function ndjson(warehouse: Warehouse, range: { fromMs: number; toMs: number }): Promise<{ rows: number; bytes: Buffer }> {
  const ex = await warehouse.exportEvents(range, 'ndjson', { maxRows: 10_000_000 });
  const parts: Buffer[] = [];
  for await (const part of ex.stream) parts.push(Buffer.from(part as Uint8Array));
  return { rows: ex.rows, bytes: Buffer.concat(parts) };
}

const CART_COLUMNS = `cart_id, started_at, last_activity_at, checkout_started_at, ordered_at, channel, campaign, currency,
  customer_id, anonymous_id, consent_marketing, anomalies, events, items, units, value_minor, recovered, status, stage, abandoned_at`;
const LINE_COLUMNS = `cart_id, product_id, quantity, unit_price_minor, product_name, category, first_added_at, first_added_quantity,
  first_added_ord, first_removed_at, first_removed_ord, removals, units_removed, units_added, last_added_ord`;

/** Engines spell 64-bit integers as strings or numbers; the values are what must agree. */
function normalise(row: Record<string, unknown>) {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'cart_id' && k !== 'product_id' ? Number(v) : v]),
  );
}

/** Row by row; on a difference, shows the first differing row (thousands of expect() calls are slow). */
function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]) {
  expect(actual.length).toBe(expected.length);
  const i = actual.findIndex((row, n) => JSON.stringify(normalise(row)) !== JSON.stringify(normalise(expected[n]!)));
  if (i >= 0) expect({ row: i, ...normalise(actual[i]!) }).toEqual({ row: i, ...normalise(expected[i]!) });
}

function batches(messages: readonly InboundMessage[], size: number, overlap: number): InboundMessage[][] {
  const out: InboundMessage[][] = [];
  for (let i = 0; i < messages.length; i += size) out.push(messages.slice(Math.max(0, i - overlap), i + size));
  return out;
}

async function ingest(warehouse: Warehouse, list: InboundMessage[][]): Promise<void> {
  const pipeline = new IngestPipeline(warehouse);
  for (const b of list) await pipeline.ingest(b);
  await pipeline.close();
}

/** A spread of carts: every n-th of the sorted ids, about 15 of them. */
function sample(ids: readonly string[]): string[] {
  const step = Math.max(1, Math.floor(ids.length / 15));
  return ids.filter((_, i) => i % step === 0);
}

/** Every read endpoint's projection, keyed by what was asked. */
async function answers(w: Warehouse, instant: Dataset['instants'][number], audienceLimit: number, carts: string[]) {
  const win: AnalysisWindow = instant;
  const out: Record<string, unknown> = {};
  for (const b of ['none', 'channel', 'campaign', 'day'] as const) out[`abandonment ${b}`] = await abandonmentFunnel(w, win, b);
  for (const group of ['product', 'category'] as const) {
    out[`removal ${group}`] = await removalFunnel(w, win, { group, min_adds: 1, limit: 10_000 });
    out[`quantity ${group}`] = await quantityFunnel(w, win, { group, limit: 10_000 });
  }
  // Per day: every line (products), and one category's lines (the day key and the item filter).
  out['removal by day'] = await removalFunnel(w, win, { group: 'product', min_adds: 1, limit: 10_000, breakdown: 'day' });
  const top = (out['removal category'] as { table: { rows: Record<string, unknown>[] } }).table.rows[0]?.category;
  if (typeof top === 'string')
    out[`removal category ${top} by day`] = await removalFunnel(w, win, { group: 'category', min_adds: 1, limit: 10_000, breakdown: 'day', item: top });
  // The audience in pages, following next_cursor to the end, then what is new a day later.
  const q: AudienceQuery = {
    as_of: instant.as_of,
    abandon_ms: instant.abandon_ms,
    lookback_ms: 30 * DAY,
    stage: 'any',
    min_value_minor: 0,
    consent: 'required',
    limit: audienceLimit,
    cursor: null,
  };
  for (let page = 0; ; page++) {
    const answer = await abandonedCartAudience(w, q);
    out[`audience page ${page}`] = answer;
    if (!answer.json.has_more) {
      out['audience a day later'] = await abandonedCartAudience(w, { ...q, as_of: q.as_of + DAY, cursor: decodeCursor(answer.json.next_cursor) });
      break;
    }
    q.cursor = decodeCursor(answer.json.next_cursor);
  }
  out['audience without consent'] = await abandonedCartAudience(w, { ...q, consent: 'any', limit: 100_000, cursor: null });
  out['audience at checkout, worth 50.00 or more'] = await abandonedCartAudience(w, {
    ...q,
    stage: 'checkout',
    min_value_minor: 5_000,
    consent: 'any',
    limit: 100_000,
    cursor: null,
  });
  // A lookback shorter than the history: only the carts abandoned in the last 2 days.
  out['audience abandoned within 2 days'] = await abandonedCartAudience(w, { ...q, lookback_ms: 2 * DAY, consent: 'any', limit: 100_000, cursor: null });
  for (const id of carts) {
    out[`cart ${id}`] = await cartAsOf(w, id, instant.as_of, instant.abandon_ms);
    out[`cart ${id} timeline`] = await cartTimeline(w, id, instant.as_of, instant.abandon_ms);
  }
  return out;
}
