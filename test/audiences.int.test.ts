import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { abandonedCartAudience, decodeCursor, type AudienceQuery } from '../projections/audiences.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { serveApp } from './support/app.ts';
import { cart, messages } from './support/cartEvents.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const AS_OF = Date.parse('2026-09-01T00:00:00.000Z');
/** `before(40)`: 40 days before AS_OF, minus one abandon_after, i.e. the last activity of a cart abandoned 40 days before AS_OF. */
const before = (days: number) => new Date(AS_OF - days * DAY - DAY).toISOString();
const abandonedAt = (days: number) => new Date(AS_OF - days * DAY).toISOString();

/**
 * Given carts abandoned 10, 30 (exactly at the edge of a 30-day lookback), 40 and 100 days before AS_OF,
 * and a customer whose cart was abandoned 90 days before but who ordered (in another cart) 60 days
 * before: the lookback keeps exactly the carts abandoned after AS_OF − lookback.
 */
function shop() {
  return messages(
    cart('c10', { customer: 'u10' }).add(before(10)),
    cart('c30', { customer: 'u30' }).add(before(30)),
    cart('c40', { customer: 'u40' }).add(before(40)),
    cart('c100', { customer: 'u100' }).add(before(100)),
    cart('c90', { customer: 'u90' }).add(before(90)),
    cart('c90-bought', { customer: 'u90' })
      .add(abandonedAt(60))
      .order(new Date(AS_OF - 60 * DAY + HOUR).toISOString()),
  );
}

const stores = {
  duckdb: tempDuckDb,
  clickhouse: () => tempClickHouse('audience'),
};

describe.each(Object.entries(stores))('audience lookback on %s', (_engine, open) => {
  let store: { warehouse: Warehouse; cleanup(): Promise<void> };
  const q: AudienceQuery = { as_of: AS_OF, abandon_ms: DAY, lookback_ms: 30 * DAY, stage: 'any', min_value_minor: 0, consent: 'any', limit: 100, cursor: null };
  const ids = async (over: Partial<AudienceQuery>) =>
    (await abandonedCartAudience(store.warehouse, { ...q, ...over })).json.carts.map((c) => [c.cart_id, c.abandoned_at]);

  beforeAll(async () => {
    store = await open();
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(shop());
    await pipeline.close();
  });
  afterAll(() => store.cleanup());

  it('returns only the carts abandoned within the lookback, the edge left out', async () => {
    expect(await ids({ lookback_ms: 30 * DAY })).toEqual([['c10', abandonedAt(10)]]);
    expect(await ids({ lookback_ms: 31 * DAY })).toEqual([
      ['c30', abandonedAt(30)],
      ['c10', abandonedAt(10)],
    ]);
    const all = [
      ['c100', abandonedAt(100)],
      ['c40', abandonedAt(40)],
      ['c30', abandonedAt(30)],
      ['c10', abandonedAt(10)],
    ];
    // c90 is left out at any lookback: its customer ordered 60 days before AS_OF, after c90's last activity.
    expect(await ids({ lookback_ms: 120 * DAY })).toEqual(all);
    expect(await ids({ lookback_ms: 400 * DAY })).toEqual(all);
    // As of 70 days earlier, c90 was abandoned and its customer had not ordered yet.
    expect(await ids({ as_of: AS_OF - 70 * DAY, lookback_ms: 45 * DAY })).toEqual([
      ['c100', abandonedAt(100)],
      ['c90', abandonedAt(90)],
    ]);
  });

  it('counts and values only the lookback’s carts', async () => {
    const { json } = await abandonedCartAudience(store.warehouse, { ...q, lookback_ms: 41 * DAY });
    expect([json.lookback_days, json.audience]).toEqual([41, { carts: 3, value_by_currency: [{ currency: 'EUR', carts: 3, value_minor: 3000 }] }]);
  });

  it('pages within the lookback with a cursor, and a later call returns only what is new', async () => {
    const page1 = (await abandonedCartAudience(store.warehouse, { ...q, lookback_ms: 120 * DAY, limit: 2 })).json;
    expect([page1.carts.map((c) => c.cart_id), page1.has_more, page1.audience.carts]).toEqual([['c100', 'c40'], true, 4]);
    const page2 = (await abandonedCartAudience(store.warehouse, { ...q, lookback_ms: 120 * DAY, limit: 2, cursor: decodeCursor(page1.next_cursor) })).json;
    expect([page2.carts.map((c) => c.cart_id), page2.has_more]).toEqual([['c30', 'c10'], true]);
    const page3 = (await abandonedCartAudience(store.warehouse, { ...q, lookback_ms: 120 * DAY, limit: 2, cursor: decodeCursor(page2.next_cursor) })).json;
    expect([page3.carts.map((c) => c.cart_id), page3.has_more]).toEqual([[], false]);
    const later = (await abandonedCartAudience(store.warehouse, { ...q, as_of: AS_OF + DAY, cursor: decodeCursor(page3.next_cursor) })).json;
    expect(later.carts).toEqual([]);
  });
});

describe('GET /v1/audiences/abandoned-carts?lookback_days', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let app: Awaited<ReturnType<typeof serveApp>>;
  beforeAll(async () => {
    store = await tempDuckDb();
    app = await serveApp(store.warehouse);
    await app.pipeline.ingest(shop());
  });
  afterAll(async () => {
    await app.stop();
    await store.cleanup();
  });
  const get = (query: string) => fetch(`${app.url}/v1/audiences/abandoned-carts?as_of=${new Date(AS_OF).toISOString()}&consent=any&${query}`);

  it('looks back 30 days by default, and as far as asked', async () => {
    const byDefault = (await (await get('')).json()) as { lookback_days: number; carts: { cart_id: string }[] };
    expect([byDefault.lookback_days, byDefault.carts.map((c) => c.cart_id)]).toEqual([30, ['c10']]);
    const csv = await (await get('lookback_days=120&format=csv')).text();
    expect(
      csv
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    ).toEqual(['c100', 'c40', 'c30', 'c10']);
  });

  it.each(['0', '401', '7.5', 'week'])('refuses lookback_days=%s with a 400 naming it', async (value) => {
    const res = await get(`lookback_days=${value}`);
    const problem = (await res.json()) as { code: string; errors: { in: string; field: string; message: string }[] };
    expect([res.status, problem.code, problem.errors[0]!.in, problem.errors[0]!.field]).toEqual([400, 'invalid_request', 'query', 'lookback_days']);
  });
});
