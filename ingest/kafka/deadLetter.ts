import { IngestMetrics } from '../metrics.ts';
import type { RejectedMessage } from '../pipeline/process.ts';
import type { RejectedSink } from '../pipeline/rejectedSink.ts';
import type { BufferedPublisher, OutRecord } from './publisher.ts';

/**
 * Headers of a dead-letter message. The value is the refused message's bytes exactly as received, the
 * key is its key; its own headers are kept too, and these are added (replacing older ones of the same
 * name, should a replayed message fail again).
 */
export const DLQ_HEADERS = {
  /** Stable reason, the same string as the metric label and the rejected_events.reason column. */
  reason: 'carrello.reason',
  /** Dotted path of the first offending field, when there is one. */
  field: 'carrello.field',
  /** Human-readable detail naming the field(s), cut to MAX_DETAIL characters. */
  detail: 'carrello.detail',
  /** Which ingest path refused it: kafka (the worker) or collector. */
  source: 'carrello.source',
  /** Position of the original message: topic, partition, offset (worker only). */
  topic: 'carrello.source.topic',
  partition: 'carrello.source.partition',
  offset: 'carrello.source.offset',
  /** Timestamp of the original Kafka message, epoch ms (worker only). */
  timestamp: 'carrello.source.timestamp',
  /** The collector's position: request#<index>. */
  ref: 'carrello.source.ref',
  /** When carrello refused it, ISO-8601 UTC. */
  refusedAt: 'carrello.refused_at',
} as const;

const MAX_DETAIL = 1_000;

/** The dead-letter copy of one refused message. */
export function deadLetterRecord(item: RejectedMessage, topic: string): OutRecord {
  const { message, rejection } = item;
  const headers: Record<string, string | Buffer | Buffer[]> = {};
  for (const [k, v] of Object.entries(message.kafka?.headers ?? {})) headers[k] = v.map((x) => Buffer.from(x));
  headers[DLQ_HEADERS.reason] = rejection.reason;
  if (rejection.field !== null) headers[DLQ_HEADERS.field] = rejection.field;
  else delete headers[DLQ_HEADERS.field];
  headers[DLQ_HEADERS.detail] = rejection.detail.slice(0, MAX_DETAIL);
  headers[DLQ_HEADERS.source] = message.source;
  headers[DLQ_HEADERS.refusedAt] = new Date().toISOString();
  if (message.kafka) {
    headers[DLQ_HEADERS.topic] = message.kafka.topic;
    headers[DLQ_HEADERS.partition] = String(message.kafka.partition);
    headers[DLQ_HEADERS.offset] = message.kafka.offset;
    headers[DLQ_HEADERS.timestamp] = message.kafka.timestamp;
  }
  if (message.sourceRef !== null && !message.kafka) headers[DLQ_HEADERS.ref] = message.sourceRef;
  const key = message.kafka?.key ? Buffer.from(message.kafka.key) : null;
  return { topic, key, value: Buffer.from(message.raw), headers };
}

/**
 * The rejected sink of Kafka mode: refused messages go to the dead-letter topic.
 * INVARIANT: write() resolves after Kafka acknowledged every copy (acks=all); the worker commits the
 * offsets that pass them only after that. At-least-once: a batch retried after a crash may write a copy
 * twice; (carrello.source.partition, carrello.source.offset) identifies it.
 */
export class DeadLetterWriter implements RejectedSink {
  readonly kind = 'dead_letter_topic' as const;

  constructor(
    private readonly publisher: BufferedPublisher,
    readonly topic: string,
    private readonly metrics: IngestMetrics = new IngestMetrics(),
  ) {}

  async write(items: readonly RejectedMessage[]): Promise<void> {
    if (items.length === 0) return;
    await this.publisher.publish(items.map((item) => deadLetterRecord(item, this.topic)));
    for (const item of items) this.metrics.dlqWrites.inc({ reason: item.rejection.reason });
  }
}
