import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { AS_OF, shopEvents } from '../../test/fixtures/shop.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { readsReplay } from './adapter.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('cart_replay is refreshed only for queries that read it', () => {
  it('knows which named queries read the cart model', () => {
    const dir = new URL('./queries/', import.meta.url);
    const names = readdirSync(dir).filter((f) => f.endsWith('.sql')).map((f) => f.slice(0, -4));
    const reading = names.filter((n) => readsReplay(readFileSync(new URL(`${n}.sql`, dir), 'utf8'))).sort();
    // product_names reads products_asof, over the product model the refresh keeps (views/015).
    // forget_*, product_model_apply, rebuild_read_models, read_model_counts and refresh_replay run on the writer inside their own transactions, never through query().
    expect(reading).toEqual(['abandonment', 'abandonment_value_days', 'audience', 'audience_lines', 'audience_value_days', 'forget_replay', 'funnel_cart_events', 'product_model_apply', 'product_names', 'quantity', 'read_model_counts', 'rebuild_read_models', 'refresh_replay', 'removal']);
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
