import { afterEach, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { abandonmentFunnel } from '../projections/analyses.ts';
import { AS_OF, shopEvents, T0 } from './fixtures/shop.ts';
import { tempDuckDb } from './support/tempStore.ts';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
});

describe('cart_replay refresh under concurrent reads', () => {
  it('answers reads that arrive while the replay is being refreshed from the refreshed replay', async () => {
    // given: events just written, so the first read must refresh cart_replay
    const store = await tempDuckDb();
    cleanup = store.cleanup;
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(shopEvents().map((e) => ({ raw: Buffer.from(JSON.stringify(e)), source: 'test', sourceRef: null, receivedAtMs: AS_OF })));
    const w = { from: T0, to: AS_OF, as_of: AS_OF, abandon_ms: 86_400_000 };

    // when: three analyses start together (as a dashboard page does), the later two while the first refreshes
    const first = abandonmentFunnel(store.warehouse, w, 'none');
    await new Promise((r) => setImmediate(r));
    const [none, day, channel] = await Promise.all([first, abandonmentFunnel(store.warehouse, w, 'day'), abandonmentFunnel(store.warehouse, w, 'channel')]);

    // then: each sees every cart (the worked example of docs/metrics.md)
    const started = (a: typeof none) => a.json.funnel[0]!.carts;
    expect([started(none), started(day), started(channel)]).toEqual([10, 10, 10]);
    expect(day.json.breakdown_values).toHaveLength(7);
    expect(channel.json.breakdown_values).toHaveLength(4);
    await pipeline.close();
  });
});
