// `npm run bench:kafka [-- --events N] [-- --json]`: one ingest worker's throughput, Kafka → DuckDB.
// Fills a fresh 12-partition topic with simulated traffic first, then times one in-process worker
// (default settings) from its start until every event is stored and committed. Uses KAFKA_BROKERS, or
// starts the local broker (scripts/kafka).
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createKafka } from '../ingest/kafka/client.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import { ensureTopics } from '../ingest/kafka/topics.ts';
import { startWorker } from '../ingest/kafka/worker.ts';
import { DEFAULT_INGEST } from '../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, Simulation } from '../ingest/simulator/simulation.ts';
import { kafkaSink } from '../ingest/simulator/sinks.ts';
import { startKafka } from '../scripts/kafka/broker.ts';
import { tempDuckDb } from '../test/support/tempStore.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, json: { type: 'boolean' } } });
const wanted = Number(values.events);
const log = (s: string) => process.stderr.write(`${s}\n`);

const local = process.env.KAFKA_BROKERS ? null : await startKafka({ log });
const brokers = (process.env.KAFKA_BROKERS ?? local!.brokers).split(',');
const topic = `bench.ingest.${Date.now()}`;
const spec = { topic, deadLetterTopic: `${topic}.dlq`, partitions: 12, replicationFactor: -1, maxMessageBytes: 1024 * 1024 };
const kafka = createKafka({ brokers, clientId: 'bench' });
const admin = kafka.admin();
await admin.connect();
await ensureTopics(admin, spec);

const END = Date.parse('2026-10-01T00:00:00.000Z');
const sim = new Simulation(END - 30 * 86_400_000, { ...DEFAULT_SIMULATION, seed: 'bench', cartsPerDay: Math.ceil(wanted / 30 / 5.7) });
const messages = [...sim.until(END)].slice(0, wanted);
let t = Date.now();
const sink = kafkaSink(new BufferedPublisher(kafka), topic);
for (let i = 0; i < messages.length; i += 10_000) await sink.send(messages.slice(i, i + 10_000));
await sink.close();
const produceMs = Date.now() - t;
log(`produced ${messages.length} events in ${produceMs} ms`);

const store = await tempDuckDb();
const groupId = `bench-${Date.now()}`;
t = Date.now();
const worker = startWorker(
  store.warehouse,
  {
    connection: { brokers, clientId: 'bench-worker' },
    topics: spec,
    consumer: { groupId, concurrency: 4, sessionTimeoutMs: 30_000, retryMinMs: 500, retryMaxMs: 30_000, failpoint: null },
    ingest: DEFAULT_INGEST,
  },
  { log: pino({ level: 'warn' }) },
);
for (;;) {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const committed = (res?.partitions ?? []).reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
  if (committed >= messages.length) break;
  await new Promise((r) => setTimeout(r, 50));
}
const consumeMs = Date.now() - t;
const totals = worker.pipeline.totals;
await worker.stop();
await store.cleanup();
await admin.disconnect();
await local?.stop();

const result = {
  bench: 'kafka_worker_to_duckdb',
  cpus: cpus().length,
  events: messages.length,
  produce_ms: produceMs,
  consume_ms: consumeMs,
  events_per_s: Math.round((messages.length / consumeMs) * 1000),
  batches: totals.batches,
  mean_batch: Math.round(messages.length / Math.max(1, totals.batches)),
};
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
else
  log(
    `one worker stored ${result.events} events in ${consumeMs} ms (incl. group join): ${result.events_per_s} events/s, ${result.batches} batches of ~${result.mean_batch}`,
  );
