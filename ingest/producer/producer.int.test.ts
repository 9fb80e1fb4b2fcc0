import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics, readTopic, testKafka, topicSpec, unique } from '../../test/support/kafkaTest.ts';
import type { CartEvent } from '../contract/events.ts';
import type { PublisherOptions } from '../kafka/publisher.ts';
import { invalidExamples, validExamples } from '../contract/examples.ts';
import { CartEventProducer, EventRefusedError, ProducerBackpressureError } from './index.ts';

const brokers = inject('kafkaBrokers');

const event = (cart: string, n: number): CartEvent => ({
  event_id: randomUUID(),
  type: 'cart.item_added',
  schema_version: 1,
  occurred_at: new Date(Date.UTC(2026, 2, 1, 10, 0, 0, n)).toISOString(),
  sequence: n,
  cart_id: cart,
  customer_id: null,
  anonymous_id: `anon-${cart}`,
  session_id: null,
  currency: 'EUR',
  channel: 'web',
  item: { product_id: `P${n}`, unit_price_minor: 100 + n },
  quantity: 1,
});

describe.skipIf(brokers === null)('producer SDK (real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const producers: CartEventProducer[] = [];
  const open = (topic: string, buffer?: Partial<PublisherOptions>) => {
    const p = CartEventProducer.create({ brokers: brokers!.split(','), clientId: 'sdk-test', topic, buffer });
    producers.push(p);
    return p;
  };

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await Promise.all(producers.map((p) => p.close()));
    await admin.disconnect();
  });

  it.each(invalidExamples().map((e) => [e.name, e] as const))('refuses %s with the contract reason and sends nothing', async (_name, example) => {
    // given a topic and a producer
    const topic = unique('sdk-refuse');
    await createTopics(admin, topicSpec(topic, { partitions: 1 }));
    const producer = open(topic);
    // when a service emits an event that breaks the contract
    const emitted = producer.emit(JSON.parse(example.text) as CartEvent);
    // then it is refused with the same reason and field the worker would give, and the topic stays empty
    await expect(emitted).rejects.toBeInstanceOf(EventRefusedError);
    await expect(emitted).rejects.toMatchObject({ code: 'event_refused', details: { reason: example.expected.reason, field: example.expected.field } });
    await producer.flush();
    expect(await admin.fetchTopicOffsets(topic)).toEqual([expect.objectContaining({ partition: 0, high: '0' })]);
  });

  it('sends a valid event and refuses the whole call when one event of emitMany is invalid', async () => {
    const topic = unique('sdk-many');
    await createTopics(admin, topicSpec(topic, { partitions: 1 }));
    const producer = open(topic);
    const good = JSON.parse(validExamples()[0]!.text) as CartEvent;
    await expect(producer.emitMany([good, { ...good, currency: 'EURO' } as CartEvent])).rejects.toMatchObject({
      code: 'event_refused',
      details: { reason: 'schema_violation', field: 'currency' },
    });
    await producer.emit(good);
    const read = await readTopic(kafka, topic);
    expect(read.map((m) => JSON.parse(m.value!.toString()) as CartEvent)).toEqual([good]);
  });

  it('keys by cart_id: every event of a cart on one partition, in emit order, with an idempotent producer id', async () => {
    // given 8 carts with 15 events each, emitted interleaved
    const topic = unique('sdk-keys');
    await createTopics(admin, topicSpec(topic, { partitions: 6 }));
    const producer = open(topic);
    const carts = Array.from({ length: 8 }, (_, i) => `cart-${i}-${randomUUID()}`);
    const events = Array.from({ length: 15 }, (_, n) => carts.map((c) => event(c, n))).flat();
    await Promise.all(events.map((e) => producer.emit(e)));

    // when the topic is read back
    const read = await readTopic(kafka, topic);

    // then each cart sits on exactly one partition, its events in sequence order, keyed by its cart_id
    expect(read).toHaveLength(events.length);
    const partitionsOf = new Map<string, Set<number>>();
    const sequences = new Map<string, number[]>();
    for (const m of read) {
      const e = JSON.parse(m.value!.toString()) as CartEvent;
      expect(m.key?.toString()).toBe(e.cart_id);
      (partitionsOf.get(e.cart_id) ?? partitionsOf.set(e.cart_id, new Set()).get(e.cart_id)!).add(m.partition);
      (sequences.get(e.cart_id) ?? sequences.set(e.cart_id, []).get(e.cart_id)!).push(e.sequence!);
    }
    for (const cart of carts) {
      expect(partitionsOf.get(cart)?.size).toBe(1);
      expect(sequences.get(cart)).toEqual(Array.from({ length: 15 }, (_, n) => n));
    }
    expect(new Set(read.map((m) => m.partition)).size).toBeGreaterThan(1);
    // An idempotent producer writes batches with a broker-assigned producer id (-1 otherwise).
    expect(read.every((m) => m.producerId !== null && BigInt(m.producerId) >= 0n)).toBe(true);
    expect(CartEventProducer.settings).toMatchObject({ idempotent: true, maxInFlightRequests: 1, acks: -1 });
  });

  it('reports back-pressure with a stable code when the bounded buffer is full, and delivers what it took', async () => {
    // given a producer whose buffer holds 50 events and that waits long before sending a partial batch
    const topic = unique('sdk-pressure');
    await createTopics(admin, topicSpec(topic, { partitions: 3 }));
    const producer = open(topic, { maxBufferedMessages: 50, maxBatchMessages: 1_000, lingerMs: 60_000 });
    const cart = `cart-${randomUUID()}`;
    const taken = Array.from({ length: 50 }, (_, n) => producer.emit(event(cart, n)));

    // when one more event is emitted while the buffer is full
    const refused = producer.emit(event(cart, 50));

    // then it is refused at once, the buffer did not grow, and the 50 taken are delivered on flush
    await expect(refused).rejects.toBeInstanceOf(ProducerBackpressureError);
    await expect(refused).rejects.toMatchObject({ code: 'producer_backpressure', details: { limit: 50 } });
    expect(producer.buffered).toBe(50);
    await producer.flush();
    await Promise.all(taken);
    expect(producer.buffered).toBe(0);
    expect(await readTopic(kafka, topic)).toHaveLength(50);
  });
});
