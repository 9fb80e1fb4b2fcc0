import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Warehouse } from '../../sql/warehouse.ts';
import { IngestMetrics } from '../metrics.ts';
import { IngestPipeline, type IngestOptions } from '../pipeline/pipeline.ts';
import { sleep } from '../sleep.ts';
import { createKafka, type KafkaConnection } from './client.ts';
import { DeadLetterWriter } from './deadLetter.ts';
import { WorkerHealth } from './health.ts';
import { GroupLeadership } from './leadership.ts';
import { KafkaLogGate } from './logGate.ts';
import { LagMonitor } from './lag.ts';
import { BufferedPublisher, type PublisherOptions } from './publisher.ts';
import { ConsumerRunner, type RunnerOptions } from './runner.ts';
import { ensureTopics, type TopicSpec } from './topics.ts';

export interface WorkerOptions {
  connection: KafkaConnection;
  topics: TopicSpec;
  consumer: Omit<RunnerOptions, 'topic' | 'maxMessageBytes' | 'maxInFlightMessages'>;
  ingest: IngestOptions;
  /** The dead-letter producer's buffer and batching. */
  publisher?: Partial<PublisherOptions>;
  /** How often consumer lag is polled (ms, default 5,000). */
  lagIntervalMs?: number;
}

export interface WorkerDeps {
  log: Logger;
  metrics?: IngestMetrics;
  /** The failpoint's action (tests running workers in-process pass their own). */
  crash?: () => void;
}

/** A running ingest worker: one member of the consumer group, writing to one warehouse. */
export interface IngestWorker {
  readonly pipeline: IngestPipeline;
  readonly health: WorkerHealth;
  /** Whether this worker does the group's single-writer work now (it holds partition 0: leadership.ts). */
  readonly leadership: GroupLeadership;
  /** Resolves once the topics exist and the consumer runs; start() retries while Kafka is unreachable. */
  readonly ready: Promise<void>;
  /** Finishes or abandons the batch in flight (never committing one that is not durable), leaves the group. */
  stop(): Promise<void>;
}

/**
 * Composes an ingest worker: topic admin, the dead-letter writer, the pipeline with the dead-letter topic
 * as its rejected sink, the consumer-group runner and the lag monitor. Everything comes in as arguments:
 * nothing here reads the environment.
 */
export function startWorker(warehouse: Warehouse, opts: WorkerOptions, deps: WorkerDeps): IngestWorker {
  const log = deps.log.child({ component: 'worker', group: opts.consumer.groupId });
  const metrics = deps.metrics ?? new IngestMetrics();
  const gate = new KafkaLogGate(log);
  const kafka: Kafka = createKafka(opts.connection, log, gate);
  const admin: Admin = kafka.admin();
  const publisher = new BufferedPublisher(kafka, opts.publisher, metrics);
  const deadLetters = new DeadLetterWriter(publisher, opts.topics.deadLetterTopic, metrics);
  const pipeline = new IngestPipeline(warehouse, opts.ingest, { rejected: deadLetters, metrics });
  const health = new WorkerHealth(opts.topics.topic, opts.consumer.groupId);
  const leadership = new GroupLeadership(Math.floor(opts.consumer.sessionTimeoutMs / 2));
  const lag = new LagMonitor(admin, opts.topics.topic, opts.consumer.groupId, metrics, opts.lagIntervalMs ?? 5_000, log);
  const runner = new ConsumerRunner(
    kafka,
    pipeline,
    {
      ...opts.consumer,
      topic: opts.topics.topic,
      maxMessageBytes: opts.topics.maxMessageBytes,
      // Enough for the next warehouse batch to fill while one is written, and no more: a stopping worker
      // finishes what is in flight. At most half the pipeline's queue, so a fetch's batches still fit.
      maxInFlightMessages: Math.max(1, Math.min(2 * opts.ingest.batcher.maxBatch, Math.floor(opts.ingest.batcher.maxPending / 2))),
    },
    {
      log,
      metrics,
      crash: deps.crash,
      hooks: {
        onAssigned: (partitions) => {
          gate.reachable();
          health.assigned(partitions);
          lag.setAssignment(partitions);
          leadership.assigned(partitions);
        },
        onHeartbeat: () => leadership.heartbeat(),
        onRevoked: () => leadership.lose(),
        onCommitted: (partition, next, high) => {
          health.committed(partition);
          lag.committed(partition, next, high);
        },
        onWriteFailed: (partition, err) => health.writeFailed(partition, err),
        onCrash: (err, willRestart) => {
          health.error(err);
          if (!willRestart) health.state = 'failed';
        },
      },
    },
  );

  const stopped = new AbortController();
  const ready = (async () => {
    for (let attempt = 0; !stopped.signal.aborted; attempt++) {
      try {
        await admin.connect();
        const created = await ensureTopics(admin, opts.topics);
        if (created.length > 0) log.info({ topics: created, partitions: opts.topics.partitions }, 'topics created');
        if (stopped.signal.aborted) return;
        await runner.start();
        lag.start();
        return;
      } catch (err) {
        health.error(err);
        const waitMs = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        // Once at warn; the retries that follow at debug (an outage is already logged once by the client's gate).
        (attempt === 0 ? log.warn : log.debug).call(log, { err: (err as Error).message, retry_in_ms: waitMs, attempt }, 'cannot start consuming yet; retrying');
        await sleep(waitMs, stopped.signal);
      }
    }
  })();

  let stopping: Promise<void> | undefined;
  return {
    pipeline,
    health,
    leadership,
    ready,
    stop() {
      stopping ??= (async () => {
        health.state = 'stopping';
        leadership.lose();
        stopped.abort();
        await ready.catch(() => undefined);
        await runner.stop();
        await lag.stop();
        await pipeline.close();
        await publisher.close();
        await admin.disconnect().catch(() => undefined);
        health.state = 'stopped';
        log.info('worker stopped; left the consumer group');
      })();
      return stopping;
    },
  };
}
