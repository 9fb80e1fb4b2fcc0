import type { CommandValues } from './commandValues.ts';
import { startWorker } from '../ingest/kafka/worker.ts';
import { describeStore, openWarehouse } from '../sql/open.ts';
import { startDerivedRefresh } from '../sql/derivedRefresh.ts';
import { withWriteOutage } from '../sql/failingWarehouse.ts';
import { parseConfig } from './config.ts';
import { createKafka } from '../ingest/kafka/client.ts';
import { kafkaConnection, workerOptions } from './kafkaOptions.ts';
import { startLifecycle } from './lifecycle.ts';
import { createLogger } from './logger.ts';
import { listen } from './listen.ts';
import { createMetrics, registerReadModelMetrics } from '../api/metrics.ts';
import { createWorkerApp } from '../api/workerApp.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

/** How long a stopping worker waits for its batch in flight before it gives up on it (uncommitted). */
const STOP_GRACE_MS = 20_000;

/**
 * `carrello ingest`: one Kafka consumer-group worker writing to the store, with /healthz and /metrics on
 * --port. Exits 0 after SIGTERM/SIGINT, 1 when the consumer failed for good (a supervisor restarts it).
 */
export async function ingestCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const config = parseConfig({ ...values, port: undefined, 'worker-port': values.port }, env);
  if (!config.kafka_brokers) throw new CarrelloError('invalid_config', 'kafka_brokers: carrello ingest needs KAFKA_BROKERS (or --brokers host:port,...)');
  const log = createLogger(config.log_level, 'carrello', config.log_format);
  const metrics = createMetrics();
  const warehouse = await openWarehouse(config.store);
  const applied = await warehouse.migrate();
  if (applied.length > 0) log.info({ applied }, 'migrations applied');

  const store = config.warehouse_down_ms === null ? warehouse : withWriteOutage(warehouse, config.warehouse_down_ms, log);
  const worker = startWorker(store, workerOptions(config, config.kafka_brokers), { log, metrics });
  const refresh = startDerivedRefresh(warehouse, config.derived_refresh_ms, log);
  // The cart lifecycle (docs/lifecycle.md), when switched on: done by the group's worker holding partition 0.
  const lifecycle = startLifecycle(
    warehouse,
    config,
    worker.leadership,
    log,
    metrics.registry,
    createKafka(kafkaConnection(config, config.kafka_brokers), log.child({ component: 'lifecycle' })),
  );
  registerReadModelMetrics(metrics.registry, warehouse);
  const app = createWorkerApp({ health: worker.health, metrics: metrics.registry });
  const server = await listen(app, config.worker_port, config.host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.worker_port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info(
    { url, store: describeStore(config.store), topic: config.kafka_topic, group: config.kafka_group_id },
    `carrello ingest: health and metrics on ${url}`,
  );

  const outcome = await new Promise<'signal' | 'failed'>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'shutting down');
      resolve('signal');
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const watch = setInterval(() => worker.health.state === 'failed' && resolve('failed'), 500);
    watch.unref();
  });

  const timer = setTimeout(() => {
    log.error({ grace_ms: STOP_GRACE_MS }, 'the batch in flight did not finish in time; leaving it uncommitted');
    process.exit(1);
  }, STOP_GRACE_MS);
  await worker.stop();
  await lifecycle.stop();
  await refresh.stop();
  clearTimeout(timer);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await warehouse.close();
  log.info('carrello ingest stopped');
  return outcome === 'failed' ? 1 : 0;
}
