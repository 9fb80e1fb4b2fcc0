import type { RejectedMessage } from './process.ts';

/**
 * Where refused messages are kept, besides nothing: the pipeline writes them here before it reports
 * their batch as durable. Embedded mode keeps them in the warehouse's rejected_events table, in the
 * same transaction as the valid events of the batch (no sink given); Kafka mode sends them to the
 * dead-letter topic (ingest/kafka/deadLetter.ts), then keeps them in rejected_events too, so that the store
 * counts what was dead-lettered in both modes.
 * INVARIANT: write() resolves only once every item is durable where it goes (acks=all for Kafka).
 */
export interface RejectedSink {
  readonly kind: 'dead_letter_topic';
  write(items: readonly RejectedMessage[]): Promise<void>;
}
