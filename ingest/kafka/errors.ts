import type { Rejection } from '../pipeline/outcome.ts';

/** The bounded producer buffer is full: nothing of the call was taken. Retry after a while. */
export class ProducerBackpressureError extends Error {
  readonly code = 'producer_backpressure';
  constructor(
    readonly buffered: number,
    readonly limit: number,
    what = 'messages',
  ) {
    super(`producer buffer is full (${buffered} ${what} waiting or in flight, limit ${limit}); retry later`);
  }
}

/** Kafka did not acknowledge the messages (broker unreachable, timed out, refused them). They may or may not be in the topic. */
export class KafkaUnavailableError extends Error {
  readonly code = 'kafka_unavailable';
}

/** The event breaks the contract; it was not sent. `reason` and `field` are the pipeline's. */
export class EventRefusedError extends Error {
  readonly code = 'event_refused';
  readonly reason: Rejection['reason'];
  readonly field: string | null;
  constructor(readonly rejection: Rejection) {
    super(`event refused (${rejection.reason}): ${rejection.detail}`);
    this.reason = rejection.reason;
    this.field = rejection.field;
  }
}

/** The producer or ingress was closed; nothing more is taken. */
export class ProducerClosedError extends Error {
  readonly code = 'producer_closed';
  constructor() {
    super('the producer is closed');
  }
}
