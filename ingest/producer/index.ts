// The producer SDK's public surface for commerce services.
export { CartEventProducer, type CartEventProducerOptions } from './producer.ts';
export { EventRefusedError, KafkaUnavailableError, ProducerBackpressureError, ProducerClosedError } from '../kafka/errors.ts';
export { DEFAULT_TOPIC } from '../kafka/topics.ts';
export type { CartEvent } from '../contract/events.ts';
