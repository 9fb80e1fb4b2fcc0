import type { InboundMessage } from './pipeline/message.ts';
import type { IngestResult } from './pipeline/pipeline.ts';

/**
 * What the collector hands a request's messages to. Embedded mode: the IngestPipeline itself (resolves once
 * the batch is in the warehouse). Kafka mode: KafkaIngress (resolves once Kafka acknowledged every message,
 * acks=all). Rejects when the messages could not be handed over; its error's `code` says why.
 */
export interface EventIngress {
  ingest(messages: readonly InboundMessage[]): Promise<IngestResult>;
}
