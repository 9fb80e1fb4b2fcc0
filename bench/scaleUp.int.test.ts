import { afterEach, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { query } from '../sql/loader.ts';
import { AS_OF, DAY, shopEvents } from '../test/fixtures/shop.ts';
import { tempDuckDb } from '../test/support/tempStore.ts';
import { scaleUpDuckDb } from './scaleUp.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

// The copy's rows as comparable text: ids without the copy's suffix, times moved forward again.
const ROWS = (shiftDays: number) => `
  SELECT type, regexp_replace(cart_id, '-x[0-9]+$', '') AS cart, customer_id,
         regexp_replace(anonymous_id, '-x[0-9]+$', '') AS anonymous, regexp_replace(order_id, '-x[0-9]+$', '') AS order_id,
         strftime(occurred_at + to_days(CAST(coalesce(TRY_CAST(regexp_extract(cart_id, '-x([0-9]+)$', 1) AS INTEGER), 0) * ${shiftDays} AS INTEGER)),
                  '%Y-%m-%dT%H:%M:%S.%gZ') AS at,
         quantity, total_minor
  FROM events`;
const COUNTS = `
  SELECT count(*)::INT AS events, count(DISTINCT event_id)::INT AS ids, count(DISTINCT cart_id)::INT AS carts,
         count(DISTINCT session_id)::INT AS sessions, count(DISTINCT order_id)::INT AS orders,
         count(DISTINCT customer_id)::INT AS customers
  FROM events`;

describe('the bench store copies (bench/copies.sql)', () => {
  it('makes each copy with fresh event, cart, anonymous, session and order ids, the same customers, and times moved back 30·k days, oldest copy first', async () => {
    // given: the hand-made shop (29 events of 10 carts, anonymous carts and orders among them) in a source store
    const source = await shopStore();
    const original = await source.warehouse.all(ROWS(0));
    const [src] = await source.warehouse.all(COUNTS);
    expect(src).toMatchObject({ events: 29, carts: 10, sessions: 10 });
    expect(src!.orders).toBeGreaterThan(0);
    const { models } = await answers(source.warehouse);
    await source.warehouse.close();
    const target = await emptyStore();

    // when: 3 copies, copy k moved back 30·k days
    await scaleUpDuckDb(source.path, target, 3, 30);

    // then: exactly 3 × the rows, every event id and cart id new per copy, the customers the same
    const store = await openStore(target);
    const [counts] = await store.all(COUNTS);
    const n = (k: string) => src![k] as number;
    expect(counts).toEqual({ events: 87, ids: 87, carts: 30, sessions: 3 * n('sessions'), orders: 3 * n('orders'), customers: n('customers') });
    // each copy is the source event for event, once its suffix is dropped and its time moved forward again
    expect((await store.all(ROWS(30))).sort(byText)).toEqual([...original, ...original, ...original].sort(byText));
    const [span] = await store.all(`SELECT (max(occurred_at) - min(occurred_at) > INTERVAL 60 DAY) AS spread FROM events`);
    expect(span!.spread).toBe(true);
    // laid out oldest copy first, each copy in one run of rows: the store is in time order, as one ingested over those months
    const runs = await store.all(`
      SELECT coalesce(TRY_CAST(regexp_extract(cart_id, '-x([0-9]+)$', 1) AS INTEGER), 0) AS copy, min(rowid)::INT AS first, max(rowid)::INT AS last
      FROM events GROUP BY copy ORDER BY first`);
    expect(runs).toEqual([
      { copy: 2, first: 0, last: 28 },
      { copy: 1, first: 29, last: 57 },
      { copy: 0, first: 58, last: 86 },
    ]);
    // the payload says what the columns say
    const [mismatches] = await store.all(`
      SELECT count(*)::INT AS n FROM events
      WHERE json_extract_string(payload, '$.event_id') <> CAST(event_id AS VARCHAR) OR json_extract_string(payload, '$.cart_id') <> cart_id
         OR json_extract_string(payload, '$.occurred_at') <> strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ')
         OR json_extract_string(payload, '$.anonymous_id') IS DISTINCT FROM anonymous_id OR json_extract_string(payload, '$.session_id') IS DISTINCT FROM session_id
         OR json_extract_string(payload, '$.order_id') IS DISTINCT FROM order_id OR json_extract_string(payload, '$.customer_id') IS DISTINCT FROM customer_id`);
    expect(mismatches!.n).toBe(0);
    // and, its ids and time aside, each copy's payload is its source event's, key for key
    const [payloads] = await store.all(`
      WITH p AS (
        SELECT regexp_replace(cart_id, '-x[0-9]+$', '') AS cart, sequence, type, occurred_at + to_days(CAST(coalesce(TRY_CAST(regexp_extract(cart_id, '-x([0-9]+)$', 1) AS INTEGER), 0) * 30 AS INTEGER)) AS t,
               CAST(json_merge_patch(payload, '{"event_id":null,"occurred_at":null,"cart_id":null,"anonymous_id":null,"session_id":null,"order_id":null}') AS VARCHAR) AS rest
        FROM events)
      SELECT count(DISTINCT rest)::INT AS distinct_rests, count(*)::INT AS n, (SELECT count(*)::INT FROM (SELECT DISTINCT cart, sequence, type, t, rest FROM p)) AS groups FROM p`);
    expect(payloads).toEqual({ distinct_rests: expect.any(Number), n: 87, groups: 29 });
    // the read models fold from them as from any store, by the warehouse's own rebuild: one fold per cart
    expect(await store.rebuildReadModels()).toEqual({ carts: 30, lines: 3 * models.lines });
  });

  it('builds the same store, row for row and payload for payload, from the same source', async () => {
    // given: the hand-made shop in a source store
    const source = await shopStore();
    await source.warehouse.close();
    const [first, second] = [await emptyStore(), await emptyStore()];

    // when: the same 2 copies, 30 days apart, twice
    await scaleUpDuckDb(source.path, first, 2, 30);
    await scaleUpDuckDb(source.path, second, 2, 30);

    // then: the same rows in the same order, ids, times and payload texts included
    const everything = `SELECT CAST(event_id AS VARCHAR) AS id, cart_id, session_id, order_id, CAST(occurred_at AS VARCHAR) AS at, CAST(payload AS VARCHAR) AS payload FROM events ORDER BY rowid`;
    const rows = [await (await openStore(first)).all(everything), await (await openStore(second)).all(everything)];
    expect(rows[0]).toHaveLength(58);
    expect(rows[1]).toEqual(rows[0]);
  });

  it('gives, with k copies over the same days, exactly k times the answers of the source store', async () => {
    // given: the hand-made shop in a source store, its read models kept by the writer
    const source = await shopStore();
    const expected = await answers(source.warehouse);
    await source.warehouse.close();
    const target = await emptyStore();

    // when: 4 copies in the same days, then the read models rebuilt by the warehouse
    await scaleUpDuckDb(source.path, target, 4, 0);
    const store = await openStore(target);
    const rebuilt = await store.rebuildReadModels();

    // then: 4 times the carts and lines, and every count and amount of every funnel 4 times the source's
    expect(rebuilt).toEqual({ carts: 4 * expected.models.carts, lines: 4 * expected.models.lines });
    expect(await answers(store)).toEqual(times(4, expected));
    // and the events lie in time order by day, as a store ingested over those days (a day's range reads
    // about a day of rows): no event is on an earlier day than the one stored before it
    const [order] = await store.all(`
      SELECT CAST(count(*) AS INTEGER) AS events, CAST(count(*) FILTER (WHERE day < previous) AS INTEGER) AS back_in_time
      FROM (SELECT date_trunc('day', occurred_at) AS day, lag(date_trunc('day', occurred_at)) OVER (ORDER BY rowid) AS previous FROM events)`);
    expect(order).toEqual({ events: 4 * 29, back_in_time: 0 });
    // and within a day copy by copy, each copy's events of the day in one run of rows (interleaved copies
    // made events.cart_id's dictionary blocks hold every copy's carts: a cart's events read 1.4–1.7× slower)
    const [runs] = await store.all(`
      SELECT CAST(count(*) AS INTEGER) AS runs, CAST(count(DISTINCT (day, copy)) AS INTEGER) AS day_copies
      FROM (
        SELECT day, copy, copy IS DISTINCT FROM lag(copy) OVER (ORDER BY rowid) OR day IS DISTINCT FROM lag(day) OVER (ORDER BY rowid) AS starts
        FROM (SELECT rowid, date_trunc('day', occurred_at) AS day, coalesce(TRY_CAST(regexp_extract(cart_id, '-x([0-9]+)$', 1) AS INTEGER), 0) AS copy FROM events)
      ) WHERE starts`);
    expect(runs!.runs).toBe(runs!.day_copies);
  });
});

/**
 * The hand-made shop (29 events of 10 carts) ingested by the pipeline into a store of its own, open. Its
 * events get a session id per cart (the fixture has none), so that the copies' session ids are checked too.
 */
async function shopStore(): Promise<{ warehouse: DuckDbWarehouse; path: string }> {
  const source = await tempDuckDb();
  cleanups.push(source.cleanup);
  const pipeline = new IngestPipeline(source.warehouse);
  const events = shopEvents().map((e) => ({ ...e, session_id: `session-${e.cart_id}` }));
  await pipeline.ingest(events.map((e) => ({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: AS_OF })));
  await pipeline.close();
  return source;
}

/** A migrated, empty store's path, closed for scaleUpDuckDb to open. */
async function emptyStore(): Promise<string> {
  const target = await tempDuckDb();
  cleanups.push(target.cleanup);
  await target.warehouse.close();
  return target.path;
}

async function openStore(path: string): Promise<DuckDbWarehouse> {
  const store = await DuckDbWarehouse.open(path);
  cleanups.push(() => store.close());
  return store;
}

/** What the funnels answer over the whole shop as of AS_OF: abandonment by channel, removal by product, quantity by category. */
async function answers(w: DuckDbWarehouse): Promise<{ models: { carts: number; lines: number }; funnels: Record<string, unknown>[][] }> {
  const window = { as_of_ms: AS_OF, abandon_ms: DAY, from_ms: 0, to_ms: AS_OF };
  const funnels = [
    await w.query('abandonment', { ...window, breakdown: 'channel', tz: 'UTC' }),
    await w.query('removal', { ...window, group: 'product', breakdown: 'none', item: '', tz: 'UTC' }),
    await w.query('quantity', { ...window, group: 'category' }),
  ];
  const [counts] = await w.all(query('duckdb', 'read_model_counts'));
  return { models: { carts: Number(counts!.carts), lines: Number(counts!.lines) }, funnels };
}

/** Every count and amount multiplied by k; keys, names, currencies and medians (of k times the same values) as they are. */
function times(k: number, a: Awaited<ReturnType<typeof answers>>): Awaited<ReturnType<typeof answers>> {
  const scale = (v: unknown) =>
    typeof v === 'number' ? v * k : typeof v === 'bigint' ? v * BigInt(k) : typeof v === 'string' && /^-?\d+$/.test(v) ? String(BigInt(v) * BigInt(k)) : v;
  return {
    models: { carts: k * a.models.carts, lines: k * a.models.lines },
    funnels: a.funnels.map((rows) =>
      rows.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([c, v]) => [c, ['key', 'name', 'category', 'currency'].includes(c) || c.startsWith('median_') ? v : scale(v)]),
        ),
      ),
    ),
  };
}

function byText(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = JSON.stringify(Object.values(a));
  const kb = JSON.stringify(Object.values(b));
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
