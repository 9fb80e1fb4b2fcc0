import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The ingest side's Prometheus series, on a registry the composition root owns (one per process).
 * Label values are stable strings: `reason` is a RejectReason (the same string as the dead-letter
 * header and the rejected_events column), `source` is where a message came from
 * (collector | kafka | simulator | ...). Customer identifiers never become labels.
 */
export class IngestMetrics {
  readonly received: Counter<'source'>;
  readonly stored: Counter;
  readonly duplicates: Counter;
  readonly rejected: Counter<'reason' | 'source'>;
  readonly dlqWrites: Counter<'reason'>;
  readonly batchSize: Histogram;
  readonly batchSeconds: Histogram;
  readonly warehouseErrors: Counter;
  readonly commits: Counter;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly published: Counter<'topic'>;
  readonly publishErrors: Counter<'code'>;
  readonly producerBuffered: Gauge;

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.received = new Counter({
      name: 'carrello_events_received_total',
      help: 'Messages handed to ingest, valid or not, by source (collector, kafka, simulator).',
      labelNames: ['source'],
      registers,
    });
    this.stored = new Counter({
      name: 'carrello_events_stored_total',
      help: 'Events newly stored in the warehouse (a redelivered event_id is not counted again).',
      registers,
    });
    this.duplicates = new Counter({
      name: 'carrello_events_duplicate_total',
      help: 'Valid events whose event_id was already stored: kept once, counted here.',
      registers,
    });
    this.rejected = new Counter({
      name: 'carrello_events_rejected_total',
      help: 'Messages refused by validation, by reason and source; kept in rejected_events or the dead-letter topic.',
      labelNames: ['reason', 'source'],
      registers,
    });
    this.dlqWrites = new Counter({
      name: 'carrello_dlq_writes_total',
      help: 'Messages acknowledged by the dead-letter topic, by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'carrello_batch_size',
      help: 'Messages (events and refused) per warehouse write.',
      buckets: [1, 10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'carrello_batch_write_seconds',
      help: 'Duration of one durable batch write (warehouse and, in Kafka mode, dead-letter topic).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.warehouseErrors = new Counter({
      name: 'carrello_warehouse_errors_total',
      help: 'Batch writes that failed; their messages are retried, never acknowledged.',
      registers,
    });
    this.commits = new Counter({
      name: 'carrello_kafka_offset_commits_total',
      help: 'Offset commit requests of the ingest worker, each only up to batches already durable.',
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'carrello_kafka_consumer_lag',
      help: "Messages not yet committed by this worker's group, per assigned partition (end offset - committed offset).",
      labelNames: ['topic', 'partition'],
      registers,
    });
    this.published = new Counter({
      name: 'carrello_kafka_published_total',
      help: 'Messages acknowledged by Kafka (acks=all) from this process, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.publishErrors = new Counter({
      name: 'carrello_kafka_publish_errors_total',
      help: 'Messages not handed to Kafka, by stable code (producer_backpressure, kafka_unavailable).',
      labelNames: ['code'],
      registers,
    });
    this.producerBuffered = new Gauge({
      name: 'carrello_kafka_producer_buffered',
      help: 'Messages waiting in the bounded producer buffer or in flight to Kafka.',
      registers,
    });
  }
}
