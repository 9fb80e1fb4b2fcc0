import type { Logger } from 'pino';
import type { CartEvent } from '../contract/events.ts';
import { ACKS_ALL, createKafka, producerConfig } from '../kafka/client.ts';
import { eventRefused } from '../kafka/errors.ts';
import { BufferedPublisher, type OutRecord, type PublisherOptions } from '../kafka/publisher.ts';
import { DEFAULT_TOPIC } from '../kafka/topics.ts';
import type { IngestMetrics } from '../metrics.ts';
import { DEFAULT_MAX_EVENT_BYTES } from '../pipeline/decode.ts';
import { processMessage } from '../pipeline/process.ts';

export interface CartEventProducerOptions {
  /** Bootstrap brokers, host:port. */
  brokers: readonly string[];
  /** Default `carrello-producer`; name your service. */
  clientId?: string;
  /** Default carrello.cart-events.v1. */
  topic?: string;
  /** Bounded buffer and batching (defaults: 20,000 messages / 64 MiB buffered, 2,000 per request, 5 ms linger). */
  buffer?: Partial<PublisherOptions>;
  /** Largest event accepted, as the ingest workers check it (default 64 KiB). */
  maxEventBytes?: number;
  /** kafkajs logs go here (JSON); silent without one. */
  log?: Logger;
  metrics?: IngestMetrics;
}

/**
 * The producer SDK for commerce services: `emit(event)` checks the event against contract v1 exactly as
 * the ingest workers will (a refused event is never sent: code `event_refused` with the contract's reason),
 * keys it by cart_id (murmur2, like the Java client, so a cart's events keep their order on one
 * partition), and resolves once Kafka acknowledged it with acks=all from an idempotent producer.
 * Events are batched behind a bounded buffer: when it is full, emit() rejects at once with
 * code `producer_backpressure` instead of growing without limit.
 */
export class CartEventProducer {
  readonly topic: string;
  private readonly maxEventBytes: number;

  /** The kafkajs producer settings in force (idempotent, one request in flight) and the acks of every send. */
  static readonly settings = { ...producerConfig(), acks: ACKS_ALL } as const;

  private constructor(
    private readonly publisher: BufferedPublisher,
    opts: CartEventProducerOptions,
  ) {
    this.topic = opts.topic ?? DEFAULT_TOPIC;
    this.maxEventBytes = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  static create(opts: CartEventProducerOptions): CartEventProducer {
    const kafka = createKafka({ brokers: opts.brokers, clientId: opts.clientId ?? 'carrello-producer' }, opts.log);
    return new CartEventProducer(new BufferedPublisher(kafka, opts.buffer, opts.metrics), opts);
  }

  /** Connects now; optional, the first emit connects. Rejects with `kafka_unavailable`. */
  connect(): Promise<void> {
    return this.publisher.connect();
  }

  /** Sends one event; resolves once Kafka acknowledged it. */
  emit(event: CartEvent): Promise<void> {
    return this.emitMany([event]);
  }

  /** Sends events taken whole or refused whole (one invalid event refuses the call, nothing is sent). */
  emitMany(events: readonly CartEvent[]): Promise<void> {
    let records: OutRecord[];
    try {
      records = events.map((e) => this.record(e));
    } catch (err) {
      return Promise.reject(err);
    }
    return this.publisher.publish(records);
  }

  /** Events waiting in the buffer or in flight. */
  get buffered(): number {
    return this.publisher.buffered;
  }

  flush(): Promise<void> {
    return this.publisher.flush();
  }

  /** Sends what is buffered, then disconnects. */
  close(): Promise<void> {
    return this.publisher.close();
  }

  private record(event: CartEvent): OutRecord {
    const value = Buffer.from(JSON.stringify(event) ?? 'null');
    // The same steps the worker runs, so that what emit() takes, the worker stores.
    const p = processMessage({ raw: value, source: 'producer', sourceRef: null, receivedAtMs: Date.now() }, this.maxEventBytes);
    if (p.kind === 'rejected') throw eventRefused(p.rejection);
    return { topic: this.topic, key: p.row.cart_id, value };
  }
}
