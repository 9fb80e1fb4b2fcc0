import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopicsAndWait } from '../ingest/kafka/topics.ts';

const brokers = inject('kafkaBrokers');

describe.skipIf(brokers === null)('kafka smoke', () => {
  const kafka = new Kafka({ clientId: 'carrello-smoke', brokers: (brokers ?? '').split(','), logLevel: logLevel.WARN });
  // Each run owns its topic and group, so suites can share one broker side by side.
  const topic = `carrello.smoke.${randomUUID()}`;
  const groupId = `carrello-smoke-${randomUUID()}`;
  const admin = kafka.admin();
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    await admin.connect();
    // Not kafkajs's waitForLeaders: on a busy broker it can fail with UNKNOWN_TOPIC_OR_PARTITION.
    await createTopicsAndWait(admin, [{ topic, numPartitions: 3 }]);
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('delivers messages keyed by cart id back in per-cart order', async () => {
    // given three events for two carts, sent by an idempotent producer
    // (an explicit partitioner also silences kafkajs's "switched default partitioner" warning)
    producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'cart-a', value: 'cart-a:item_added' },
        { key: 'cart-b', value: 'cart-b:item_added' },
        { key: 'cart-a', value: 'cart-a:item_removed' },
      ],
    });

    // when a new consumer group reads the topic from the beginning
    const group = kafka.consumer({ groupId });
    consumer = group;
    await group.connect();
    await group.subscribe({ topic, fromBeginning: true });
    const received: Record<string, string[]> = {};
    let count = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${count} of 3 messages in 20 s`)), 20_000);
      void group.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          received[key] ??= [];
          received[key].push(message.value?.toString() ?? '');
          if (++count === 3) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });

    // then every message comes back exactly once, in order within each cart
    expect(received).toEqual({
      'cart-a': ['cart-a:item_added', 'cart-a:item_removed'],
      'cart-b': ['cart-b:item_added'],
    });
  }, 30_000);
});
