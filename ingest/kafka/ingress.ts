import type { EventIngress } from '../ingress.ts';
import { IngestMetrics } from '../metrics.ts';
import type { RejectedRow } from '../../sql/rows.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import type { IngestResult, MessageRejection } from '../pipeline/pipeline.ts';
import { processMessage } from '../pipeline/process.ts';
import { deadLetterRecord } from './deadLetter.ts';
import type { BufferedPublisher, OutRecord } from './publisher.ts';

export interface KafkaIngressOptions {
  topic: string;
  deadLetterTopic: string;
  maxEventBytes: number;
  /**
   * Keeps the refused messages' rows (in the store's rejected_events) once Kafka acknowledged them, so that
   * /v1/stats counts them as in embedded mode. Must not throw: the messages are already dead-lettered.
   */
  keepRefused?: (rows: readonly RejectedRow[]) => Promise<void>;
}

/**
 * The collector's path in Kafka mode. Each message runs through the same decode → validate steps as in
 * the worker; a valid event goes to the event topic keyed by cart_id, a refused one to the dead-letter
 * topic (bytes as received, reason headers). The request's messages are taken by the bounded producer
 * whole or not at all.
 * INVARIANT: ingest() resolves only after Kafka acknowledged every message of the request (acks=all,
 * idempotent producer); otherwise it rejects with `producer_backpressure` or `kafka_unavailable`.
 */
export class KafkaIngress implements EventIngress {
  constructor(
    private readonly publisher: BufferedPublisher,
    private readonly opts: KafkaIngressOptions,
    private readonly metrics: IngestMetrics = new IngestMetrics(),
  ) {}

  async ingest(messages: readonly InboundMessage[]): Promise<IngestResult> {
    for (const m of messages) this.metrics.received.inc({ source: m.source });
    const rejected: MessageRejection[] = [];
    const records: OutRecord[] = [];
    const refused: { reason: MessageRejection['reason']; source: string }[] = [];
    const rows: RejectedRow[] = [];
    messages.forEach((message, index) => {
      const p = processMessage(message, this.opts.maxEventBytes);
      if (p.kind === 'event') {
        records.push({ topic: this.opts.topic, key: p.row.cart_id, value: Buffer.from(message.raw) });
      } else {
        rejected.push({ index, ...p.rejection });
        refused.push({ reason: p.rejection.reason, source: message.source });
        rows.push(p.row);
        records.push(deadLetterRecord(p, this.opts.deadLetterTopic));
      }
    });
    await this.publisher.publish(records);
    if (rows.length > 0) await this.opts.keepRefused?.(rows);
    for (const r of refused) {
      this.metrics.rejected.inc(r);
      this.metrics.dlqWrites.inc({ reason: r.reason });
    }
    return { accepted: messages.length - rejected.length, rejected };
  }
}
