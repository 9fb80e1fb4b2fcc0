import { Kafka, logLevel, Partitioners, type ICustomPartitioner, type LogEntry, type ProducerConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaLogGate } from './logGate.ts';

/** How to reach the cluster; the composition root builds it from the configuration. */
export interface KafkaConnection {
  brokers: readonly string[];
  clientId: string;
  /** Per-request connection timeout (default 3 s). */
  connectionTimeoutMs?: number;
  /** Retries of one request before kafkajs gives up (default 5: fast failure, the caller retries). */
  retries?: number;
}

/**
 * A kafkajs client whose logs go to pino as structured JSON, with `kafkajs: <namespace>`, through a gate
 * (logGate.ts) that sums up the cluster's transient answers and logs an outage once.
 */
export function createKafka(conn: KafkaConnection, log?: Logger, gate: KafkaLogGate | undefined = log ? new KafkaLogGate(log) : undefined): Kafka {
  const kafka = new Kafka({
    clientId: conn.clientId,
    brokers: [...conn.brokers],
    connectionTimeout: conn.connectionTimeoutMs ?? 3_000,
    retry: { retries: conn.retries ?? 5, initialRetryTime: 100, maxRetryTime: 2_000 },
    logLevel: log ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => (gate ? toGate(gate, entry) : undefined),
  });
  if (gate) gates.set(kafka, gate);
  return kafka;
}

const gates = new WeakMap<Kafka, KafkaLogGate>();

/** The log gate of a client made by createKafka (none without a logger). */
export function gateOf(kafka: Kafka): KafkaLogGate | undefined {
  return gates.get(kafka);
}

/**
 * The producer settings every carrello producer uses: idempotent (the broker drops a retried copy of a
 * batch it already appended), acks=all on every send, one request in flight so that retries keep order,
 * murmur2 partitioning like the Java client, so a cart_id lands on the same partition from any language.
 * Retries are bounded so that an unreachable cluster fails a send instead of retrying forever: the caller
 * (collector, simulator, service) is told and resends; event_id deduplication makes that safe.
 */
export function producerConfig(retries = 5): ProducerConfig {
  return {
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: stablePartitioner,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 2_000 },
  };
}

/**
 * murmur2 on the key, like the Java client. A message without a key (a dead-letter copy of a keyless
 * message, a broken event without cart_id) gets a partition once and keeps it across kafkajs's retries.
 * kafkajs re-partitions a whole request when it retries it; its round-robin would then move a keyless
 * message to another partition, the retried batches no longer match what the broker already appended
 * from the first attempt, and the idempotent producer fails with OUT_OF_ORDER_SEQUENCE_NUMBER.
 */
export const stablePartitioner: ICustomPartitioner = () => {
  const murmur2 = Partitioners.DefaultPartitioner();
  const chosen = new WeakMap<object, number>();
  return (args) => {
    if (args.message.key !== null && args.message.key !== undefined) return murmur2(args);
    const kept = chosen.get(args.message);
    if (kept !== undefined && args.partitionMetadata.some((p) => p.partitionId === kept)) return kept;
    const partition = murmur2(args);
    chosen.set(args.message, partition);
    return partition;
  };
};

/** acks=all: the leader answers once every in-sync replica has the batch. */
export const ACKS_ALL = -1;

const QUIET = [
  // We bound retries on purpose (see producerConfig); kafkajs warns about it at every producer start.
  'Limiting retries for the idempotent producer',
];

function toGate(gate: KafkaLogGate, { namespace, level, log: entry }: LogEntry): void {
  const { message, timestamp: _t, logger: _l, ...fields } = entry as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
  if (QUIET.some((q) => message.startsWith(q))) return;
  const named = level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';
  gate.write({ level: named, message, fields: { kafkajs: namespace, ...fields } });
}
