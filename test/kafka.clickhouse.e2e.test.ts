/**
 * End to end on the production path with ClickHouse: simulator → Kafka → two ingest workers in one group →
 * ClickHouse (chdb in this process; chdb binds its data directory to one process, so both workers share
 * it) → every read endpoint answers exactly as DuckDB does for the same events loaded directly. Events a
 * non-Node client (kcat) produced are ingested too, and each produced event is stored once.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../ingest/kafka/client.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import type { IngestWorker } from '../ingest/kafka/worker.ts';
import type { InboundMessage } from '../ingest/pipeline/message.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { processMessage } from '../ingest/pipeline/process.ts';
import { DEFAULT_SIMULATION, Simulation, type SimMessage } from '../ingest/simulator/simulation.ts';
import { kafkaSink } from '../ingest/simulator/sinks.ts';
import { abandonmentFunnel, quantityFunnel, removalFunnel, type AnalysisWindow } from '../projections/analyses.ts';
import { abandonedCartAudience, decodeCursor, type AudienceQuery } from '../projections/audiences.ts';
import { cartAsOf, cartTimeline } from '../projections/carts.ts';
import type { ClickHouseWarehouse } from '../sql/clickhouse/adapter.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { createTopics, inProcessWorker, testKafka, topicSpec, unique, waitFor, workerOptions } from './support/kafkaTest.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

const brokers = inject('kafkaBrokers');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Date.parse('2026-09-01T00:00:00.000Z');
const DAYS = 4;
const START = END - DAYS * DAY;

/** Instants to compare at, each with the range of carts (by start) its answers cover. */
const INSTANTS = [
  { as_of: START + 2 * DAY + 13 * HOUR + 4_321, from: START, to: START + 2 * DAY, abandon_ms: 24 * HOUR },
  { as_of: END + DAY, from: START, to: END, abandon_ms: 6 * HOUR },
];

/** Events for 20 carts as a non-Node service writes them (kcat, murmur2 keyed on cart_id). */
function kcatEvents() {
  return Array.from({ length: 20 }, (_, i) => `kcat-ch-cart-${i}`).flatMap((cart, i) =>
    [0, 1, 2].map((n) => ({
      event_id: randomUUID(),
      type: 'cart.item_added',
      schema_version: 1,
      occurred_at: new Date(START + DAY + i * 60_000 + n * 1_000).toISOString(),
      sequence: n,
      cart_id: cart,
      currency: 'EUR',
      channel: 'store',
      item: { product_id: `KP${n}`, unit_price_minor: 999 + n },
      quantity: 1 + n,
    })),
  );
}

function toInbound(bodies: readonly unknown[]): InboundMessage[] {
  return bodies.map((body, i) => {
    const text = JSON.stringify(body);
    return { raw: Buffer.from(text), parsed: { json: body, text }, source: 'test', sourceRef: `direct#${i}`, receivedAtMs: END };
  });
}

async function simulateToKafka(topic: string, messages: readonly SimMessage[]): Promise<void> {
  const sink = kafkaSink(new BufferedPublisher(createKafka({ brokers: brokers!.split(','), clientId: 'sim-ch-test' })), topic);
  const chunk = 2_000;
  for (let i = 0; i < messages.length; i += chunk) await sink.send(messages.slice(i, i + chunk));
  await sink.close();
}

function kcat(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, (err, _stdout, stderr) => (err ? reject(new Error(`kcat failed: ${stderr || err.message}`)) : resolve()));
    child.stdin!.end(input);
  });
}

async function chCounts(w: ClickHouseWarehouse): Promise<{ raw: number; final: number; distinct: number }> {
  const [row] = await w.rows('SELECT (SELECT count() FROM events) AS raw, count() AS final, uniqExact(event_id) AS distinct FROM events FINAL');
  return { raw: Number(row!.raw), final: Number(row!.final), distinct: Number(row!.distinct) };
}

describe.skipIf(brokers === null)('Kafka → two workers → ClickHouse answers as DuckDB does', () => {
  let kafka: Kafka;
  let admin: Admin;
  let ch: Awaited<ReturnType<typeof tempClickHouse>>;
  let duck: Awaited<ReturnType<typeof tempDuckDb>>;
  let workers: IngestWorker[] = [];
  let valid: Set<string>;
  let cartIds: string[];

  beforeAll(async () => {
    kafka = testKafka(brokers!);
    admin = kafka.admin();
    await admin.connect();

    // given ≥ 20,000 simulated messages (resent copies and broken ones among them) and 60 written by kcat
    const sim = new Simulation(START, { ...DEFAULT_SIMULATION, seed: 'kafka-clickhouse', cartsPerDay: 1_000, duplicateRate: 0.01, invalidRate: 0.003 });
    const messages: SimMessage[] = [...sim.until(END)];
    expect(messages.length).toBeGreaterThanOrEqual(20_000);
    const fromKcat = kcatEvents();
    valid = new Set(fromKcat.map((e) => e.event_id));
    const carts = new Set(fromKcat.map((e) => e.cart_id));
    for (const m of messages) {
      const p = processMessage({ raw: Buffer.from(JSON.stringify(m.body)), source: 'offline', sourceRef: null, receivedAtMs: 0 });
      if (p.kind === 'event') {
        valid.add(p.row.event_id);
        carts.add(p.row.cart_id);
      }
    }
    cartIds = [...carts].sort();

    const topic = unique('ch-e2e');
    const spec = topicSpec(topic);
    await createTopics(admin, spec);
    [ch, duck] = await Promise.all([tempClickHouse('kafka_e2e'), tempDuckDb()]);

    // when two workers of one group share the ClickHouse warehouse of this process
    const opts = workerOptions(brokers!, spec, unique('g-ch'));
    workers = [inProcessWorker(ch.warehouse, opts), inProcessWorker(ch.warehouse, opts)];
    await Promise.all(workers.map((w) => w.ready));
    await waitFor('both workers assigned', () => (workers.every((w) => w.health.report().partitions.length === 6) ? true : undefined));

    // and the simulator's Kafka sink and kcat write the traffic, while DuckDB gets the same messages directly
    const started = Date.now();
    const input = `${fromKcat.map((e) => `${e.cart_id}\t${JSON.stringify(e)}`).join('\n')}\n`;
    const direct = (async () => {
      const pipeline = new IngestPipeline(duck.warehouse);
      const all = toInbound([...messages.map((m) => m.body), ...fromKcat]);
      for (let i = 0; i < all.length; i += 5_000) await pipeline.ingest(all.slice(i, i + 5_000));
      await pipeline.close();
    })();
    await Promise.all([
      simulateToKafka(topic, messages),
      kcat(['-b', brokers!, '-t', topic, '-P', '-K', '\t', '-H', 'producer=kcat', '-X', 'partitioner=murmur2_random', '-X', 'enable.idempotence=true'], input),
      direct,
    ]);
    await waitFor('every event stored in ClickHouse', async () => ((await chCounts(ch.warehouse)).final >= valid.size ? true : undefined), 90_000);
    console.info(`[kafka → clickhouse] ${messages.length + fromKcat.length} messages produced and stored in ${Date.now() - started} ms`);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await admin?.disconnect();
    await Promise.all([ch?.cleanup(), duck?.cleanup()]);
  });

  it('stores every valid event produced, kcat ones included, exactly once', async () => {
    expect(await chCounts(ch.warehouse)).toEqual({ raw: valid.size, final: valid.size, distinct: valid.size });
    const ids = (await ch.warehouse.rows('SELECT toString(event_id) AS id FROM events FINAL')).map((r) => r.id as string);
    expect(new Set(ids)).toEqual(valid);
    expect((await duck.warehouse.stats()).events_stored).toBe(valid.size);
    await waitFor('workers totals', () => workers[0]!.pipeline.totals.inserted + workers[1]!.pipeline.totals.inserted === valid.size);
    for (const w of workers) expect(w.pipeline.totals.inserted).toBeGreaterThan(0);
  });

  it('gives every read endpoint the same answer as DuckDB given the same events directly', { timeout: 240_000 }, async () => {
    const carts = sample(cartIds).concat(cartIds.filter((c) => c.startsWith('kcat-')).slice(0, 3));
    for (const instant of INSTANTS) {
      const d = await answers(duck.warehouse, instant, carts);
      const c = await answers(ch.warehouse, instant, carts);
      // (answers about something: carts in the funnel and the audience, the kcat carts found)
      expect((d['audience page 0'] as { json: { audience: { carts: number } } }).json.audience.carts).toBeGreaterThan(0);
      expect(JSON.stringify((d['abandonment none'] as { json: unknown }).json)).toMatch(/"step":"started","carts":[1-9]/);
      for (const id of carts.filter((x) => x.startsWith('kcat-'))) expect(d[`cart ${id}`]).not.toBeNull();
      expect(Object.keys(c)).toEqual(Object.keys(d));
      for (const key of Object.keys(d)) expect({ as_of: instant.as_of, key, answer: c[key] }).toEqual({ as_of: instant.as_of, key, answer: d[key] });
    }
  });
});

/** A spread of carts: every n-th of the sorted ids, about 15 of them. */
function sample(ids: readonly string[]): string[] {
  const step = Math.max(1, Math.floor(ids.length / 15));
  return ids.filter((_, i) => i % step === 0);
}

/** Every read endpoint's projection, keyed by what was asked (as test/parity.int.test.ts asks them). */
async function answers(w: Warehouse, instant: (typeof INSTANTS)[number], carts: string[]) {
  const win: AnalysisWindow = instant;
  const out: Record<string, unknown> = {};
  for (const b of ['none', 'channel', 'campaign', 'day'] as const) out[`abandonment ${b}`] = await abandonmentFunnel(w, win, b);
  for (const group of ['product', 'category'] as const) {
    out[`removal ${group}`] = await removalFunnel(w, win, { group, min_adds: 1, limit: 10_000 });
    out[`quantity ${group}`] = await quantityFunnel(w, win, { group, limit: 10_000 });
  }
  const q: AudienceQuery = {
    as_of: instant.as_of,
    abandon_ms: instant.abandon_ms,
    lookback_ms: 30 * 86_400_000,
    stage: 'any',
    min_value_minor: 0,
    consent: 'required',
    limit: 500,
    cursor: null,
  };
  for (let page = 0; ; page++) {
    const answer = await abandonedCartAudience(w, q);
    out[`audience page ${page}`] = answer;
    if (!answer.json.has_more) break;
    q.cursor = decodeCursor(answer.json.next_cursor);
  }
  out['audience without consent'] = await abandonedCartAudience(w, { ...q, consent: 'any', limit: 100_000, cursor: null });
  out['audience at checkout, worth 50.00 or more'] = await abandonedCartAudience(w, {
    ...q,
    stage: 'checkout',
    min_value_minor: 5_000,
    consent: 'any',
    limit: 100_000,
    cursor: null,
  });
  for (const id of carts) {
    out[`cart ${id}`] = await cartAsOf(w, id, instant.as_of, instant.abandon_ms);
    out[`cart ${id} timeline`] = await cartTimeline(w, id, instant.as_of, instant.abandon_ms);
  }
  return out;
}
