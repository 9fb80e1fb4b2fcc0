import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { moment, produceLive, storedIds, traffic, withStore } from './faults/support.ts';
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
  waitForProgress,
} from './support/kafkaTest.ts';
import { startIngestWorker, type CarrelloProcess } from './support/process.ts';

const brokers = inject('kafkaBrokers');
const dir = mkdtempSync(join(tmpdir(), 'carrello-faults-'));

async function metrics(worker: CarrelloProcess): Promise<string> {
  return (await fetch(`${worker.url}/metrics`)).text();
}

describe.skipIf(brokers === null)('worker faults (child processes, real broker)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const running: CarrelloProcess[] = [];
  const worker = (store: string, env: Record<string, string>) =>
    startIngestWorker(['--store', `duckdb:${store}`], { KAFKA_BROKERS: brokers!, ...env }).then((w) => {
      running.push(w);
      return w;
    });

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
    // Produced while the worker consumes, the last 5,000 held until the signal: it lands mid-stream on any machine.
    const signalled = moment();
    const producing = produceLive(kafka, topic, t.messages, { chunk: 1_000, gapMs: 20, holdBack: { last: 5_000, until: signalled.promise } });
    const store = join(dir, 'sigterm.duckdb');
    // Small batches, so that the signal lands while batches are in flight.
    const env = { CARRELLO_KAFKA_TOPIC: topic, CARRELLO_KAFKA_GROUP_ID: group, CARRELLO_BATCH_MAX_EVENTS: '300', CARRELLO_BATCH_MAX_WAIT_MS: '5' };

    // when the worker gets SIGTERM while it is consuming
    const first = await worker(store, env);
    await waitForProgress('consumption under way', async () => metricValue(await metrics(first), 'carrello_events_stored_total'), 2_000);
    first.child.kill('SIGTERM');
    signalled.happened();
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('left the consumer group');

    // then every message below each committed offset is durable in the store
    await producing.done;
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
    await waitForProgress(
      'the group committing to the end',
      async () => [...(await committedOffsets(admin, group, topic)).values()].reduce((a, b) => a + (b < 0n ? 0n : b), 0n),
      BigInt(t.messages.length),
    );
    await waitFor('lag 0 on /metrics', async () => {
      const text = await metrics(second);
      return Array.from({ length: 12 }, (_, p) => text.includes(`carrello_kafka_consumer_lag{topic="${topic}",partition="${p}"} 0`)).every(Boolean);
    });
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    // then the store holds every valid event_id exactly once
    await withStore(store, async (w: DuckDbWarehouse) => {
      const ids = await storedIds(w);
      expect(ids).toHaveLength(t.valid.size);
      expect(new Set(ids)).toEqual(t.valid);
    });
  }, 900_000); // a backstop only: every wait above fails on its own when progress stops

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
    await waitForProgress(
      'catching up',
      async () => metricValue(await metrics(restarted), 'carrello_events_received_total{source="kafka"}'),
      t.messages.length,
    );
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
  }, 900_000); // a backstop only: every wait above fails on its own when progress stops
});
