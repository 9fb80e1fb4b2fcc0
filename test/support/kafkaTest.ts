// Helpers for suites that talk to the real broker of test/support/kafka.ts. Each test names its own
// topics and groups with unique(), so suites share one broker side by side.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Admin, type IHeaders } from 'kafkajs';
import { stablePartitioner } from '../../ingest/kafka/client.ts';
import { pino } from 'pino';
import { ensureTopics, type TopicSpec } from '../../ingest/kafka/topics.ts';
import { startWorker, type IngestWorker, type WorkerOptions } from '../../ingest/kafka/worker.ts';
import type { IngestMetrics } from '../../ingest/metrics.ts';
import { DEFAULT_INGEST } from '../../ingest/pipeline/pipeline.ts';
import type { Warehouse } from '../../sql/warehouse.ts';

export { metricValue, waitFor, waitForProgress } from './wait.ts';

export const unique = (name: string): string => `t.${name}.${randomUUID().slice(0, 8)}`;

export function testKafka(brokers: string): Kafka {
  return new Kafka({ clientId: 'carrello-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export function topicSpec(topic: string, over: Partial<TopicSpec> = {}): TopicSpec {
  return { topic, deadLetterTopic: `${topic}.dlq`, partitions: 12, replicationFactor: -1, maxMessageBytes: 1024 * 1024, ...over };
}

export async function createTopics(admin: Admin, spec: TopicSpec): Promise<void> {
  await ensureTopics(admin, spec);
}

export interface Produced {
  key: string | Buffer | null;
  value: Buffer | string | null;
  headers?: IHeaders;
  partition?: number;
}

/** Produces with an idempotent kafkajs producer (acks=all, murmur2), like a Java service would. */
export async function produce(kafka: Kafka, topic: string, messages: readonly Produced[], chunk = 2_000): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: stablePartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk).map((m) => ({ ...m })) });
    }
  } finally {
    await producer.disconnect();
  }
}

export interface ReadMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  producerId: string | null;
}

/** Reads the whole topic as it is now (up to its end offsets) with a throwaway group. */
export async function readTopic(kafka: Kafka, topic: string, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const out: ReadMessage[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: unique('reader'), maxBytesPerPartition: 8 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${out.length} messages of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(m.headers ?? {})) headers[k] = String(Array.isArray(v) ? v[0] : v);
            const context = (m as unknown as { batchContext?: { producerId?: string } }).batchContext;
            out.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers, producerId: context?.producerId ?? null });
          }
          const end = remaining.get(batch.partition);
          if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Committed offsets of a group, by partition (-1: none). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((res?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
}

/** Options of an in-process worker for a test's own topic and group. */
export function workerOptions(brokers: string, spec: TopicSpec, groupId: string, over: Partial<WorkerOptions['consumer']> = {}): WorkerOptions {
  return {
    connection: { brokers: brokers.split(','), clientId: 'carrello-test-worker' },
    topics: spec,
    consumer: { groupId, concurrency: 4, sessionTimeoutMs: 10_000, retryMinMs: 100, retryMaxMs: 1_000, failpoint: null, ...over },
    ingest: DEFAULT_INGEST,
    lagIntervalMs: 200,
  };
}

export function inProcessWorker(warehouse: Warehouse, opts: WorkerOptions, metrics?: IngestMetrics): IngestWorker {
  return startWorker(warehouse, opts, { log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), metrics });
}
