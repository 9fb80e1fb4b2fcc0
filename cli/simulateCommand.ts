import { z } from 'zod';
import { backfill, cartsPerDayFor, streamLive } from '../ingest/simulator/feed.ts';
import { DEFAULT_SIMULATION, Simulation } from '../ingest/simulator/simulation.ts';
import { collectorSink, kafkaSink, ndjsonSink, type SimSink } from '../ingest/simulator/sinks.ts';
import { createKafka } from '../ingest/kafka/client.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import { ensureTopics } from '../ingest/kafka/topics.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { assertReachable, networkCause, unreachable } from './commandErrors.ts';
import { parseConfig } from './config.ts';
import type { CommandValues } from './commandValues.ts';
import { kafkaConnection, publisherOptions, topicSpec } from './kafkaOptions.ts';
import { count, progressLine, simulatedUpTo } from './progress.ts';

const DAY = 86_400_000;

const SimulateArgs = z.object({
  seed: z.string().default(DEFAULT_SIMULATION.seed),
  days: z.coerce.number().positive().default(7),
  end: z.iso.datetime({ offset: true }).optional(),
  'carts-per-day': z.coerce.number().positive().default(DEFAULT_SIMULATION.cartsPerDay),
  live: z.boolean().default(false),
  rate: z.coerce.number().positive().default(5),
  duration: z.coerce.number().positive().optional(),
  to: z.enum(['file', 'collector', 'kafka']).default('file'),
  /** --to kafka: bootstrap brokers (default: KAFKA_BROKERS) and topic (default: CARRELLO_KAFKA_TOPIC or carrello.cart-events.v1). */
  brokers: z.string().optional(),
  topic: z.string().optional(),
  out: z.string().default('-'),
  url: z.url().default('http://127.0.0.1:8080'),
  'duplicate-rate': z.coerce.number().min(0).max(1).default(0),
  'invalid-rate': z.coerce.number().min(0).max(1).default(0),
});

/** `carrello simulate`: deterministic shop traffic to a file, stdout or a collector. */
export async function simulateCommand(values: CommandValues, env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = SimulateArgs.safeParse(values);
  if (!parsed.success) {
    process.stderr.write(`carrello simulate: ${parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    return 2;
  }
  const a = parsed.data;
  const sink: SimSink =
    a.to === 'kafka'
      ? await openKafkaSink(a.brokers, a.topic, env)
      : a.to === 'collector'
        ? collectorSink(a.url, env.CARRELLO_API_KEY ? { authorization: `Bearer ${env.CARRELLO_API_KEY}` } : {})
        : ndjsonSink(a.out);
  const endMs = a.end ? Date.parse(a.end) : Date.now();
  const startMs = a.live ? endMs : endMs - a.days * DAY;
  const sim = new Simulation(startMs, {
    ...DEFAULT_SIMULATION,
    seed: a.seed,
    cartsPerDay: a.live ? cartsPerDayFor(a.rate) : a['carts-per-day'],
    duplicateRate: a['duplicate-rate'],
    invalidRate: a['invalid-rate'],
  });
  // A progress line on a terminal; the summary line below is written either way.
  const line = progressLine('carrello simulate');
  if (!a.live) {
    const sent = await backfill(sim, endMs, sink, { onProgress: (p) => line.update(simulatedUpTo(p)) }).catch((err: unknown) => {
      line.stop();
      // fetch's own words are `TypeError: fetch failed`; the operator needs the collector's address and why.
      if (a.to === 'collector' && err instanceof TypeError) throw unreachable('the collector', a.url, networkCause(err));
      if (a.to === 'collector' && err instanceof Error) throw new CarrelloError('command_failed', `${a.url}: ${err.message}`, {}, { cause: err });
      throw err;
    });
    await sink.close();
    line.stop();
    process.stderr.write(
      `carrello simulate: ${sent} events from ${sim.cartsStarted} carts, ${new Date(startMs).toISOString()} → ${new Date(endMs).toISOString()}\n`,
    );
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  if (a.duration) setTimeout(() => stop.abort(), a.duration * 1000).unref();
  let total = 0;
  await streamLive(sim, sink, {
    signal: stop.signal,
    tickMs: 200,
    onSent: (n) => {
      total += n;
      line.update(`${count(total)} events sent`);
    },
    onError: (err) => {
      line.stop();
      process.stderr.write(`carrello simulate: send failed, retrying: ${(err as Error).message}\n`);
    },
  });
  await sink.close();
  line.stop();
  process.stderr.write(`carrello simulate: ${total} events sent live\n`);
  return 0;
}

/** Publishes to the event topic (created when absent, as workers do), through the bounded idempotent producer. */
async function openKafkaSink(brokers: string | undefined, topic: string | undefined, env: NodeJS.ProcessEnv): Promise<SimSink> {
  const config = parseConfig({ brokers, topic }, env);
  if (!config.kafka_brokers) throw new CarrelloError('usage', '--to kafka needs --brokers or KAFKA_BROKERS');
  await assertReachable('Kafka', config.kafka_brokers);
  const kafka = createKafka(kafkaConnection(config, config.kafka_brokers));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topicSpec(config));
  } finally {
    await admin.disconnect();
  }
  return kafkaSink(new BufferedPublisher(kafka, publisherOptions(config)), config.kafka_topic);
}
