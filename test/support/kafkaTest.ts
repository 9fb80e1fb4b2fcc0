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

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until measure() reaches target, for as long as it keeps moving: fails only when it has not grown
 * for stallMs (default 60 s). A deadline that scales with the work and with the machine's load, where a
 * fixed one fails a loaded machine that is merely slow.
 */
export async function waitForProgress(what: string, measure: () => Promise<number | bigint> | number | bigint, target: number | bigint, stallMs = 60_000): Promise<void> {
  let best: number | bigint | null = null;
  let movedAt = Date.now();
  for (;;) {
    const value = await measure();
    if (value >= target) return;
    if (best === null || value > best) {
      best = value;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`waiting for ${what}: stuck at ${value} of ${target} for ${stallMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One counter or gauge value from Prometheus text, 0 when the series is absent. */
export function metricValue(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}
