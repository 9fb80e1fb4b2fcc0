import type { Server } from 'node:http';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { cart, messages } from './support/cartEvents.ts';
import { metricValue } from './support/kafkaTest.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

const stores = {
  duckdb: tempDuckDb,
  clickhouse: () => tempClickHouse('lag'),
};

const FOLDED = { pending_carts: 0, oldest_pending_at: null, lag_seconds: 0 };

describe.each(Object.entries(stores))('read-model lag on %s', (_engine, open) => {
  let store: { warehouse: Warehouse & NamedWriter; cleanup(): Promise<void> };
  let pipeline: IngestPipeline;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    store = await open();
    pipeline = new IngestPipeline(store.warehouse);
    const metrics = new Registry();
    const app = createApp({
      warehouse: store.warehouse,
      pipeline,
      metrics,
      log: pino({ level: 'silent' }),
      collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 },
      stopping: () => false,
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pipeline.close();
    await store.cleanup();
  });

  const stats = async () => ((await (await fetch(`${url}/v1/stats`)).json()) as { read_models: unknown }).read_models;
  const gauges = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return [metricValue(text, 'carrello_read_model_pending_carts'), metricValue(text, 'carrello_read_model_lag_seconds')];
  };

  it('counts the carts whose events are stored but not folded, and since when, until a fold', async () => {
    // Given a store whose models are up to date
    await store.warehouse.refreshDerived();
    expect(await stats()).toEqual(FOLDED);

    // When three carts' events are written (nothing reads the models)
    const before = Date.now();
    await pipeline.ingest(
      messages(
        cart('a').add('2026-05-01T10:00:00Z').add('2026-05-01T10:01:00Z', { product: 'P2' }),
        cart('b').add('2026-05-01T11:00:00Z'),
        cart('c').add('2026-05-01T12:00:00Z'),
      ),
    );
    const after = Date.now();

    // Then three carts wait, marked while the batch was written
    const lag = (await store.warehouse.readModelLag())!;
    expect(lag.pending_carts).toBe(3);
    expect(Date.parse(lag.oldest_pending_at!)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(lag.oldest_pending_at!)).toBeLessThanOrEqual(after + 1);
    expect(lag.lag_seconds).toBeGreaterThanOrEqual(0);
    const [pending, seconds] = await gauges();
    expect(pending).toBe(3);
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(((await stats()) as { pending_carts: number }).pending_carts).toBe(3);

    // When a read of the models folds them: nothing waits
    const audience = await fetch(`${url}/v1/audiences/abandoned-carts?as_of=2026-05-03T00:00:00Z&consent=any`);
    expect(((await audience.json()) as { audience: { carts: number } }).audience.carts).toBe(3);
    expect(await stats()).toEqual(FOLDED);
    expect(await gauges()).toEqual([0, 0]);

    // And one more event of one cart makes that cart wait again
    await pipeline.ingest(messages(cart('b').add('2026-05-01T11:30:00Z', { product: 'P3', seq: 1 })));
    expect(((await stats()) as { pending_carts: number }).pending_carts).toBe(1);
    expect((await gauges())[0]).toBe(1);
    await store.warehouse.refreshDerived();
    expect(await stats()).toEqual(FOLDED);
  });
});
