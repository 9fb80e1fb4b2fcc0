import { CarrelloError, codeGuard } from '../../errors/carrelloError.ts';
import type { Rejection } from '../pipeline/outcome.ts';

/*
 * The producers' errors (Kafka and HTTP), thrown to a shop's code: each a CarrelloError told apart by its
 * code. The names they had as classes stay, as checks that also work with `instanceof`
 * (`err instanceof EventRefusedError` is `isCarrelloError(err, 'event_refused')`).
 */

/** The bounded producer buffer is full: nothing of the call was taken. Retry after a while. */
export const ProducerBackpressureError = codeGuard('producer_backpressure');
export type ProducerBackpressureError = CarrelloError<'producer_backpressure'>;

export function producerBackpressure(buffered: number, limit: number, what: 'messages' | 'bytes' = 'messages'): CarrelloError<'producer_backpressure'> {
  return new CarrelloError('producer_backpressure', `producer buffer is full (${buffered} ${what} waiting or in flight, limit ${limit}); retry later`, {
    buffered,
    limit,
    unit: what,
  });
}

/** Kafka did not acknowledge the messages (broker unreachable, timed out, refused them). They may or may not be in the topic. */
export const KafkaUnavailableError = codeGuard('kafka_unavailable');
export type KafkaUnavailableError = CarrelloError<'kafka_unavailable'>;

export function kafkaUnavailable(message: string, cause?: unknown): CarrelloError<'kafka_unavailable'> {
  return new CarrelloError('kafka_unavailable', message, {}, { cause });
}

/** The event breaks the contract; it was not sent. `details.reason` and `details.field` are the pipeline's. */
export const EventRefusedError = codeGuard('event_refused');
export type EventRefusedError = CarrelloError<'event_refused'>;

export function eventRefused(rejection: Rejection): CarrelloError<'event_refused'> {
  return new CarrelloError('event_refused', `event refused (${rejection.reason}): ${rejection.detail}`, {
    reason: rejection.reason,
    field: rejection.field,
  });
}

/** The producer or ingress was closed; nothing more is taken. */
export const ProducerClosedError = codeGuard('producer_closed');
export type ProducerClosedError = CarrelloError<'producer_closed'>;

export function producerClosed(): CarrelloError<'producer_closed'> {
  return new CarrelloError('producer_closed', 'the producer is closed');
}
