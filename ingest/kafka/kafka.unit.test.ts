import type { PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { deadLetterTopic, parseConfig } from '../../cli/config.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { processMessage, type RejectedMessage } from '../pipeline/process.ts';
import { Backoff } from './backoff.ts';
import { stablePartitioner } from './client.ts';
import { DLQ_HEADERS, deadLetterRecord } from './deadLetter.ts';

const partitions = (n: number): PartitionMetadata[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));

describe('stablePartitioner', () => {
  it('gives a keyless message the same partition on every retry, and a keyed one the partition of its key', () => {
    const partition = stablePartitioner();
    const meta = partitions(12);
    const keyless = Array.from({ length: 24 }, (_, i) => ({ value: `m${i}` }));
    const first = keyless.map((message) => partition({ topic: 't', partitionMetadata: meta, message }));
    const retried = keyless.map((message) => partition({ topic: 't', partitionMetadata: meta, message }));
    expect(retried).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1); // still spread over partitions
    // A keyed message goes by murmur2 of its key only (test/kafka.worker.e2e checks it against librdkafka's murmur2).
    expect(partition({ topic: 't', partitionMetadata: meta, message: { key: 'cart-1', value: 'x' } })).toBe(
      partition({ topic: 't', partitionMetadata: meta, message: { key: 'cart-1', value: 'y' } }),
    );
  });
});

describe('Backoff', () => {
  it('doubles per key from min up to max and starts again after a success', () => {
    const b = new Backoff(100, 1_000, () => 0.5);
    expect([b.next(1), b.next(1), b.next(1), b.next(1), b.next(1), b.next(2)]).toEqual([100, 200, 400, 800, 1_000, 100]);
    b.reset(1);
    expect(b.next(1)).toBe(100);
  });
});

describe('deadLetterRecord', () => {
  const kafkaMessage = (raw: Uint8Array): InboundMessage => ({
    raw,
    source: 'kafka',
    sourceRef: '7:42',
    receivedAtMs: 0,
    kafka: {
      topic: 'carrello.cart-events.v1',
      partition: 7,
      offset: '42',
      key: Buffer.from('cart-9'),
      headers: { 'trace-id': [Buffer.from('abc')], [DLQ_HEADERS.reason]: [Buffer.from('older')] },
      timestamp: '1790000000000',
    },
  });

  it('keeps the bytes, key and headers, and adds reason and source position', () => {
    const raw = Uint8Array.from([0x7b, 0xc3, 0x28, 0x7d]);
    const p = processMessage(kafkaMessage(raw)) as RejectedMessage;
    const record = deadLetterRecord(p, 'carrello.cart-events.v1.dlq');
    expect(record.topic).toBe('carrello.cart-events.v1.dlq');
    expect(Buffer.compare(record.value, Buffer.from(raw))).toBe(0);
    expect(record.key?.toString()).toBe('cart-9');
    expect(record.headers).toMatchObject({
      'trace-id': [Buffer.from('abc')],
      [DLQ_HEADERS.reason]: 'invalid_utf8',
      [DLQ_HEADERS.source]: 'kafka',
      [DLQ_HEADERS.topic]: 'carrello.cart-events.v1',
      [DLQ_HEADERS.partition]: '7',
      [DLQ_HEADERS.offset]: '42',
      [DLQ_HEADERS.timestamp]: '1790000000000',
    });
    expect(record.headers).not.toHaveProperty(DLQ_HEADERS.field);
  });
});

describe('Kafka configuration', () => {
  it('is off without KAFKA_BROKERS and documented defaults apply with it', () => {
    expect(parseConfig({}, {}).kafka_brokers).toBeNull();
    const c = parseConfig({}, { KAFKA_BROKERS: ' 127.0.0.1:9092, kafka-2:9093 ' });
    expect(c).toMatchObject({
      kafka_brokers: ['127.0.0.1:9092', 'kafka-2:9093'],
      kafka_topic: 'carrello.cart-events.v1',
      kafka_partitions: 12,
      kafka_group_id: 'carrello-ingest',
      kafka_replication_factor: -1,
      failpoint: null,
    });
    expect(deadLetterTopic(c)).toBe('carrello.cart-events.v1.dlq');
  });

  it('parses the failpoint and refuses unknown ones and malformed brokers, naming the field', () => {
    expect(parseConfig({}, { CARRELLO_FAILPOINT: 'after_write_before_commit' }).failpoint).toBe('after_write_before_commit');
    expect(() => parseConfig({}, { CARRELLO_FAILPOINT: 'before_everything' })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => parseConfig({}, { CARRELLO_FAILPOINT: 'before_everything' })).toThrow(/failpoint/);
    expect(parseConfig({}, { CARRELLO_FAILPOINT: 'warehouse_down_ms:20000' })).toMatchObject({ failpoint: null, warehouse_down_ms: 20_000 });
    expect(parseConfig({}, {}).warehouse_down_ms).toBeNull();
    expect(() => parseConfig({}, { CARRELLO_FAILPOINT: 'warehouse_down_ms:soon' })).toThrow(/warehouse_down_ms/);
    expect(() => parseConfig({}, { KAFKA_BROKERS: 'localhost' })).toThrow(/kafka_brokers/);
  });
});
