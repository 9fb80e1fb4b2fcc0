import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { backfill, cartsPerDayFor, streamLive } from '../ingest/simulator/feed.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { Simulation } from '../ingest/simulator/simulation.ts';
import { pipelineSink } from '../ingest/simulator/sinks.ts';
import { describeStore, openWarehouse } from '../sql/open.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { createApp } from './app.ts';
import type { Config } from './config.ts';

const DAY = 86_400_000;

export interface Running {
  url: string;
  /** Stops accepting, lets in-flight requests finish, writes what is queued, closes the store. */
  stop(): Promise<void>;
}

/** `carrello start`: store, ingest pipeline, collector and API in one process. */
export async function start(config: Config, log: Logger): Promise<Running> {
  const warehouse = await openWarehouse(config.store);
  const applied = await warehouse.migrate();
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  const pipeline = new IngestPipeline(warehouse, {
    batcher: { maxBatch: config.batch_max_events, maxWaitMs: config.batch_max_wait_ms, maxPending: config.ingest_max_pending },
    maxEventBytes: config.max_event_bytes,
  });
  let stopping = false;
  const app = createApp({
    warehouse,
    pipeline,
    log,
    collector: { maxBodyBytes: config.collector_max_body_bytes, maxEvents: config.collector_max_events },
    stopping: () => stopping,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, store: describeStore(config.store) }, `carrello is listening on ${url}`);

  const demo = new AbortController();
  const demoDone = config.demo ? runDemo(config, pipeline, warehouse, log, demo.signal) : Promise.resolve();

  return {
    url,
    async stop() {
      stopping = true;
      demo.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await demoDone.catch(() => undefined);
      await pipeline.close();
      await warehouse.close();
      log.info('carrello stopped');
    },
  };
}

async function runDemo(config: Config, pipeline: IngestPipeline, warehouse: Warehouse, log: Logger, signal: AbortSignal): Promise<void> {
  const now = Date.now();
  const sink = pipelineSink(pipeline);
  const existing = (await warehouse.stats()).events_stored;
  // A store that already holds events keeps them; a fresh one gets `demo_days` of history first.
  const startMs = existing > 0 ? now : now - config.demo_days * DAY;
  const sim = new Simulation(startMs, {
    seed: existing > 0 ? `${config.demo_seed}/${now}` : config.demo_seed,
    cartsPerDay: config.demo_carts_per_day,
    duplicateRate: 0.002,
    invalidRate: 0.001,
    catalogueSize: 300,
    customerPool: 5_000,
  });
  if (existing === 0) {
    log.info({ days: config.demo_days, carts_per_day: config.demo_carts_per_day }, 'demo: loading simulated history');
    const t0 = Date.now();
    const sent = await backfill(sim, now, sink, { chunk: 5_000 });
    log.info({ events: sent, ms: Date.now() - t0 }, 'demo: history loaded');
  } else {
    log.info({ events_stored: existing }, 'demo: store already holds events; continuing with live traffic only');
  }
  if (signal.aborted || config.demo_live_events_per_second === 0) return;
  sim.setCartsPerDay(cartsPerDayFor(config.demo_live_events_per_second));
  await streamLive(sim, sink, { signal, onError: (err) => log.warn({ err }, 'demo: live traffic could not be stored; retrying') });
}
