import type { Logger } from 'pino';
import { SOLE_WRITER } from '../announce/leadership.ts';
import type { EventIngress } from '../ingest/ingress.ts';
import { createKafka } from '../ingest/kafka/client.ts';
import { KafkaIngress } from '../ingest/kafka/ingress.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import { startWorker, type IngestWorker } from '../ingest/kafka/worker.ts';
import { withWriteOutage } from '../sql/failingWarehouse.ts';
import { backfill, cartsPerDayFor, streamLive } from '../ingest/simulator/feed.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { SnapshotIngest } from '../ingest/snapshots/ingest.ts';
import { Simulation } from '../ingest/simulator/simulation.ts';
import { ingressSink } from '../ingest/simulator/sinks.ts';
import { describeStore, openWarehouse } from '../sql/open.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { createApp } from '../api/app.ts';
import { KeyRing } from '../api/auth.ts';
import { apiLimits, deadLetterTopic, isLoopback, type Config } from './config.ts';
import { ingestOptions, kafkaConnection, publisherOptions, workerOptions } from './kafkaOptions.ts';
import { startLifecycle } from './lifecycle.ts';
import { listen } from './listen.ts';
import { createMetrics } from '../api/metrics.ts';
import { progressLine, simulatedUpTo } from './progress.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

const DAY = 86_400_000;

export interface Running {
  url: string;
  /** Stops accepting, lets in-flight requests finish, writes what is queued, closes the store. */
  stop(): Promise<void>;
}

/**
 * `carrello start`: store, ingest, collector and API in one process. Embedded mode: the collector hands
 * events to the in-process pipeline. Kafka mode (KAFKA_BROKERS set): the whole production path runs here,
 * collector → Kafka → an in-process ingest worker (one member of the consumer group) → store → API.
 */
export async function start(config: Config, log: Logger): Promise<Running> {
  const keys = new KeyRing(config.api_keys);
  // INVARIANT: without API keys nothing is authenticated, so nothing may listen beyond this machine.
  if (!keys.enabled && !isLoopback(config.host)) {
    throw new CarrelloError(
      'invalid_config',
      `host: refusing to listen on ${config.host} without API keys; set CARRELLO_API_KEYS (role:key,...) or listen on 127.0.0.1`,
    );
  }
  const metrics = createMetrics();
  const warehouse = await openWarehouse(config.store);
  const applied = await warehouse.migrate();
  if (applied.length > 0) log.info({ applied }, 'migrations applied');

  let pipeline: IngestPipeline;
  let ingress: EventIngress;
  let worker: IngestWorker | null = null;
  let publisher: BufferedPublisher | null = null;
  if (config.kafka_brokers) {
    // The worker creates the topics when absent, and keeps retrying while Kafka is unreachable; until
    // then the collector answers 503 kafka_unavailable.
    const store = config.warehouse_down_ms === null ? warehouse : withWriteOutage(warehouse, config.warehouse_down_ms, log);
    worker = startWorker(store, workerOptions(config, config.kafka_brokers), { log, metrics });
    pipeline = worker.pipeline;
    publisher = new BufferedPublisher(
      createKafka(kafkaConnection(config, config.kafka_brokers), log.child({ component: 'collector' })),
      publisherOptions(config),
      metrics,
    );
    ingress = new KafkaIngress(
      publisher,
      {
        topic: config.kafka_topic,
        deadLetterTopic: deadLetterTopic(config),
        maxEventBytes: config.max_event_bytes,
        // The store may be down while Kafka takes events: the dead letters are durable, only the count lags.
        keepRefused: (rows) =>
          warehouse.writeBatch([], rows).then(
            () => undefined,
            (err: unknown) => log.warn({ err, refused: rows.length }, 'refused messages dead-lettered but not counted in rejected_events'),
          ),
      },
      metrics,
    );
    log.info({ brokers: config.kafka_brokers, topic: config.kafka_topic, group: config.kafka_group_id }, 'Kafka mode');
  } else {
    pipeline = new IngestPipeline(warehouse, ingestOptions(config), { metrics });
    ingress = pipeline;
  }
  const workerHealth = worker?.health;
  let stopping = false;
  const app = createApp({
    warehouse,
    pipeline,
    ingress,
    metrics: metrics.registry,
    health: workerHealth ? () => ({ ok: workerHealth.state !== 'failed', worker: workerHealth.report() }) : undefined,
    log,
    collector: { maxBodyBytes: config.collector_max_body_bytes, maxEvents: config.collector_max_events },
    limits: apiLimits(config),
    webhooks: config.webhooks,
    timezone: config.timezone,
    keys,
    collectorRateLimit: config.collector_rate_limit,
    browser: {
      corsOrigins: config.cors_origins,
      publicOrigins: config.public_origins,
      publicRateLimit: config.public_rate_limit,
      publicRateLimitPerAddress: config.public_rate_limit_per_address,
    },
    snapshots: new SnapshotIngest(warehouse, pipeline),
    shopify: config.shopify_secret === null ? null : { secret: config.shopify_secret, currency: config.shopify_currency },
    stopping: () => stopping,
  });
  const server = await listen(app, config.port, config.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, store: describeStore(config.store) }, `carrello is listening on ${url}`);
  if (keys.enabled) log.info({ keys: keys.keys.map((k) => ({ role: k.role, id: k.id })) }, 'API keys required on /v1');
  else log.warn('no API keys configured: /v1 is open to anyone on this machine, so carrello listens on loopback only');

  // Cart lifecycle announcements (docs/lifecycle.md), when switched on: in Kafka mode only while the
  // in-process worker holds partition 0 (a `carrello ingest` worker may be the store's writer instead).
  const lifecycle = startLifecycle(
    warehouse,
    config,
    worker?.leadership ?? SOLE_WRITER,
    log,
    metrics.registry,
    config.kafka_brokers ? createKafka(kafkaConnection(config, config.kafka_brokers), log.child({ component: 'lifecycle' })) : null,
  );

  const demo = new AbortController();
  const demoDone = config.demo
    ? runDemo(config, ingress, warehouse, log, demo.signal).catch((err: unknown) => log.error({ err }, 'demo: stopped on an error'))
    : Promise.resolve();

  return {
    url,
    async stop() {
      stopping = true;
      demo.abort();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await demoDone.catch(() => undefined);
      // Kafka mode: what the collector took is flushed to Kafka; the worker finishes its batch in flight.
      await publisher?.close();
      await worker?.stop();
      await pipeline.close();
      await lifecycle.stop();
      await warehouse.close();
      log.info('carrello stopped');
    },
  };
}

async function runDemo(config: Config, ingress: EventIngress, warehouse: Warehouse, log: Logger, signal: AbortSignal): Promise<void> {
  const now = Date.now();
  const sink = ingressSink(ingress);
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
    // A progress line on a terminal (stderr, rewritten in place); nothing of it in a log file.
    const line = progressLine('demo');
    const sent = await backfill(sim, now, sink, { chunk: 5_000, onProgress: (p) => line.update(simulatedUpTo(p)) }).finally(() => line.stop());
    log.info({ events: sent, ms: Date.now() - t0 }, 'demo: history loaded');
  } else {
    log.info({ events_stored: existing }, 'demo: store already holds events; continuing with live traffic only');
  }
  if (signal.aborted || config.demo_live_events_per_second === 0) return;
  sim.setCartsPerDay(cartsPerDayFor(config.demo_live_events_per_second));
  await streamLive(sim, sink, { signal, onError: (err) => log.warn({ err }, 'demo: live traffic could not be stored; retrying') });
}
