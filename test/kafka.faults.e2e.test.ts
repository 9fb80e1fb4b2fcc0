import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { processMessage } from '../ingest/pipeline/process.ts';
import { DEFAULT_SIMULATION, Simulation } from '../ingest/simulator/simulation.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import {
  committedOffsets,
  createTopics,
  metricValue,
  produce,
  readTopic,
  testKafka,
  topicSpec,
  unique,
  waitFor,
} from './support/kafkaTest.ts';
import { startIngestWorker, type CarrelloProcess } from './support/process.ts';

const brokers = inject('kafkaBrokers');
const DAY = 86_400_000;
const END = Date.parse('2026-10-01T00:00:00.000Z');
const dir = mkdtempSync(join(tmpdir(), 'carrello-faults-'));

/** Simulated cart events keyed by cart_id, and the event_ids an offline pass of the pipeline's steps keeps. */
function traffic(seed: string, days: number) {
  const sim = new Simulation(END - days * DAY, { ...DEFAULT_SIMULATION, seed, cartsPerDay: 1_000 });
  const messages = [...sim.until(END)].map((m) => ({ key: (m.body as { cart_id: string }).cart_id, value: JSON.stringify(m.body) }));
  const valid = new Set<string>();
  for (const m of messages) {
    const p = processMessage({ raw: Buffer.from(m.value), source: 'offline', sourceRef: null, receivedAtMs: 0 });
    if (p.kind === 'event') valid.add(p.row.event_id);
  }
  return { messages, valid };
}

async function withStore<T>(path: string, fn: (w: DuckDbWarehouse) => Promise<T>): Promise<T> {
  const warehouse = await DuckDbWarehouse.open(path);
  try {
    return await fn(warehouse);
  } finally {
    await warehouse.close();
  }
}

async function storedIds(w: DuckDbWarehouse): Promise<string[]> {
  return (await w.all('SELECT event_id::VARCHAR AS id FROM events')).map((r) => r.id as string);
}

async function metrics(worker: CarrelloProcess): Promise<string> {
  return (await fetch(`${worker.url}/metrics`)).text();
}

describe.skipIf(brokers === null)('worker faults (child processes, real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const running: CarrelloProcess[] = [];
  const worker = (store: string, env: Record<string, string>) =>
    startIngestWorker(['--store', `duckdb:${store}`], { KAFKA_BROKERS: brokers!, ...env }).then((w) => (running.push(w), w));

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    for (const w of running) w.child.kill('SIGKILL');
    await admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker stopped by SIGTERM mid-stream commits only what is stored, and a restart loses and duplicates nothing', async () => {
    // given ~20,000 events on 12 partitions
    const t = traffic('sigterm', 3.5);
    const topic = unique('sigterm');
    const group = unique('g');
    const spec = topicSpec(topic);
    await createTopics(admin, spec);
    await produce(kafka, topic, t.messages);
    const store = join(dir, 'sigterm.duckdb');
    // Small batches, so that the signal lands while batches are in flight.
    const env = { CARRELLO_KAFKA_TOPIC: topic, CARRELLO_KAFKA_GROUP_ID: group, CARRELLO_BATCH_MAX_EVENTS: '300', CARRELLO_BATCH_MAX_WAIT_MS: '5' };

    // when the worker gets SIGTERM while it is consuming
    const first = await worker(store, env);
    await waitFor('consumption under way', async () => metricValue(await metrics(first), 'carrello_events_stored_total') >= 2_000, 60_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('left the consumer group');

    // then every message below each committed offset is durable in the store
    const committed = await committedOffsets(admin, group, topic);
    const onTopic = await readTopic(kafka, topic);
    const idsAfterStop = new Set(await withStore(store, storedIds));
    expect(idsAfterStop.size).toBeLessThan(t.valid.size);
    let covered = 0;
    for (const m of onTopic) {
      if (BigInt(m.offset) >= (committed.get(m.partition) ?? -1n)) continue;
      const id = (JSON.parse(m.value!.toString()) as { event_id: string }).event_id;
      expect(idsAfterStop.has(id)).toBe(true);
      covered += 1;
    }
    expect(covered).toBeGreaterThan(0);

    // when it restarts and catches up
    const second = await worker(store, env);
    await waitFor(
      'the group committed to the end',
      async () => [...(await committedOffsets(admin, group, topic)).values()].reduce((a, b) => a + b, 0n) === BigInt(t.messages.length),
      90_000,
    );
    await waitFor('lag 0 on /metrics', async () => {
      const text = await metrics(second);
      return Array.from({ length: 12 }, (_, p) => text.includes(`carrello_kafka_consumer_lag{topic="${topic}",partition="${p}"} 0`)).every(Boolean);
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // then the store holds every valid event_id exactly once
    await withStore(store, async (w) => {
      const ids = await storedIds(w);
      expect(ids).toHaveLength(t.valid.size);
      expect(new Set(ids)).toEqual(t.valid);
    });
  });

  it('a worker killed by the failpoint after its write and before its commit is redelivered on restart without doubling rows', async () => {
    // given ~10,000 events, none of them resent by the producer
    const t = traffic('failpoint', 2);
    expect(t.valid.size).toBe(t.messages.length);
    const topic = unique('failpoint');
    const group = unique('g');
    await createTopics(admin, topicSpec(topic));
    await produce(kafka, topic, t.messages);
    const store = join(dir, 'failpoint.duckdb');
    // A killed member never leaves the group: the broker drops it after the session timeout, which the
    // restarted worker's join waits for. The broker's minimum (6 s) keeps the test short.
    const env = { CARRELLO_KAFKA_TOPIC: topic, CARRELLO_KAFKA_GROUP_ID: group, CARRELLO_KAFKA_SESSION_TIMEOUT_MS: '6000' };

    // when the worker dies right after its first durable write, before committing
    const doomed = await worker(store, { ...env, CARRELLO_FAILPOINT: 'after_write_before_commit' });
    expect(await doomed.exited).toBe('SIGKILL');
    expect(doomed.output()).toContain('failpoint: dying after the write, before the commit');

    // then the write is in the store but no offset was committed
    const writtenBeforeCrash = await withStore(store, async (w) => (await storedIds(w)).length);
    expect(writtenBeforeCrash).toBeGreaterThan(0);
    expect([...(await committedOffsets(admin, group, topic)).values()].every((o) => o === -1n)).toBe(true);

    // when a worker restarts without the failpoint
    const restarted = await worker(store, env);
    await waitFor('caught up', async () => metricValue(await metrics(restarted), 'carrello_events_received_total{source="kafka"}') === t.messages.length, 90_000);
    await waitFor('last batch written', async () => {
      const text = await metrics(restarted);
      return metricValue(text, 'carrello_events_stored_total') + metricValue(text, 'carrello_events_duplicate_total') === t.messages.length;
    });
    const text = await metrics(restarted);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);

    // then it got the whole topic again, recognised exactly the rows written before the crash, and stored each event once
    expect(metricValue(text, 'carrello_events_duplicate_total')).toBe(writtenBeforeCrash);
    expect(metricValue(text, 'carrello_events_stored_total')).toBe(t.messages.length - writtenBeforeCrash);
    await withStore(store, async (w) => {
      const [row] = await w.all('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS d FROM events');
      expect(row).toEqual({ n: t.valid.size, d: t.valid.size });
    });
  });
});
