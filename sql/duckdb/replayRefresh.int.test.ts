import { afterEach, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { AS_OF, shopEvents } from '../../test/fixtures/shop.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { FOLDED_MODELS } from '../clickhouse/adapter.ts';
import { catalogue, readsAny, type QueryName } from '../catalogue/index.ts';
import { REFRESHED_MODELS } from './adapter.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('cart_replay is refreshed only for queries that read it', () => {
  it('knows from the catalogue which named queries read a model each engine refreshes first', () => {
    const names = Object.keys(catalogue) as QueryName[];
    const reading = (kept: ReadonlySet<(typeof catalogue)[QueryName]['reads'][number]>) => names.filter((n) => readsAny(n, kept)).sort();
    // DuckDB: product_names reads products_asof, over the product model the refresh keeps (views/015), and
    // the cart funnel reads cart_replay.
    expect(reading(REFRESHED_MODELS)).toEqual([
      'abandonment',
      'abandonment_value_days',
      'audience',
      'audience_lines',
      'audience_value_days',
      'funnel_cart_events',
      'product_names',
      'quantity',
      'removal',
    ]);
    // ClickHouse folds carts and lines only: product names come from the catalogue and the events, the funnels from events and cart_spans.
    expect(reading(FOLDED_MODELS)).toEqual([
      'abandonment',
      'abandonment_value_days',
      'audience',
      'audience_lines',
      'audience_value_days',
      'quantity',
      'removal',
    ]);
  });

  it('leaves new events unfolded through a timeline read, and folds them before an analysis', async () => {
    // given: the hand-made shop just written (29 events of 10 carts), not yet folded
    const store = await tempDuckDb();
    cleanup = store.cleanup;
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(shopEvents().map((e) => ({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: AS_OF })));
    await pipeline.close();
    const folded = async () => Number((await store.warehouse.all('SELECT count(*) AS n FROM cart_replay'))[0]!.n);
    const [cart] = await store.warehouse.all('SELECT min(cart_id) AS id FROM events');

    // when: a cart's timeline is read, then the abandonment funnel
    const timeline = await store.warehouse.query('cart_events', { cart_id: String(cart!.id), as_of_ms: AS_OF });
    const afterTimeline = await folded();
    await store.warehouse.query('abandonment', { as_of_ms: AS_OF, abandon_ms: 86_400_000, from_ms: 0, to_ms: AS_OF, breakdown: 'none', tz: 'UTC' });

    // then: the timeline answered from events without folding; the funnel folded every event first
    expect(timeline.length).toBeGreaterThan(0);
    expect(afterTimeline).toBe(0);
    expect(await folded()).toBe(shopEvents().length);
  });
});
