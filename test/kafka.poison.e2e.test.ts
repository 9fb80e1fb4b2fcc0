import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validExamples } from '../ingest/contract/examples.ts';
import { DLQ_HEADERS } from '../ingest/kafka/deadLetter.ts';
import { REPLAY_COUNT, REPLAYED_FROM } from '../ingest/kafka/replay.ts';
import type { IngestWorker } from '../ingest/kafka/worker.ts';
import { IngestMetrics } from '../ingest/metrics.ts';
import {
  committedOffsets,
  createTopics,
  inProcessWorker,
  metricValue,
  produce,
  readTopic,
  testKafka,
  topicSpec,
  unique,
  waitFor,
  workerOptions,
  type Produced,
  type ReadMessage,
} from './support/kafkaTest.ts';
import { hostileEvents } from './fixtures/hostile.ts';
import { tempDuckDb } from './support/tempStore.ts';

const brokers = inject('kafkaBrokers');
const BIN = fileURLToPath(new URL('../bin/carrello.js', import.meta.url));

const base = JSON.parse(validExamples().find((e) => e.name === 'item_added')!.text) as Record<string, unknown>;
let goodCount = 0;
const good = (): Produced => {
  const n = goodCount++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { key: 'cart-poison', value: JSON.stringify({ ...base, event_id: id, cart_id: 'cart-poison', sequence: n }) };
};

/** Broken messages, each with the reason the worker must give it. */
const POISON: { name: string; reason: string; detail?: string; message: Produced }[] = [
  { name: 'non-UTF-8 bytes', reason: 'invalid_utf8', message: { key: 'k1', value: Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]) } },
  { name: 'truncated JSON', reason: 'invalid_json', message: { key: 'k2', value: JSON.stringify(base).slice(0, 80) } },
  { name: 'empty value (tombstone)', reason: 'invalid_json', message: { key: 'k3', value: null } },
  { name: 'JSON that is not an object', reason: 'not_an_object', message: { key: null, value: '[1,2,3]' } },
  {
    name: 'wrong shape (a known type without its fields)',
    reason: 'schema_violation',
    message: { key: 'k5', value: JSON.stringify({ type: 'cart.item_added', schema_version: 1, hello: 'world' }) },
  },
  { name: 'unknown type', reason: 'unknown_type', message: { key: 'k6', value: JSON.stringify({ ...base, type: 'cart.item_viewed' }) } },
  { name: 'future schema_version', reason: 'unsupported_schema_version', message: { key: 'k7', value: JSON.stringify({ ...base, schema_version: 2 }) } },
  {
    name: 'a 2 MiB message',
    reason: 'oversized',
    message: { key: 'k8', value: JSON.stringify({ ...base, padding: 'x'.repeat(2 * 1024 * 1024) }) },
  },
  // The collector's hostile events (collector.hostile.e2e.test.ts) get the same reason here: one decode step.
  ...hostileEvents()
    .filter((h) => h.reason === 'too_deep' || h.reason === 'duplicate_key')
    .map((h, i) => ({ name: h.name, reason: h.reason, detail: h.detail, message: { key: `k${9 + i}`, value: h.bytes } })),
];

describe.skipIf(brokers === null)('poison messages on a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let worker: IngestWorker;
  const metrics = new IngestMetrics();
  const topic = unique('poison');
  const group = unique('g');
  // One partition, so that the broken messages sit between good ones on the same partition.
  const spec = topicSpec(topic, { partitions: 1, maxMessageBytes: 4 * 1024 * 1024 });
  const produced: Produced[] = [];
  let deadLetters: ReadMessage[] = [];

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, spec);
    // given good events with each broken message between two of them, one original header on each broken one
    produced.push(good());
    for (const p of POISON) produced.push({ ...p.message, headers: { 'trace-id': `trace-${p.reason}` } }, good(), good());
    await produce(kafka, topic, produced, 1);

    // when a worker consumes the partition
    store = await tempDuckDb();
    worker = inProcessWorker(store.warehouse, workerOptions(brokers!, spec, group), metrics);
    await waitFor('the partition consumed', async () => (await committedOffsets(admin, group, topic)).get(0) === BigInt(produced.length));
    deadLetters = await readTopic(kafka, spec.deadLetterTopic);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await store?.cleanup();
    await admin?.disconnect();
  });

  it.each(POISON.map((p) => [p.name, p] as const))('dead-letters %s with its original bytes, key and headers', (_name, p) => {
    // The topic was fresh: the message's offset is its index in what was produced.
    const offset = produced.findIndex((m) => m.value === p.message.value && m.key === p.message.key);
    const copies = deadLetters.filter((d) => d.headers[DLQ_HEADERS.offset] === String(offset));
    expect(copies).toHaveLength(1);
    const copy = copies[0]!;
    const original = p.message.value === null ? Buffer.alloc(0) : Buffer.from(p.message.value);
    expect(Buffer.compare(copy.value ?? Buffer.alloc(0), original)).toBe(0);
    expect(copy.key?.toString() ?? null).toBe(p.message.key);
    expect(copy.headers).toMatchObject({
      [DLQ_HEADERS.reason]: p.reason,
      [DLQ_HEADERS.source]: 'kafka',
      [DLQ_HEADERS.topic]: topic,
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: String(offset),
      'trace-id': `trace-${p.reason}`,
    });
    expect(copy.headers[DLQ_HEADERS.detail]).toBeTruthy();
    if (p.detail) expect(copy.headers[DLQ_HEADERS.detail]).toBe(p.detail);
  });

  it('stores every good event, dead-letters nothing else, and counts each reason', async () => {
    expect(deadLetters).toHaveLength(POISON.length);
    const [row] = await store.warehouse.all('SELECT count(*)::INT AS n, max(sequence)::INT AS last FROM events');
    expect(row).toEqual({ n: goodCount, last: goodCount - 1 });
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'carrello_events_received_total{source="kafka"}')).toBe(produced.length);
    expect(metricValue(text, 'carrello_events_stored_total')).toBe(goodCount);
    expect(metricValue(text, 'carrello_dlq_writes_total{reason="invalid_json"}')).toBe(2);
    expect(metricValue(text, 'carrello_events_rejected_total{reason="oversized",source="kafka"}')).toBe(1);
    expect(metricValue(text, 'carrello_warehouse_errors_total')).toBe(0);
  });

  it('keeps the partition flowing after the poison', async () => {
    const more = [good(), good(), good()];
    await produce(kafka, topic, more);
    await waitFor('the new events stored', async () => {
      const [row] = await store.warehouse.all('SELECT count(*)::INT AS n FROM events');
      return row!.n === goodCount;
    });
    await waitFor('committed to the end', async () => (await committedOffsets(admin, group, topic)).get(0) === BigInt(produced.length + more.length));
  });

  it('replays dead letters of one reason with `carrello dlq replay`: a still-broken one goes back to the dead-letter topic, not to the worker', async () => {
    // when an operator replays the unknown_type dead letters
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'dlq', 'replay', '--reason', 'unknown_type'], {
      env: { ...process.env, KAFKA_BROKERS: brokers!, CARRELLO_KAFKA_TOPIC: topic, LOG_LEVEL: 'warn' },
    });

    // then it reports what it read, that the one it matched is still refused, and that the others stay
    expect(JSON.parse(stdout)).toEqual({ read: POISON.length, matched: { unknown_type: 1 }, replayed: 0, still_invalid: 1, kept: POISON.length - 1 });
    // and the copy is on the dead-letter topic once, naming the dead letter it came from, with its replay count
    const original = deadLetters.find((d) => d.headers[DLQ_HEADERS.reason] === 'unknown_type')!;
    const all = await readTopic(kafka, spec.deadLetterTopic);
    const again = all.filter((d) => d.headers[REPLAYED_FROM] === `${spec.deadLetterTopic}:0:${original.offset}`);
    expect(again).toHaveLength(1);
    expect(again[0]!.headers).toMatchObject({ [DLQ_HEADERS.reason]: 'unknown_type', [REPLAY_COUNT]: '1', 'trace-id': 'trace-unknown_type' });
    expect(Buffer.compare(again[0]!.value!, original.value!)).toBe(0);
    expect(all).toHaveLength(2 * POISON.length);
  });
});
