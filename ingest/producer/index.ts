// The producer SDK's public surface for commerce services (`carrello/producer`): Kafka and HTTP.
export { CartEventProducer, type CartEventProducerOptions } from './producer.ts';
export { CollectorClient, CollectorRequestError, type CollectorClientOptions, type SendResult } from './http.ts';
export { EventRefusedError, KafkaUnavailableError, ProducerBackpressureError, ProducerClosedError } from '../kafka/errors.ts';
// carrello's one error: every error the SDK throws is a CarrelloError, told apart by its `code`.
export { CarrelloError, isCarrelloError, type ErrorCode } from '../../errors/carrelloError.ts';
export { DEFAULT_TOPIC } from '../kafka/topics.ts';
export { CartEvent as CartEventSchema, EVENT_TYPES, SCHEMA_VERSION } from '../contract/events.ts';
export type { CartEvent, CartEventOf, EventType, Item, OrderLine } from '../contract/events.ts';
