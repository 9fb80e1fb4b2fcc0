import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { invalidExamples, validExamples } from '../ingest/contract/examples.ts';
import { DLQ_HEADERS } from '../ingest/kafka/deadLetter.ts';
import { metricValue, produce, readTopic, testKafka, unique, waitFor } from './support/kafkaTest.ts';
import { closedPort, startCarrello, type CarrelloProcess } from './support/process.ts';

const brokers = inject('kafkaBrokers');
const dir = mkdtempSync(join(tmpdir(), 'carrello-kafka-collector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const post = (url: string, body: unknown) =>
  fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe.skipIf(brokers === null)('carrello start with KAFKA_BROKERS: collector → Kafka → worker → store', () => {
  let kafka: Kafka;
  let server: CarrelloProcess;
  const topic = unique('collector');
  const group = unique('g');

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'k.duckdb')}`], {
      KAFKA_BROKERS: brokers!,
      CARRELLO_KAFKA_TOPIC: topic,
      CARRELLO_KAFKA_GROUP_ID: group,
      CARRELLO_KAFKA_LAG_INTERVAL_MS: '200',
    });
    // The in-process worker creates the topics and joins the group.
    await waitFor('the in-process worker consumes', async () => {
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { worker?: { status: string; partitions: number[] } };
      return health.worker?.status === 'running' && health.worker.partitions.length === 12 ? true : undefined;
    });
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    expect(await server?.exited).toBe(0);
  });

  it('answers 202 only once Kafka holds the events, dead-letters the refused ones, then stores the valid ones; /metrics counts all of it', async () => {
    // given five valid events and two that break the contract
    const valid = validExamples()
      .slice(0, 5)
      .map((e) => JSON.parse(e.text) as { event_id: string });
    const badCurrency = JSON.parse(invalidExamples().find((e) => e.name === 'unknown_currency')!.text) as unknown;
    const badType = JSON.parse(invalidExamples().find((e) => e.name === 'unknown_type')!.text) as unknown;

    // when they are posted in one request
    const res = await post(server.url, [valid[0], badCurrency, valid[1], valid[2], badType, valid[3], valid[4]]);

    // then the answer is 202 with the refusals by index and reason
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: 5,
      rejected: [
        { index: 1, reason: 'schema_violation', field: 'currency', detail: 'currency: unknown ISO 4217 currency code' },
        { index: 4, reason: 'unknown_type', field: 'type', detail: expect.stringContaining('cart.item_viewed') },
      ],
    });
    // and, already at that moment, the topic holds the five valid events and the dead-letter topic the two others
    const onTopic = await readTopic(kafka, topic);
    expect(onTopic.map((m) => (JSON.parse(m.value!.toString()) as { event_id: string }).event_id).sort()).toEqual(valid.map((v) => v.event_id).sort());
    const dead = await readTopic(kafka, `${topic}.dlq`);
    expect(dead.map((m) => [m.headers[DLQ_HEADERS.reason], m.headers[DLQ_HEADERS.source], m.headers[DLQ_HEADERS.ref]]).sort()).toEqual([
      ['schema_violation', 'collector', 'request#1'],
      ['unknown_type', 'collector', 'request#4'],
    ]);
    expect(dead.map((m) => m.value!.toString()).sort()).toEqual([JSON.stringify(badCurrency), JSON.stringify(badType)].sort());

    // and the in-process worker stores the five
    await waitFor('events stored', async () => {
      const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as { events_stored: number };
      return stats.events_stored === 5 ? true : undefined;
    });

    // and /metrics tells the same story, lag included
    let text = '';
    await waitFor('lag 0 on every partition', async () => {
      text = await (await fetch(`${server.url}/metrics`)).text();
      const lags = Array.from({ length: 12 }, (_, p) => text.includes(`carrello_kafka_consumer_lag{topic="${topic}",partition="${p}"} 0`));
      return lags.every(Boolean) ? true : undefined;
    });
    const expected: Record<string, number> = {
      'carrello_events_received_total{source="collector"}': 7,
      'carrello_events_received_total{source="kafka"}': 5,
      carrello_events_stored_total: 5,
      carrello_events_duplicate_total: 0,
      'carrello_events_rejected_total{reason="schema_violation",source="collector"}': 1,
      'carrello_events_rejected_total{reason="unknown_type",source="collector"}': 1,
      'carrello_dlq_writes_total{reason="schema_violation"}': 1,
      'carrello_dlq_writes_total{reason="unknown_type"}': 1,
      [`carrello_kafka_published_total{topic="${topic}"}`]: 5,
      [`carrello_kafka_published_total{topic="${topic}.dlq"}`]: 2,
      carrello_batch_size_sum: 5,
      carrello_warehouse_errors_total: 0,
      carrello_kafka_producer_buffered: 0,
    };
    expect(Object.fromEntries(Object.keys(expected).map((k) => [k, metricValue(text, k)]))).toEqual(expected);
    expect(metricValue(text, 'carrello_batch_write_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'carrello_kafka_offset_commits_total')).toBeGreaterThanOrEqual(1);
    expect(text).toContain('carrello_process_cpu_seconds_total');
  });

  it('counts in /v1/stats, by reason, what was dead-lettered by the collector and by the worker, with snake_case keys', async () => {
    // given the collector's two refusals above, and a message the worker refuses, produced straight to the topic
    await produce(kafka, topic, [{ key: 'k', value: '[1,2,3]' }]);
    const dead = await waitFor('the worker dead-lettered it', async () => {
      const all = await readTopic(kafka, `${topic}.dlq`);
      return all.length === 3 ? all : undefined;
    });
    expect(dead.filter((m) => m.headers[DLQ_HEADERS.source] === 'kafka').map((m) => m.headers[DLQ_HEADERS.reason])).toEqual(['not_an_object']);

    // when an operator asks for the stats
    const stats = await waitFor('the refusal counted', async () => {
      const s = (await (await fetch(`${server.url}/v1/stats`)).json()) as { events_rejected: number };
      return s.events_rejected === 3 ? (s as Record<string, unknown>) : undefined;
    });

    // then they count every dead letter by reason, and the pipeline's totals are named in snake_case
    expect(stats).toMatchObject({
      events_stored: 5,
      events_rejected: 3,
      rejected_by_reason: { schema_violation: 1, unknown_type: 1, not_an_object: 1 },
      ingest: { inserted: 5, duplicates: 0, rejected: 1, failed_batches: 0 },
    });
    expect(Object.keys(stats.ingest as object).sort()).toEqual(['batches', 'duplicates', 'failed_batches', 'inserted', 'rejected']);
    // and /metrics counts the same by reason and source
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(text, 'carrello_events_rejected_total{reason="not_an_object",source="kafka"}')).toBe(1);
    expect(metricValue(text, 'carrello_dlq_writes_total{reason="not_an_object"}')).toBe(1);
  });
});

describe('carrello start with an unreachable KAFKA_BROKERS', () => {
  it('answers 503 with Retry-After, never 202, and still stops cleanly', async () => {
    // given a collector whose broker address is a closed port
    const closed = await closedPort();
    const server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'down.duckdb')}`], {
      KAFKA_BROKERS: `127.0.0.1:${closed}`,
      CARRELLO_KAFKA_TOPIC: unique('down'),
      CARRELLO_KAFKA_DELIVERY_TIMEOUT_MS: '5000',
    });
    try {
      // when events are posted
      const started = Date.now();
      const res = await post(server.url, [JSON.parse(validExamples()[0]!.text)]);

      // then the answer is 503 kafka_unavailable with a Retry-After, within the delivery timeout
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await res.json()).toMatchObject({ status: 503, code: 'kafka_unavailable' });
      expect(Date.now() - started).toBeLessThan(10_000);
      const health = await fetch(`${server.url}/healthz`);
      expect(((await health.json()) as { worker: { status: string } }).worker.status).toBe('starting');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });
});
