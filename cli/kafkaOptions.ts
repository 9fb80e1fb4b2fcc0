import type { KafkaConnection } from '../ingest/kafka/client.ts';
import type { PublisherOptions } from '../ingest/kafka/publisher.ts';
import type { TopicSpec } from '../ingest/kafka/topics.ts';
import type { WorkerOptions } from '../ingest/kafka/worker.ts';
import type { IngestOptions } from '../ingest/pipeline/pipeline.ts';
import { deadLetterTopic, type Config } from './config.ts';

// The parsed configuration, cut into the option objects each ingest component takes.

export function ingestOptions(config: Config): IngestOptions {
  return {
    batcher: { maxBatch: config.batch_max_events, maxWaitMs: config.batch_max_wait_ms, maxPending: config.ingest_max_pending },
    maxEventBytes: config.max_event_bytes,
  };
}

export function kafkaConnection(config: Config, brokers: readonly string[]): KafkaConnection {
  return { brokers, clientId: config.kafka_client_id };
}

export function topicSpec(config: Config): TopicSpec {
  return {
    topic: config.kafka_topic,
    deadLetterTopic: deadLetterTopic(config),
    partitions: config.kafka_partitions,
    replicationFactor: config.kafka_replication_factor,
    maxMessageBytes: config.kafka_max_message_bytes,
  };
}

export function publisherOptions(config: Config): Partial<PublisherOptions> {
  return {
    maxBufferedMessages: config.kafka_producer_max_buffered,
    lingerMs: config.kafka_linger_ms,
    deliveryTimeoutMs: config.kafka_delivery_timeout_ms,
    // One message of the largest size the topic takes must fit in a request on its own.
    maxBatchBytes: Math.max(1024 * 1024, config.kafka_max_message_bytes),
  };
}

export function workerOptions(config: Config, brokers: readonly string[]): WorkerOptions {
  return {
    connection: kafkaConnection(config, brokers),
    topics: topicSpec(config),
    consumer: {
      groupId: config.kafka_group_id,
      concurrency: config.kafka_concurrency,
      sessionTimeoutMs: config.kafka_session_timeout_ms,
      retryMinMs: config.warehouse_retry_min_ms,
      retryMaxMs: config.warehouse_retry_max_ms,
      failpoint: config.failpoint,
    },
    ingest: ingestOptions(config),
    publisher: publisherOptions(config),
    lagIntervalMs: config.kafka_lag_interval_ms,
  };
}
