// Ingest throughput into ClickHouse (chdb, in-process), Kafka → one carrello worker, beside ClickHouse's own
// Kafka table engine consuming the same topic into a table of the same shape, in the same chdb session.
//   npx tsx bench/ingestClickHouse.ts [--events N] [--quick] [--json] [--profile]   (or `npm run bench -- --ingest`)
// --profile prints where the worker's time went (bench/ingestProfile.ts): CPU self time by module and
// function, and a wall-clock account by stage.
// Fills a fresh 12-partition topic with N simulated events (no resent or broken copies, so both sides must
// end with exactly N rows), then times (a) one carrello worker (default settings) and (b) a Kafka engine
// table (JSONAsString, one consumer, its own group) with a materialized view that extracts carrello's
// columns from the JSON, payload kept. Each rate is events / time, from
// the consumer's start (worker started / view created) to all N stored, group join included on both
// sides: the Kafka engine writes a block per kafka_flush_interval_ms (7.5 s) or kafka_max_block_size, so
// at these sizes it often lands everything in one block and a rate "from its first row" is undefined.
// The rate from the worker's first commit is printed beside it.
// Uses KAFKA_BROKERS, or starts the local broker (scripts/kafka).
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createKafka } from '../ingest/kafka/client.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import { ensureTopics } from '../ingest/kafka/topics.ts';
import { startWorker } from '../ingest/kafka/worker.ts';
import { DEFAULT_INGEST } from '../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';
import { kafkaSink } from '../ingest/simulator/sinks.ts';
import { startKafka } from '../scripts/kafka/broker.ts';
import { ClickHouseWarehouse } from '../sql/clickhouse/adapter.ts';
import { tempClickHouse } from '../test/support/tempClickHouse.ts';
import { CpuProfile, printProfile, StageClock } from './ingestProfile.ts';
import type { Result } from './stats.ts';

/** The columns of carrello's events table, from the event JSON as the contract spells it. */
const NATIVE_SELECT = `
SELECT
  toUUID(JSONExtractString(payload, 'event_id')) AS event_id,
  JSONExtractString(payload, 'type') AS type,
  toUInt8(JSONExtractUInt(payload, 'schema_version')) AS schema_version,
  parseDateTime64BestEffort(JSONExtractString(payload, 'occurred_at'), 3, 'UTC') AS occurred_at,
  now64(3, 'UTC') AS received_at,
  JSONExtract(payload, 'sequence', 'Nullable(Int64)') AS sequence,
  JSONExtractString(payload, 'cart_id') AS cart_id,
  JSONExtract(payload, 'customer_id', 'Nullable(String)') AS customer_id,
  JSONExtract(payload, 'anonymous_id', 'Nullable(String)') AS anonymous_id,
  JSONExtract(payload, 'session_id', 'Nullable(String)') AS session_id,
  JSONExtractString(payload, 'currency') AS currency,
  JSONExtractString(payload, 'channel') AS channel,
  JSONExtract(payload, 'campaign', 'source', 'Nullable(String)') AS campaign_source,
  JSONExtract(payload, 'campaign', 'medium', 'Nullable(String)') AS campaign_medium,
  JSONExtract(payload, 'campaign', 'name', 'Nullable(String)') AS campaign_name,
  JSONExtract(payload, 'consent', 'marketing', 'Nullable(Bool)') AS consent_marketing,
  JSONExtract(payload, 'item', 'product_id', 'Nullable(String)') AS product_id,
  JSONExtract(payload, 'item', 'sku', 'Nullable(String)') AS sku,
  JSONExtract(payload, 'item', 'name', 'Nullable(String)') AS product_name,
  JSONExtract(payload, 'item', 'category', 'Nullable(String)') AS category,
  JSONExtract(payload, 'item', 'brand', 'Nullable(String)') AS brand,
  JSONExtract(payload, 'item', 'unit_price_minor', 'Nullable(Int64)') AS unit_price_minor,
  JSONExtract(payload, 'quantity', 'Nullable(Int32)') AS quantity,
  JSONExtract(payload, 'from_quantity', 'Nullable(Int32)') AS from_quantity,
  JSONExtract(payload, 'to_quantity', 'Nullable(Int32)') AS to_quantity,
  JSONExtract(payload, 'cart_value_minor', 'Nullable(Int64)') AS cart_value_minor,
  JSONExtract(payload, 'order_id', 'Nullable(String)') AS order_id,
  JSONExtract(payload, 'total_minor', 'Nullable(Int64)') AS total_minor,
  JSONExtract(payload, 'items', 'Array(Tuple(product_id String, quantity Int32, unit_price_minor Int64))') AS order_items,
  'kafka-engine' AS source,
  payload
FROM events_kafka`;

export interface IngestClickHouseFigures {
  events: number;
  carrello_events_per_s: number;
  native_events_per_s: number;
  carrello_ms: number;
  native_ms: number;
  /** From the worker's first commit / the view's first row to all stored (null: all arrived at once). */
  carrello_from_first_events_per_s: number | null;
  native_from_first_events_per_s: number | null;
  /**
   * CPU time of this whole process (every thread: the worker's JavaScript, chdb's inserts and merges, or
   * the Kafka engine's consumer and view) over each timed stretch: what each side costs, apart from how
   * busy the shared machine was.
   */
  carrello_cpu_ms: number;
  native_cpu_ms: number;
}

const cpuMs = (u: NodeJS.CpuUsage) => Math.round((u.user + u.system) / 1000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls probe() until it reaches n. Returns events/s over the whole time from `startedAt` (consumer
 * started: group join and the first fetch included) and over the stretch from the first progress seen.
 */
async function timeProgress(n: number, startedAt: number, probe: () => Promise<number>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let first: { at: number; count: number } | null = null;
  for (;;) {
    const count = await probe();
    const now = Date.now();
    if (first === null && count > 0) first = { at: now, count };
    if (count >= n) {
      const ms = Math.max(1, now - startedAt);
      const fromFirstMs = Math.max(1, now - first!.at);
      return {
        ms,
        eventsPerS: Math.round((n / ms) * 1000),
        fromFirstMs,
        // null when everything arrived at once (one block): there is no stretch to measure.
        fromFirstEventsPerS: count === first!.count ? null : Math.round(((n - first!.count) / fromFirstMs) * 1000),
      };
    }
    if (now > deadline) throw new Error(`timed out after ${timeoutMs} ms at ${count} of ${n}`);
    await sleep(25);
  }
}

/**
 * chdbPath: the chdb data directory this process already uses (chdb binds one per process: `bench/run.ts
 * --clickhouse --ingest` passes the query bench's); the bench works in a database of its own there, dropped
 * at the end. Without it, a temporary directory.
 */
export async function benchIngestClickHouse(
  events: number,
  log: (s: string) => void,
  chdbPath?: string,
  profile = false,
): Promise<{ results: Result[]; figures: IngestClickHouseFigures }> {
  const local = process.env.KAFKA_BROKERS ? null : await startKafka({ log });
  const brokerList = process.env.KAFKA_BROKERS ?? local!.brokers;
  const brokers = brokerList.split(',');
  const topic = `bench.ingest.ch.${Date.now()}`;
  const spec = { topic, deadLetterTopic: `${topic}.dlq`, partitions: 12, replicationFactor: -1, maxMessageBytes: 1024 * 1024 };
  const kafka = createKafka({ brokers, clientId: 'bench' });
  const admin = kafka.admin();
  await admin.connect();
  const ch = chdbPath === undefined ? await tempClickHouse('bench_ingest') : await databaseIn(chdbPath);
  try {
    await ensureTopics(admin, spec);
    const END = Date.parse('2026-10-01T00:00:00.000Z');
    const sim = new Simulation(END - 30 * 86_400_000, {
      ...DEFAULT_SIMULATION,
      seed: 'bench-ch',
      cartsPerDay: Math.ceil((events / 30 / MEAN_EVENTS_PER_CART) * 1.15) + 10,
    });
    const messages = [...sim.until(END)].slice(0, events);
    if (messages.length < events) throw new Error(`the simulation gave ${messages.length} events, fewer than ${events}`);
    let t = Date.now();
    const sink = kafkaSink(new BufferedPublisher(kafka), topic);
    for (let i = 0; i < messages.length; i += 10_000) await sink.send(messages.slice(i, i + 10_000));
    await sink.close();
    log(`produced ${events} events to ${topic} in ${Date.now() - t} ms`);

    // (a) one carrello worker into the ClickHouse warehouse
    const groupId = `bench-ch-${Date.now()}`;
    const cpu = profile ? new CpuProfile() : null;
    await cpu?.start();
    t = Date.now();
    let cpuAt = process.cpuUsage();
    const worker = startWorker(
      ch.warehouse,
      {
        connection: { brokers, clientId: 'bench-worker' },
        topics: spec,
        consumer: { groupId, concurrency: 4, sessionTimeoutMs: 30_000, retryMinMs: 500, retryMaxMs: 30_000, failpoint: null },
        ingest: DEFAULT_INGEST,
      },
      { log: pino({ level: 'warn' }) },
    );
    const clock = profile ? new StageClock(worker.pipeline, ch.warehouse, ch.warehouse.client) : null;
    const committed = async () => {
      const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (res?.partitions ?? []).reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
    };
    const carrello = await timeProgress(events, t, committed, 600_000);
    const carrelloCpuMs = cpuMs(process.cpuUsage(cpuAt));
    if (cpu && clock) printProfile(await cpu.stop(), clock.summary(), log);
    await worker.stop();
    const [stored] = await ch.warehouse.rows('SELECT count() AS n FROM events FINAL');
    if (Number(stored!.n) !== events) throw new Error(`carrello stored ${String(stored!.n)} of ${events} events`);
    log(
      `carrello worker: ${events} events in ${carrello.ms} ms from its start (${carrello.eventsPerS} events/s); ${carrello.fromFirstMs} ms from its first commit (${carrello.fromFirstEventsPerS ?? '-'} events/s); process CPU ${carrelloCpuMs} ms`,
    );

    // (b) ClickHouse's Kafka engine, same topic, another group, into a table shaped like events
    const c = ch.warehouse.client;
    await c.command({ query: 'CREATE TABLE events_native AS events' });
    await c.command({
      query: `CREATE TABLE events_kafka (payload String) ENGINE = Kafka SETTINGS
        kafka_broker_list = '${brokerList}', kafka_topic_list = '${topic}', kafka_group_name = 'bench-ch-native-${Date.now()}',
        kafka_format = 'JSONAsString', kafka_num_consumers = 1`,
    });
    t = Date.now();
    cpuAt = process.cpuUsage();
    await c.command({ query: `CREATE MATERIALIZED VIEW events_kafka_mv TO events_native AS ${NATIVE_SELECT}` });
    const rows = async () => Number((await ch.warehouse.rows('SELECT count() AS n FROM events_native'))[0]!.n);
    const native = await timeProgress(events, t, rows, 600_000);
    const nativeCpuMs = cpuMs(process.cpuUsage(cpuAt));
    await c.command({ query: 'DROP TABLE events_kafka_mv SYNC' });
    await c.command({ query: 'DROP TABLE events_kafka SYNC' });
    // Both tables must hold the same rows, column for column (received_at, source and payload aside).
    const cols = NATIVE_SELECT.match(/ AS (\w+),/g)!
      .map((m) => m.slice(4, -1))
      .filter((x) => !['received_at', 'source'].includes(x));
    const key = (t: string) => `toString(tuple(${cols.map((x) => `${t}.${x}`).join(', ')}))`;
    const [same] = await ch.warehouse.rows(
      `SELECT count() AS n, uniqExact(n.event_id) AS ids, countIf(${key('n')} = ${key('e')}) AS identical
       FROM events_native AS n FINAL INNER JOIN (SELECT * FROM events FINAL) AS e ON n.event_id = e.event_id`,
    );
    if (Number(same!.identical) !== events) throw new Error(`the Kafka engine's rows differ from carrello's: ${JSON.stringify(same)}`);
    log(
      `kafka engine: ${events} events in ${native.ms} ms from the view's creation (${native.eventsPerS} events/s); ${native.fromFirstMs} ms from its first row (${native.fromFirstEventsPerS ?? '-'} events/s); process CPU ${nativeCpuMs} ms; stored ${JSON.stringify(same)}`,
    );

    const figures: IngestClickHouseFigures = {
      events,
      carrello_events_per_s: carrello.eventsPerS,
      native_events_per_s: native.eventsPerS,
      carrello_ms: carrello.ms,
      native_ms: native.ms,
      carrello_from_first_events_per_s: carrello.fromFirstEventsPerS,
      native_from_first_events_per_s: native.fromFirstEventsPerS,
      carrello_cpu_ms: carrelloCpuMs,
      native_cpu_ms: nativeCpuMs,
    };
    const results: Result[] = [
      {
        name: `ingest Kafka → ClickHouse (chdb), one worker, ${events.toLocaleString('en')} events`,
        value: carrello.eventsPerS,
        unit: 'events/s',
        baseline_name: 'ClickHouse Kafka engine + materialized view',
        baseline_value: native.eventsPerS,
        ratio: carrello.eventsPerS / native.eventsPerS,
      },
    ];
    return { results, figures };
  } finally {
    await ch.cleanup();
    await admin.disconnect();
    await local?.stop();
  }
}

async function databaseIn(path: string) {
  const database = `bench_ingest_${Date.now()}`;
  const warehouse = await ClickHouseWarehouse.open({ kind: 'chdb', path, database });
  await warehouse.migrate();
  return {
    warehouse,
    async cleanup() {
      await warehouse.client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` }).catch(() => undefined);
      await warehouse.close().catch(() => undefined);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { events: { type: 'string' }, quick: { type: 'boolean' }, json: { type: 'boolean' }, profile: { type: 'boolean' } },
  });
  const events = Number(values.events ?? (values.quick ? 20_000 : 200_000));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`ingest bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const { results, figures } = await benchIngestClickHouse(events, log, undefined, values.profile);
  if (values.json) process.stdout.write(`${JSON.stringify({ results, figures })}\n`);
  else {
    const { printTable } = await import('./stats.ts');
    printTable(results);
  }
  process.exit(0);
}
