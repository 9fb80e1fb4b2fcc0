import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAnnouncements, FIRST_DETECTION } from '../announce/detect.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { upsertProducts } from '../ingest/products.ts';
import { quantityFunnel, removalFunnel, type AnalysisWindow } from '../projections/analyses.ts';
import { abandonedCartAudience } from '../projections/audiences.ts';
import { cartAsOf, cartTimeline } from '../projections/carts.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { cart, messages } from './support/cartEvents.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

const DAY = 86_400_000;
const day = (n: number, hhmm = '10:00') => `2026-05-0${n}T${hhmm}:00.000Z`;
const AS_OF = Date.parse('2026-05-09T00:00:00.000Z');

/**
 * P1 is renamed mid-period: carts A (day 1) and C (day 2) carry its old name and category, cart B (day 3)
 * the new ones; P2's events carry no name. The rule (docs/metrics.md, "Product names"): the product's
 * latest name by occurred_at across all carts as of the answer's as_of, so "Hose 25 m" from day 3 on
 * everywhere, also in cart A, whose own events only ever said "Hose".
 */
function shop() {
  return messages(
    cart('A', { customer: 'u-a' }).add(day(1), { product: 'P1', name: 'Hose', category: 'garden' }).add(day(1, '10:05'), { product: 'P2' }),
    cart('C', { customer: 'u-c' })
      .add(day(2), { product: 'P1', name: 'Hose', category: 'garden' })
      .remove(day(2, '10:05'), { product: 'P1', name: 'Hose', category: 'garden' }),
    cart('B', { customer: 'u-b' })
      .add(day(3), { product: 'P1', name: 'Hose 25 m', category: 'garden tools' })
      .change(day(3, '10:05'), { product: 'P1', name: 'Hose 25 m', category: 'garden tools' }),
  );
}

const stores = {
  duckdb: tempDuckDb,
  clickhouse: () => tempClickHouse('products'),
};

const window = (as_of: number): AnalysisWindow => ({ from: Date.parse(day(1, '00:00')), to: AS_OF, as_of, abandon_ms: DAY });

/** Every name and category an answer shows for the shop, as (answer, product) → name/category. */
async function names(w: Warehouse, asOf: number) {
  const out: Record<string, unknown> = {};
  type Group = { key: string; name?: string | null; category?: string | null; lines_added?: number; lines?: number };
  const groups = (json: object, key: 'products' | 'categories') => (json as Record<typeof key, Group[]>)[key];
  for (const p of groups((await removalFunnel(w, window(asOf), { group: 'product', min_adds: 0, limit: 100 })).json, 'products'))
    out[`removal ${p.key}`] = [p.name, p.category];
  const byCategory = groups((await removalFunnel(w, window(asOf), { group: 'category', min_adds: 0, limit: 100 })).json, 'categories');
  out['removal categories'] = byCategory.map((c) => [c.key, c.lines_added]).sort();
  for (const p of groups((await quantityFunnel(w, window(asOf), { group: 'product', limit: 100 })).json, 'products')) out[`quantity ${p.key}`] = p.name;
  const quantityByCategory = groups((await quantityFunnel(w, window(asOf), { group: 'category', limit: 100 })).json, 'categories');
  out['quantity categories'] = quantityByCategory.map((c) => [c.key, c.lines]).sort();
  const audience = await abandonedCartAudience(w, {
    as_of: asOf,
    abandon_ms: DAY,
    lookback_ms: 30 * DAY,
    stage: 'any',
    min_value_minor: 0,
    consent: 'any',
    limit: 100,
    cursor: null,
  });
  for (const c of audience.json.carts) for (const l of c.lines) out[`audience ${c.cart_id} ${l.product_id}`] = [l.product_name, l.category];
  for (const id of ['A', 'B']) {
    const view = await cartAsOf(w, id, asOf, DAY);
    if (view === null) continue;
    for (const l of view.lines) out[`cart ${id} ${l.product_id}`] = [l.product_name, l.category];
    const story = (await cartTimeline(w, id, asOf, DAY))!;
    out[`timeline ${id}`] = [...new Set(story.timeline.flatMap((t) => t.after.lines.map((l) => `${l.product_id}:${l.product_name}`)))];
  }
  return out;
}

/** The lines of the cart.abandoned announcements a detection from scratch finds: [cart, [product, name, category]]. */
async function abandonedLines(w: Warehouse) {
  const found = await detectAnnouncements(w, FIRST_DETECTION, {
    abandonAfterMs: DAY,
    recoveryWindowMs: 7 * DAY,
    latenessMs: 0,
    receivedMarginMs: 0,
    pageCarts: 100,
  });
  return found.announcements.flatMap((a) => (a.kind === 'cart.abandoned' ? [[a.cart_id, a.lines.map((l) => [l.product_id, l.product_name, l.category])]] : []));
}

describe.each(Object.entries(stores))('product names on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup(): Promise<void> };

  beforeAll(async () => {
    store = await open();
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(shop());
    await pipeline.close();
  });
  afterAll(() => store.cleanup());

  it("names a renamed product by its latest event's name across all carts, as of the answer", async () => {
    // Given the rename on day 3, when every answer is asked as of day 9, then each shows the new name, cart A too.
    expect(await names(store.warehouse, AS_OF)).toEqual({
      'removal P1': ['Hose 25 m', 'garden tools'],
      'removal P2': [null, null],
      'removal categories': [
        ['(none)', 1],
        ['garden tools', 3],
      ],
      'quantity P1': 'Hose 25 m',
      'quantity P2': null,
      'quantity categories': [
        ['(none)', 1],
        ['garden tools', 3],
      ],
      'audience A P1': ['Hose 25 m', 'garden tools'],
      'audience A P2': [null, null],
      'audience B P1': ['Hose 25 m', 'garden tools'],
      'cart A P1': ['Hose 25 m', 'garden tools'],
      'cart A P2': [null, null],
      'cart B P1': ['Hose 25 m', 'garden tools'],
      'timeline A': ['P1:Hose 25 m', 'P2:null'],
      'timeline B': ['P1:Hose 25 m'],
    });
    // As of day 2 at noon (before the rename), the old name and category.
    const before = await names(store.warehouse, Date.parse(day(2, '12:00')));
    expect(before['removal P1']).toEqual(['Hose', 'garden']);
    expect(before['removal categories']).toEqual([
      ['(none)', 1],
      ['garden', 2],
    ]);
    expect(before['cart A P1']).toEqual(['Hose', 'garden']);
    expect(before['timeline A']).toEqual(['P1:Hose', 'P2:null']);
    // Between B's two events (day 3, 10:02), the new name was used by then and again after it: the
    // names kept per product do not settle it, the events up to then do.
    const between = await names(store.warehouse, Date.parse(day(3, '10:02')));
    expect([between['removal P1'], between['audience A P1'], between['cart A P1']]).toEqual([
      ['Hose 25 m', 'garden tools'],
      ['Hose 25 m', 'garden tools'],
      ['Hose 25 m', 'garden tools'],
    ]);
  });

  it("names the products of a webhook payload (cart.abandoned lines) by the cart's own events without a catalogue", async () => {
    // Given cart A abandoned on day 2, detected after the rename, with no catalogue: the names its own events carried.
    expect(await abandonedLines(store.warehouse)).toEqual([
      [
        'A',
        [
          ['P1', 'Hose', 'garden'],
          ['P2', null, null],
        ],
      ],
    ]);
  });

  it("takes the catalogue's name and category wherever it has the product", async () => {
    // Given catalogue entries for P1 (with a category) and P2 (without one: the events', none here)
    const stored = await upsertProducts(
      store.warehouse,
      [
        { id: 'P1', name: 'Garden hose, 25 m', category: 'watering', price_minor: 2999, currency: 'EUR' },
        { id: 'P2', name: 'Watering can' },
      ],
      AS_OF,
    );
    expect(stored).toEqual({ received: 2, products: 2 });
    // then every answer, as of any instant, names them so.
    for (const asOf of [AS_OF, Date.parse(day(2, '12:00'))]) {
      const got = await names(store.warehouse, asOf);
      expect(got['removal P1']).toEqual(['Garden hose, 25 m', 'watering']);
      expect(got['removal P2']).toEqual(['Watering can', null]);
      expect(got['quantity P1']).toEqual('Garden hose, 25 m');
      expect(got['cart A P1']).toEqual(['Garden hose, 25 m', 'watering']);
      expect(got['cart A P2']).toEqual(['Watering can', null]);
      expect(got['timeline A']).toEqual(['P1:Garden hose, 25 m', 'P2:Watering can']);
    }
    // A webhook payload found now takes the catalogue's names and categories.
    expect(await abandonedLines(store.warehouse)).toEqual([
      [
        'A',
        [
          ['P1', 'Garden hose, 25 m', 'watering'],
          ['P2', 'Watering can', null],
        ],
      ],
    ]);
    const now = await names(store.warehouse, AS_OF);
    expect(now['removal categories']).toEqual([
      ['(none)', 1],
      ['watering', 3],
    ]);
    expect(now['quantity categories']).toEqual([
      ['(none)', 1],
      ['watering', 3],
    ]);
    expect(now['audience A P1']).toEqual(['Garden hose, 25 m', 'watering']);
    expect(now['audience A P2']).toEqual(['Watering can', null]);
  });

  it('keeps the latest updated_at of a product: an older write changes nothing, a newer one replaces the row', async () => {
    const t = Date.parse('2026-06-01T00:00:00.000Z');
    await upsertProducts(store.warehouse, [{ id: 'P9', name: 'New', updated_at: new Date(t).toISOString() }], t);
    await upsertProducts(store.warehouse, [{ id: 'P9', name: 'Stale', updated_at: new Date(t - 1).toISOString() }], t);
    const rows = async () =>
      store.warehouse.engine === 'duckdb'
        ? await (store.warehouse as unknown as { all(sql: string): Promise<Record<string, unknown>[]> }).all(
            "SELECT name, category FROM products WHERE id = 'P9'",
          )
        : await (store.warehouse as unknown as { rows(sql: string): Promise<Record<string, unknown>[]> }).rows(
            "SELECT name, category FROM products FINAL WHERE id = 'P9'",
          );
    expect(await rows()).toEqual([{ name: 'New', category: null }]);
    // Within one request too: the latest updated_at of an id wins, the last one on a tie.
    await upsertProducts(
      store.warehouse,
      [
        { id: 'P9', name: 'Newer', category: 'x', updated_at: new Date(t + 2).toISOString() },
        { id: 'P9', name: 'Older', updated_at: new Date(t + 1).toISOString() },
      ],
      t,
    );
    expect(await rows()).toEqual([{ name: 'Newer', category: 'x' }]);
  });

  it('stores a large request whole, in several statements', async () => {
    const many = Array.from({ length: 3_000 }, (_, i) => ({ id: `B${i}`, name: `Bulk product number ${i} with a name long enough to fill statements` }));
    expect(await upsertProducts(store.warehouse, many, AS_OF)).toEqual({ received: 3_000, products: 3_000 });
    const sql = "SELECT count() AS n, max(name) AS last FROM products WHERE id LIKE 'B%'";
    const [row] =
      store.warehouse.engine === 'duckdb'
        ? await (store.warehouse as unknown as { all(sql: string): Promise<Record<string, unknown>[]> }).all(sql.replace('count()', 'count(*)::INT'))
        : await (store.warehouse as unknown as { rows(sql: string): Promise<Record<string, unknown>[]> }).rows(
            sql.replace('FROM products', 'FROM products FINAL'),
          );
    expect([Number(row!.n), row!.last]).toEqual([3_000, 'Bulk product number 999 with a name long enough to fill statements']);
  });
});
