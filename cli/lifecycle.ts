import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DEFAULT_PAGE_CARTS } from '../announce/detect.ts';
import { startDelivery } from '../announce/deliveryLoop.ts';
import type { Leadership } from '../announce/leadership.ts';
import { startDetection } from '../announce/loop.ts';
import { lifecycleMetrics } from '../announce/metrics.ts';
import { publishLog, topicPosition } from '../announce/topic.ts';
import { producerConfig } from '../ingest/kafka/client.ts';
import { createTopicsAndWait } from '../ingest/kafka/topics.ts';
import { runPeriodically, type Periodic } from '../sql/periodic.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import type { Config } from './config.ts';

/**
 * The cart lifecycle's single-writer work, wired from the configuration (docs/lifecycle.md): detection
 * into the store's log, each webhook endpoint's delivery, and in Kafka mode the log published to the
 * lifecycle topic; each turn only while `leadership` says this process is the store's writer (always in
 * the embedded process; the worker holding partition 0 in Kafka mode). Used by `carrello start` and
 * `carrello ingest` alike.
 */
export function startLifecycle(
  warehouse: Warehouse & NamedWriter,
  config: Config,
  leadership: Leadership,
  log: Logger,
  registry: Registry,
  kafka: Kafka | null,
): Periodic {
  const metrics = lifecycleMetrics(registry);
  const everyMs = config.lifecycle_detect_ms || 1_000;
  const detection = startDetection(
    warehouse,
    {
      abandonAfterMs: config.lifecycle_abandon_after_ms,
      recoveryWindowMs: config.lifecycle_recovery_window_ms,
      latenessMs: config.lifecycle_lateness_ms,
      receivedMarginMs: 60_000,
      pageCarts: DEFAULT_PAGE_CARTS,
    },
    config.lifecycle_detect_ms,
    leadership,
    log.child({ component: 'lifecycle' }),
  );
  // Each webhook endpoint takes the log on its own schedule, as often as detection looks (1 s without it).
  const delivery = startDelivery(
    warehouse,
    config.webhooks,
    {
      timeoutMs: config.webhook_timeout_ms,
      maxAttempts: config.webhook_max_attempts,
      minBackoffMs: config.webhook_min_backoff_ms,
      maxBackoffMs: config.webhook_max_backoff_ms,
      horizonMs: config.webhook_horizon_ms,
    },
    everyMs,
    leadership,
    log.child({ component: 'webhooks' }),
    metrics,
  );
  if (config.webhooks.length > 0) log.info({ endpoints: config.webhooks.map((e) => ({ name: e.name, kinds: e.kinds ?? 'all' })) }, 'lifecycle webhooks on');

  const topic = config.lifecycle_topic;
  let producer: Producer | null = null;
  let publishing: Periodic | null = null;
  if (kafka && topic !== '' && config.lifecycle_detect_ms > 0) {
    const topicLog = log.child({ component: 'lifecycle-topic', topic });
    const made = kafka.producer(producerConfig());
    producer = made;
    let ready = false;
    publishing = runPeriodically(everyMs, async () => {
      if (!leadership.active()) return;
      try {
        if (!ready) {
          await made.connect();
          const admin = kafka.admin();
          await admin.connect();
          try {
            const exists = (await admin.listTopics()).includes(topic);
            if (!exists)
              await createTopicsAndWait(admin, [{ topic, numPartitions: config.kafka_partitions, replicationFactor: config.kafka_replication_factor }]);
          } finally {
            await admin.disconnect();
          }
          ready = true;
        }
        const run = await publishLog(warehouse, made, { topic, horizonMs: config.webhook_horizon_ms }, { signal: leadership.signal });
        metrics.delivered.inc({ endpoint: topicPosition(topic) }, run.published);
        if (run.olderThanHorizon > 0) metrics.suppressed.inc({ endpoint: topicPosition(topic), reason: 'older_than_horizon' }, run.olderThanHorizon);
      } catch (err) {
        topicLog.warn({ error: (err as Error).message }, 'lifecycle topic: publishing failed; trying again at the next turn');
      }
    });
    topicLog.info('lifecycle announcements published to Kafka');
  }
  return {
    async stop() {
      await detection.stop();
      await delivery.stop();
      await publishing?.stop();
      await producer?.disconnect().catch(() => undefined);
    },
  };
}
