import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validExamples } from '../ingest/contract/examples.ts';
import { DLQ_HEADERS } from '../ingest/kafka/deadLetter.ts';
import { REPLAY_COUNT, REPLAYED_FROM, replayGroupId } from '../ingest/kafka/replay.ts';
import type { IngestWorker } from '../ingest/kafka/worker.ts';
import { IngestMetrics } from '../ingest/metrics.ts';
import { onTerminal, shown } from './support/terminal.ts';
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
import { tempDuckDb } from './support/tempStore.ts';

const brokers = inject('kafkaBrokers');
const BIN = fileURLToPath(new URL('../bin/carrello.js', import.meta.url));
const base = JSON.parse(validExamples().find((e) => e.name === 'item_added')!.text) as Record<string, unknown>;

/** A dead letter as the worker writes it: the refused bytes, the reason headers, one header of the producer's own. */
const deadLetter = (key: string, value: string, reason: string): Produced => ({
  key,
  value,
  headers: { [DLQ_HEADERS.reason]: reason, [DLQ_HEADERS.source]: 'kafka', [DLQ_HEADERS.detail]: 'as refused then', 'trace-id': `trace-${key}` },
});

// Still refused by today's contract: a replay must put them back on the dead-letter topic, once each.
const STILL_BROKEN = [
  deadLetter('b1', JSON.stringify({ ...base, type: 'cart.item_viewed' }), 'unknown_type'),
  deadLetter('b2', JSON.stringify({ type: 'cart.item_added', schema_version: 1, hello: 'world' }), 'schema_violation'),
  deadLetter('b3', '{"truncated": ', 'invalid_json'),
  deadLetter('b4', JSON.stringify({ ...base, schema_version: 2 }), 'unsupported_schema_version'),
];
// Refused once (a store that refused them, since fixed), valid now: a replay must send them back, once each.
const FIXED = [0, 1].map((n) =>
  deadLetter(
    `cart-fixed-${n}`,
    JSON.stringify({ ...base, event_id: `00000000-0000-4000-8000-0000000000f${n}`, cart_id: `cart-fixed-${n}` }),
    'warehouse_rejected',
  ),
);

describe.skipIf(brokers === null)('carrello dlq replay leaves each dead letter once', () => {
  let kafka: Kafka;
  let admin: Admin;
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let worker: IngestWorker;
  const metrics = new IngestMetrics();
  const topic = unique('dlqreplay');
  const spec = topicSpec(topic, { partitions: 1 });
  const group = replayGroupId(spec.deadLetterTopic);

  const replay = async (...args: string[]) => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, 'dlq', 'replay', ...args], {
      env: { ...process.env, KAFKA_BROKERS: brokers!, CARRELLO_KAFKA_TOPIC: topic, LOG_LEVEL: 'warn' },
    });
    expect(stderr).not.toContain('carrello dlq replay:');
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  /** The dead letters not replayed yet: past the replay group's committed offset. */
  const pending = async (): Promise<ReadMessage[]> => {
    const from = (await committedOffsets(admin, group, spec.deadLetterTopic)).get(0) ?? -1n;
    return (await readTopic(kafka, spec.deadLetterTopic)).filter((m) => BigInt(m.offset) >= from);
  };
  const stored = async () => (await store.warehouse.all('SELECT cart_id FROM events ORDER BY cart_id')).map((r) => r.cart_id);

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, spec);
    // given six dead letters, four still broken and two valid now, and a worker on the event topic
    await produce(kafka, spec.deadLetterTopic, [STILL_BROKEN[0]!, FIXED[0]!, STILL_BROKEN[1]!, STILL_BROKEN[2]!, FIXED[1]!, STILL_BROKEN[3]!]);
    store = await tempDuckDb();
    worker = inProcessWorker(store.warehouse, workerOptions(brokers!, spec, unique('g')), metrics);
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await store?.cleanup();
    await admin?.disconnect();
  });

  it('sends the valid ones to the event topic and the still-broken ones to the dead-letter topic, never both', async () => {
    // when an operator replays every dead letter
    const report = await replay();

    // then it says what went where
    expect(report).toEqual({
      read: 6,
      matched: { unknown_type: 1, schema_violation: 1, invalid_json: 1, unsupported_schema_version: 1, warehouse_rejected: 2 },
      replayed: 2,
      still_invalid: 4,
      kept: 0,
    });
    // and the event topic holds the two valid ones only, which the worker stores
    const sent = await readTopic(kafka, topic);
    expect(sent.map((m) => [m.key?.toString(), m.headers[REPLAY_COUNT], m.headers['trace-id']])).toEqual([
      ['cart-fixed-0', '1', 'trace-cart-fixed-0'],
      ['cart-fixed-1', '1', 'trace-cart-fixed-1'],
    ]);
    expect(sent.every((m) => !(DLQ_HEADERS.reason in m.headers))).toBe(true);
    await waitFor('the replayed events stored', async () => (await stored()).length === 2);
    expect(await stored()).toEqual(['cart-fixed-0', 'cart-fixed-1']);
    // and the dead-letter topic has the four broken ones pending, once each, with their replay count and reason
    const left = await pending();
    expect(left.map((m) => [m.key?.toString(), m.headers[REPLAY_COUNT], m.headers[DLQ_HEADERS.reason], m.headers['trace-id']])).toEqual([
      ['b1', '1', 'unknown_type', 'trace-b1'],
      ['b2', '1', 'schema_violation', 'trace-b2'],
      ['b3', '1', 'invalid_json', 'trace-b3'],
      ['b4', '1', 'unsupported_schema_version', 'trace-b4'],
    ]);
    expect(left.map((m) => m.value?.toString())).toEqual(STILL_BROKEN.map((m) => m.value));
    expect(left.map((m) => m.headers[REPLAYED_FROM])).toEqual([0, 2, 3, 5].map((o) => `${spec.deadLetterTopic}:0:${o}`));
    // and the worker dead-lettered nothing of it: the topic holds the six originals and the four copies only
    expect(metricValue(await metrics.registry.metrics(), 'carrello_dlq_writes_total{reason="unknown_type"}')).toBe(0);
    expect(await readTopic(kafka, spec.deadLetterTopic)).toHaveLength(6 + 4);
  });

  it('replays again only what is left, raising the count, and a dry run moves nothing', async () => {
    // when the operator looks first, then replays again
    const dry = await replay('--dry-run');
    expect(dry).toMatchObject({ read: 4, replayed: 0, still_invalid: 4 });
    // (at a terminal, a progress line ends with the same counts; piped as above, stderr has none of it)
    const tty = await onTerminal(['dlq', 'replay', '--dry-run'], { KAFKA_BROKERS: brokers!, CARRELLO_KAFKA_TOPIC: topic });
    expect(shown(tty.screen)).toContain('carrello dlq replay: 4 dead letters read, 0 replayed, 4 still invalid');
    const report = await replay();

    // then the four are read once more and are pending once, with replay count 2; nothing more reached the event topic
    expect(report).toMatchObject({ read: 4, replayed: 0, still_invalid: 4, kept: 0 });
    const left = await pending();
    expect(left.map((m) => [m.key?.toString(), m.headers[REPLAY_COUNT]])).toEqual([
      ['b1', '2'],
      ['b2', '2'],
      ['b3', '2'],
      ['b4', '2'],
    ]);
    expect(await readTopic(kafka, topic)).toHaveLength(2);
  });

  it('with --reason, keeps the others pending unchanged', async () => {
    const report = await replay('--reason', 'invalid_json');
    expect(report).toEqual({ read: 4, matched: { invalid_json: 1 }, replayed: 0, still_invalid: 1, kept: 3 });
    const left = await pending();
    expect(left.map((m) => [m.key?.toString(), m.headers[REPLAY_COUNT]]).sort()).toEqual([
      ['b1', '2'],
      ['b2', '2'],
      ['b3', '3'],
      ['b4', '2'],
    ]);
    // and a reason matching none carries every one over as it is
    expect(await replay('--reason', 'oversized')).toMatchObject({ read: 4, kept: 4 });
  });
});
