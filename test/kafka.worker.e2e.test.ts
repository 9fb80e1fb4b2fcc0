import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../ingest/kafka/client.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import type { IngestWorker } from '../ingest/kafka/worker.ts';
import { processMessage } from '../ingest/pipeline/process.ts';
import { DEFAULT_SIMULATION, Simulation, type SimMessage } from '../ingest/simulator/simulation.ts';
import { kafkaSink } from '../ingest/simulator/sinks.ts';
import { IngestMetrics } from '../ingest/metrics.ts';
import type { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import {
  createTopics,
  inProcessWorker,
  metricValue,
  produce,
  readTopic,
  testKafka,
  topicSpec,
  unique,
  waitFor,
  waitForProgress,
  workerOptions,
} from './support/kafkaTest.ts';
import { tempDuckDb } from './support/tempStore.ts';

const brokers = inject('kafkaBrokers');
const DAY = 86_400_000;
const END = Date.parse('2026-10-01T00:00:00.000Z');

/** Simulated traffic with resent and broken events, and what an offline pass of the pipeline's steps expects of it. */
function traffic(seed: string, days: number, cartsPerDay: number) {
  const sim = new Simulation(END - days * DAY, { ...DEFAULT_SIMULATION, seed, cartsPerDay, duplicateRate: 0.01, invalidRate: 0.005 });
  const messages: SimMessage[] = [...sim.until(END)];
  const valid = new Set<string>();
  let invalid = 0;
  for (const m of messages) {
    const p = processMessage({ raw: Buffer.from(JSON.stringify(m.body)), source: 'offline', sourceRef: null, receivedAtMs: 0 });
    if (p.kind === 'event') valid.add(p.row.event_id);
    else invalid += 1;
  }
  return { messages, valid, invalid };
}

/** The simulator's own Kafka sink, as `carrello simulate --to kafka` uses it. */
async function simulateToKafka(topic: string, messages: readonly SimMessage[]): Promise<void> {
  const sink = kafkaSink(new BufferedPublisher(createKafka({ brokers: brokers!.split(','), clientId: 'sim-test' })), topic);
  const chunk = 2_000;
  for (let i = 0; i < messages.length; i += chunk) await sink.send(messages.slice(i, i + chunk));
  await sink.close();
}

async function storedIds(warehouse: DuckDbWarehouse): Promise<string[]> {
  return (await warehouse.all('SELECT event_id::VARCHAR AS id FROM events')).map((r) => r.id as string);
}

async function countEvents(warehouse: DuckDbWarehouse): Promise<{ n: number; distinct: number }> {
  const [row] = await warehouse.all('SELECT count(*)::INT AS n, count(DISTINCT event_id)::INT AS distinct FROM events');
  return row as { n: number; distinct: number };
}

async function endOffsetsSum(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
}

describe.skipIf(brokers === null)('ingest workers on a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let workers: IngestWorker[] = [];

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await store?.cleanup();
  });

  it('two workers in one group store every simulated event_id exactly once and dead-letter every broken one', async () => {
    // given ≥ 20,000 simulated messages (with resent and broken ones) and their offline count
    const t = traffic('two-workers', 5, 800);
    expect(t.messages.length).toBeGreaterThanOrEqual(20_000);
    const topic = unique('two-workers');
    const group = unique('g');
    const spec = topicSpec(topic);
    store = await tempDuckDb();

    // when two consumers of one group (sharing one DuckDB, which one process owns) split the 12 partitions
    const opts = workerOptions(brokers!, spec, group);
    workers = [inProcessWorker(store.warehouse, opts), inProcessWorker(store.warehouse, opts)];
    await Promise.all(workers.map((w) => w.ready));
    await waitFor('both workers assigned', () => (workers.every((w) => w.health.report().partitions.length === 6) ? true : undefined));
    // and the simulator writes the traffic to the topic
    const started = Date.now();
    await simulateToKafka(topic, t.messages);
    await waitForProgress('every event stored', async () => (await countEvents(store.warehouse)).n, t.valid.size);
    const elapsed = Date.now() - started;

    // then the stored event_ids are exactly the valid ones produced, each once
    const ids = await storedIds(store.warehouse);
    expect(ids).toHaveLength(t.valid.size);
    expect(new Set(ids)).toEqual(t.valid);
    expect(await countEvents(store.warehouse)).toEqual({ n: t.valid.size, distinct: t.valid.size });
    // and every broken message went to the dead-letter topic, and is counted in rejected_events once it was there
    await waitFor('dead letters', async () => (await endOffsetsSum(admin, spec.deadLetterTopic)) === t.invalid);
    await waitFor('dead letters counted', async () => (await store.warehouse.all('SELECT count(*)::INT AS n FROM rejected_events'))[0]!.n === t.invalid);
    // and both members did part of the work (their totals move just after the commit the count above saw)
    await waitFor('workers totals', () => workers[0]!.pipeline.totals.inserted + workers[1]!.pipeline.totals.inserted === t.valid.size);
    for (const w of workers) expect(w.pipeline.totals.inserted).toBeGreaterThan(0);
    console.info(`[two workers] ${t.messages.length} messages produced and stored in ${elapsed} ms`);
  }, 600_000); // a backstop only: the wait for the events fails on its own when progress stops

  it('loses nothing when a second worker joins while events are being produced (rebalance)', async () => {
    const t = traffic('rebalance', 4, 600);
    const topic = unique('rebalance');
    const group = unique('g');
    const spec = topicSpec(topic);
    store = await tempDuckDb();
    const opts = workerOptions(brokers!, spec, group);

    // given one worker consuming while the first third is produced
    workers = [inProcessWorker(store.warehouse, opts)];
    await workers[0]!.ready;
    const third = Math.ceil(t.messages.length / 3);
    await simulateToKafka(topic, t.messages.slice(0, third));
    // when a second worker joins mid-stream (the group rebalances) and production goes on
    const joining = inProcessWorker(store.warehouse, opts);
    workers.push(joining);
    const rest = simulateToKafka(topic, t.messages.slice(third));
    await joining.ready;
    await waitFor('rebalanced to two members', () => (joining.health.report().partitions.length > 0 ? true : undefined));
    await rest;

    // then every valid event_id is stored exactly once
    await waitFor('every event stored', async () => (await countEvents(store.warehouse)).n === t.valid.size, 120_000);
    expect(new Set(await storedIds(store.warehouse))).toEqual(t.valid);
    expect((await countEvents(store.warehouse)).distinct).toBe(t.valid.size);
    expect(workers[0]!.health.report().partitions.length + joining.health.report().partitions.length).toBe(12);
  });

  it('pauses and retries while the warehouse fails, never dead-lettering a good event, and stores everything once it is back', async () => {
    // given a warehouse that fails its first 5 batch writes, and a worker on it
    const t = traffic('warehouse-down', 1, 400);
    const topic = unique('wh-down');
    const spec = topicSpec(topic);
    await createTopics(admin, spec);
    store = await tempDuckDb();
    let failures = 5;
    const flaky: Warehouse = Object.assign(Object.create(store.warehouse) as Warehouse, {
      writeBatch: (events: Parameters<Warehouse['writeBatch']>[0], rejected: Parameters<Warehouse['writeBatch']>[1]) =>
        failures-- > 0 ? Promise.reject(Object.assign(new Error('disk on fire'), { code: 'io_error' })) : store.warehouse.writeBatch(events, rejected),
    });
    const metrics = new IngestMetrics();
    workers = [inProcessWorker(flaky, workerOptions(brokers!, spec, unique('g')), metrics)];

    // when events arrive while writes fail
    await simulateToKafka(topic, t.messages);
    await waitFor('a retry reported', () => (workers[0]!.health.report().last_error?.code === 'io_error' ? true : undefined));

    // then, once writes succeed again, every valid event is stored and only the broken ones are dead letters
    await waitFor('every event stored', async () => (await countEvents(store.warehouse)).n === t.valid.size, 60_000);
    expect(new Set(await storedIds(store.warehouse))).toEqual(t.valid);
    await waitFor('dead letters', async () => (await endOffsetsSum(admin, spec.deadLetterTopic)) === t.invalid);
    await waitFor('retries over', () => (workers[0]!.health.report().retrying.length === 0 ? true : undefined));
    const text = await metrics.registry.metrics();
    expect(metricValue(text, 'carrello_warehouse_errors_total')).toBe(5);
  });

  it('ingests events produced by a non-Node client (kcat), keyed on the same partitions as the Java partitioner', async () => {
    // given events for 20 carts written by kcat with murmur2 partitioning, as a Java or librdkafka service would
    const topic = unique('kcat');
    const spec = topicSpec(topic);
    await createTopics(admin, spec);
    const carts = Array.from({ length: 20 }, (_, i) => `kcat-cart-${i}`);
    const events = carts.flatMap((cart, i) =>
      [0, 1, 2].map((n) => ({
        event_id: randomUUID(),
        type: 'cart.item_added',
        schema_version: 1,
        occurred_at: new Date(END + i * 1_000 + n).toISOString(),
        sequence: n,
        cart_id: cart,
        currency: 'EUR',
        channel: 'store',
        item: { product_id: `P${n}`, unit_price_minor: 999 },
        quantity: 1 + n,
      })),
    );
    const input = `${events.map((e) => `${e.cart_id}\t${JSON.stringify(e)}`).join('\n')}\n`;
    await kcat(
      ['-b', brokers!, '-t', topic, '-P', '-K', '\t', '-H', 'producer=kcat', '-X', 'partitioner=murmur2_random', '-X', 'enable.idempotence=true'],
      input,
    );

    // when a worker consumes the topic
    store = await tempDuckDb();
    workers = [inProcessWorker(store.warehouse, workerOptions(brokers!, spec, unique('g')))];
    await waitFor('kcat events stored', async () => (await countEvents(store.warehouse)).n === events.length);

    // then all are stored, each cart on the partition kafkajs (murmur2, like Java) would have chosen
    expect(new Set(await storedIds(store.warehouse))).toEqual(new Set(events.map((e) => e.event_id)));
    const mirror = unique('kcat-mirror');
    await createTopics(admin, topicSpec(mirror));
    await produce(
      kafka,
      mirror,
      carts.map((c) => ({ key: c, value: c })),
    );
    const expected = new Map((await readTopic(kafka, mirror)).map((m) => [m.key!.toString(), m.partition]));
    for (const m of await readTopic(kafka, topic)) {
      expect(m.partition).toBe(expected.get(m.key!.toString()));
      expect(m.headers.producer).toBe('kcat');
    }
  });
});

function kcat(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, (err, _stdout, stderr) => (err ? reject(new Error(`kcat failed: ${stderr || err.message}`)) : resolve()));
    child.stdin!.end(input);
  });
}
