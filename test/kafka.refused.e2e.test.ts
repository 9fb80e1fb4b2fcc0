/**
 * Fault 8's last case on the production path: events that pass the contract but whose insert the
 * warehouse refuses, on a real broker with the real ClickHouse engine (chdb). The values found to make an
 * engine refuse an insert are refused by the contract now (a time outside 1900-2299 in UTC, a lone
 * surrogate escape): they are on the topic too. No contract-valid value is left that makes an engine
 * refuse, so the refusal of three valid events is injected (sql/failingWarehouse.ts withRefusedEvents);
 * ingest/pipeline/isolate.int.test.ts shows the same isolation on real refusals of both engines.
 */
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validExamples } from '../ingest/contract/examples.ts';
import { DLQ_HEADERS } from '../ingest/kafka/deadLetter.ts';
import type { IngestWorker } from '../ingest/kafka/worker.ts';
import { IngestMetrics } from '../ingest/metrics.ts';
import { withRefusedEvents } from '../sql/failingWarehouse.ts';
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
import { tempClickHouse } from './support/tempClickHouse.ts';

const brokers = inject('kafkaBrokers');
const base = JSON.parse(validExamples().find((e) => e.name === 'item_added')!.text) as Record<string, unknown>;
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const event = (n: number, over: Record<string, unknown> = {}): Produced => ({
  key: 'cart-refused',
  value: JSON.stringify({ ...base, event_id: id(n), cart_id: 'cart-refused', sequence: n, ...over }),
});

// Two of them next to each other, so that they share every half but the last.
const REFUSED = [5, 6, 30];
const GOOD = 40;
/** Contract-invalid now, refused by ClickHouse's insert before (see decode.ts and events.ts). */
const CAUGHT = [
  { n: 100, reason: 'schema_violation', field: 'occurred_at', over: { occurred_at: '0000-01-01T00:00:00.000+01:00' } },
  { n: 101, reason: 'invalid_utf8', field: 'cart_id', over: {} },
];

describe.skipIf(brokers === null)('events the warehouse refuses to insert, on a real broker and ClickHouse (chdb)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let store: Awaited<ReturnType<typeof tempClickHouse>>;
  let worker: IngestWorker;
  const metrics = new IngestMetrics();
  const topic = unique('refused');
  const group = unique('g');
  // One partition, so that the refused events sit among good ones in the same batches.
  const spec = topicSpec(topic, { partitions: 1 });
  const produced: Produced[] = [];
  let deadLetters: ReadMessage[] = [];

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, spec);
    // given 40 valid events, three of which the warehouse will refuse, and two that the contract refuses
    for (let n = 0; n < GOOD; n += 1) produced.push(event(n));
    produced.splice(20, 0, event(100, CAUGHT[0]!.over));
    // A lone surrogate spelled as a JSON escape: valid UTF-8 bytes, valid JSON, no Unicode character.
    produced.splice(25, 0, { key: 'cart-refused', value: event(101).value!.toString().replace('"cart_id":"cart-refused"', '"cart_id":"cart-\\ud800"') });
    await produce(kafka, topic, produced, produced.length);

    // when a worker consumes the partition into a ClickHouse store that refuses three of the events
    store = await tempClickHouse('refused');
    worker = inProcessWorker(withRefusedEvents(store.warehouse, REFUSED.map(id)), workerOptions(brokers!, spec, group), metrics);
    await waitFor('the partition consumed', async () => (await committedOffsets(admin, group, topic)).get(0) === BigInt(produced.length));
    deadLetters = await readTopic(kafka, spec.deadLetterTopic);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await store?.cleanup();
    await admin?.disconnect();
  });

  const storedIds = async () => (await store.warehouse.rows('SELECT toString(event_id) AS id FROM events FINAL ORDER BY sequence')).map((r) => r.id as string);

  it('dead-letters each refused event alone, with reason warehouse_rejected, its bytes and offset', () => {
    const refused = deadLetters.filter((d) => d.headers[DLQ_HEADERS.reason] === 'warehouse_rejected');
    expect(refused.map((d) => ({ value: d.value!.toString(), offset: d.headers[DLQ_HEADERS.offset], detail: d.headers[DLQ_HEADERS.detail] }))).toEqual(
      REFUSED.map((n) => {
        const offset = produced.findIndex((p) => p.value === event(n).value);
        return { value: event(n).value, offset: String(offset), detail: 'the warehouse refused to store this event: failpoint REFUSED_EVENT' };
      }),
    );
  });

  it('refuses the values ClickHouse could not insert at the contract, naming the field', () => {
    const caught = deadLetters.filter((d) => d.headers[DLQ_HEADERS.reason] !== 'warehouse_rejected');
    expect(caught.map((d) => ({ reason: d.headers[DLQ_HEADERS.reason], field: d.headers[DLQ_HEADERS.field] }))).toEqual(
      CAUGHT.map((c) => ({ reason: c.reason, field: c.field })),
    );
  });

  it('stores every other event of the batches once, and counts the refusals', async () => {
    const good = Array.from({ length: GOOD }, (_, n) => n).filter((n) => !REFUSED.includes(n));
    expect(await storedIds()).toEqual(good.map(id));
    expect(await store.warehouse.rows('SELECT count() AS n, uniqExact(event_id) AS u FROM events')).toEqual([
      { n: String(good.length), u: String(good.length) },
    ]);
    expect(deadLetters).toHaveLength(REFUSED.length + CAUGHT.length);
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'carrello_events_stored_total')).toBe(good.length);
    expect(metricValue(text, 'carrello_events_rejected_total{reason="warehouse_rejected",source="kafka"}')).toBe(REFUSED.length);
    expect(metricValue(text, 'carrello_dlq_writes_total{reason="warehouse_rejected"}')).toBe(REFUSED.length);
  });

  it('keeps the partition flowing after them', async () => {
    const more = [event(200), event(201), event(202)];
    await produce(kafka, topic, more);
    await waitFor('committed to the end', async () => (await committedOffsets(admin, group, topic)).get(0) === BigInt(produced.length + more.length));
    expect((await storedIds()).slice(-3)).toEqual([id(200), id(201), id(202)]);
  });
});
