// Freshness: how long from a producer's emit until the API shows the event.
//   npx tsx bench/freshness.ts [--quick] [--json] [--path kafka-chdb|kafka-duckdb|embedded-duckdb]
// A `carrello start` child serves the API; the bench process emits simulated events at a steady rate (default
// 5,000/s) with occurred_at = the emit time, and polls GET /v1/carts/:cart_id/events (every 100 ms) for one
// event in 500 until the cart's timeline holds it. The figure for an event is the time from just before its
// emit to the end of the first answer that shows it (so it includes the poll's own request; the poll period
// bounds the resolution). Paths:
//   kafka-chdb       producer SDK → Kafka → the child's ingest worker → ClickHouse (chdb) → API (production's path;
//                    chdb is in-process, so the worker and the API share the child, as `carrello start` runs them)
//   kafka-duckdb     the same into a DuckDB file
//   embedded-duckdb  NDJSON POSTs to the collector → in-process pipeline → DuckDB → API (the embedded default;
//                    the emit is the POST, one request per 5 ms tick with the events due)
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { CartEvent } from '../ingest/contract/events.ts';
import { createKafka } from '../ingest/kafka/client.ts';
import { ensureTopics } from '../ingest/kafka/topics.ts';
import { CartEventProducer } from '../ingest/producer/index.ts';
import { startKafka, type RunningKafka } from '../scripts/kafka/broker.ts';
import { startCarrello, type CarrelloProcess } from '../test/support/process.ts';
import { emitPaced, simulatedEvents } from './paced.ts';
import { percentile, type Result } from './stats.ts';

export type FreshnessPath = 'kafka-chdb' | 'kafka-duckdb' | 'embedded-duckdb';
export const FRESHNESS_PATHS: readonly FreshnessPath[] = ['kafka-chdb', 'kafka-duckdb', 'embedded-duckdb'];

export interface FreshnessOptions {
  path: FreshnessPath;
  perS: number;
  durationMs: number;
  /** Poll one event in this many (default 500: 10 a second at 5,000 events/s, so that the poller does not dominate). */
  sampleEvery?: number;
  /** Pause between two polls of the same event (default 100 ms: the figures' resolution). */
  pollMs?: number;
  /** Events emitted before sampling starts (the first fetches, the first writes); default 2 s worth. */
  warmupMs?: number;
  /** Extra environment of the carrello child (settings under test). */
  env?: Record<string, string>;
  label?: string;
}

export interface FreshnessFigures {
  path: FreshnessPath;
  target_per_s: number;
  achieved_per_s: number;
  emitted: number;
  refused: Record<string, number>;
  samples: number;
  not_seen: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  /** emit → the producer's acknowledgement (Kafka acks=all, or the collector's 202), for the sampled events. */
  ack_p50_ms: number;
  ack_p95_ms: number;
  /** p50 of the first and of the last quarter of the samples: a backlog that grows shows as last ≫ first. */
  first_quarter_p50_ms: number;
  last_quarter_p50_ms: number;
  /** The server's own view: writes, their mean size and time (its /metrics). */
  batches: number;
  mean_batch_events: number;
  mean_batch_write_ms: number;
  /** Timeline requests per second the poller made. */
  polls_per_s: number;
  poll_p50_ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchFreshness(
  opts: FreshnessOptions,
  log: (s: string) => void,
  kafka?: { brokers: string },
): Promise<{ results: Result[]; figures: FreshnessFigures }> {
  const sampleEvery = opts.sampleEvery ?? 500;
  const pollMs = opts.pollMs ?? 100;
  const warmup = Math.round(((opts.warmupMs ?? 2_000) / 1000) * opts.perS);
  const usesKafka = opts.path !== 'embedded-duckdb';
  let local: RunningKafka | null = null;
  let brokers = !usesKafka ? null : (kafka?.brokers ?? process.env.KAFKA_BROKERS ?? null);
  if (usesKafka && brokers === null) {
    local = await startKafka({ log });
    brokers = local.brokers;
  }
  const dir = mkdtempSync(join(tmpdir(), 'carrello-bench-freshness-'));
  const stamp = `${Date.now()}`;
  const topic = `bench.freshness.${stamp}`;
  const store = opts.path === 'kafka-chdb' ? `chdb:${join(dir, 'chdb')}` : `duckdb:${join(dir, 'store.duckdb')}`;
  let api: CarrelloProcess | null = null;
  let close = async () => {};
  try {
    const env: Record<string, string> = { CARRELLO_COLLECTOR_RATE_LIMIT: '0', ...opts.env };
    let send: (e: CartEvent) => Promise<void>;
    if (brokers) {
      const admin = createKafka({ brokers: brokers.split(','), clientId: 'bench-freshness' }).admin();
      await admin.connect();
      await ensureTopics(admin, { topic, deadLetterTopic: `${topic}.dlq`, partitions: 12, replicationFactor: -1, maxMessageBytes: 1024 * 1024 });
      await admin.disconnect();
      Object.assign(env, { KAFKA_BROKERS: brokers, CARRELLO_KAFKA_TOPIC: topic, CARRELLO_KAFKA_GROUP_ID: `bench-freshness-${stamp}` });
      const producer = CartEventProducer.create({ brokers: brokers.split(','), topic, clientId: 'bench-freshness-producer' });
      await producer.connect();
      send = (e) => producer.emit(e);
      close = () => producer.close();
    }
    api = await startCarrello(['--no-demo', '--store', store], env);
    const base = api.url;
    if (brokers) await untilWorkerRuns(base);
    else {
      const collector = collectorSender(base);
      send = collector.send;
    }

    const events = simulatedEvents(Math.round((opts.perS * opts.durationMs) / 1000), `bench-freshness-${stamp}`);
    const latencies: number[] = [];
    const byIndex: [number, number][] = [];
    const acks: number[] = [];
    const pollTimes: number[] = [];
    let notSeen = 0;
    let pollErrors = 0;
    const polling: Promise<void>[] = [];
    const poll = async (e: CartEvent, emittedAt: number, i: number) => {
      const url = `${base}/v1/carts/${encodeURIComponent(e.cart_id)}/events`;
      const deadline = emittedAt + 30_000;
      for (;;) {
        const t = performance.now();
        // A socket the server closed under us (keep-alive timing on a loaded machine) is retried, and counted.
        const answer = await fetch(url).then(
          async (r) => ({ res: r, text: await r.text() }),
          () => null,
        );
        const now = performance.now();
        if (answer === null) {
          pollErrors += 1;
          if (now > deadline) {
            notSeen += 1;
            return;
          }
          await sleep(pollMs);
          continue;
        }
        const { res, text } = answer;
        pollTimes.push(now - t);
        if (res.status === 200 && text.includes(e.event_id)) {
          latencies.push(now - emittedAt);
          byIndex.push([i, now - emittedAt]);
          return;
        }
        if (res.status !== 200 && res.status !== 404) throw new Error(`GET ${url} answered ${res.status}: ${text.slice(0, 300)}`);
        if (now > deadline) {
          notSeen += 1;
          return;
        }
        await sleep(pollMs);
      }
    };
    const runStart = performance.now();
    const paced = emitPaced(events, opts.perS, (event, i) => {
      // occurred_at is the emit time, so that the API's default as_of (now) covers the event at once.
      const e = { ...event, occurred_at: new Date().toISOString() } as CartEvent;
      const sampled = i >= warmup && (i - warmup) % sampleEvery === 0;
      const emittedAt = performance.now();
      const sent = send(e);
      if (sampled) {
        polling.push(poll(e, emittedAt, i));
        void sent.then(
          () => acks.push(performance.now() - emittedAt),
          () => undefined,
        );
      }
      return sent;
    });
    const sent = await paced.done;
    await Promise.all(polling);
    const runS = (performance.now() - runStart) / 1000;
    const m = await fetch(`${base}/metrics`).then((r) => r.text());
    const series = (name: string) =>
      Number(
        m
          .split('\n')
          .find((l) => l.startsWith(`${name} `))
          ?.split(' ')[1] ?? NaN,
      );
    const batches = series('carrello_batch_write_seconds_count');
    const q = (xs: number[], p: number) => Math.round(xs.length ? percentile(xs, p) : NaN);
    const figures: FreshnessFigures = {
      path: opts.path,
      target_per_s: opts.perS,
      achieved_per_s: Math.round(sent.achievedPerS),
      emitted: sent.emitted,
      refused: sent.failures,
      samples: latencies.length + notSeen,
      not_seen: notSeen,
      p50_ms: q(latencies, 0.5),
      p95_ms: q(latencies, 0.95),
      p99_ms: q(latencies, 0.99),
      max_ms: Math.round(Math.max(...latencies)),
      first_quarter_p50_ms: q(quarter(byIndex, 0), 0.5),
      last_quarter_p50_ms: q(quarter(byIndex, 3), 0.5),
      ack_p50_ms: q(acks, 0.5),
      ack_p95_ms: q(acks, 0.95),
      batches,
      mean_batch_events: Math.round(series('carrello_batch_size_sum') / batches),
      mean_batch_write_ms: Math.round((series('carrello_batch_write_seconds_sum') / batches) * 1000),
      polls_per_s: Math.round(pollTimes.length / runS),
      poll_p50_ms: q(pollTimes, 0.5),
    };
    const what = `freshness ${opts.path}${opts.label ? ` (${opts.label})` : ''}, ${figures.achieved_per_s.toLocaleString('en')} events/s`;
    log(
      `${what}: emit → visible p50 ${figures.p50_ms} / p95 ${figures.p95_ms} / p99 ${figures.p99_ms} / max ${figures.max_ms} ms over ${latencies.length} events (${notSeen} not seen in 30 s); p50 of the first quarter ${figures.first_quarter_p50_ms} ms, of the last ${figures.last_quarter_p50_ms} ms; emit → acknowledged p50 ${figures.ack_p50_ms} / p95 ${figures.ack_p95_ms} ms; ${figures.emitted} emitted, refused ${JSON.stringify(sent.failures)}, max lag of the pacing loop ${Math.round(sent.maxLagMs)} ms; poller ${figures.polls_per_s} requests/s (${pollErrors} failed and retried), p50 ${figures.poll_p50_ms} ms; server: ${batches} writes of ${figures.mean_batch_events} events, ${figures.mean_batch_write_ms} ms each on average`,
    );
    const results: Result[] = [
      { name: `${what}: emit → visible p50`, value: figures.p50_ms, unit: 'ms' },
      { name: `${what}: emit → visible p95`, value: figures.p95_ms, unit: 'ms', baseline_name: 'target', baseline_value: 2_000, ratio: 2_000 / figures.p95_ms },
      { name: `${what}: emit → visible p99`, value: figures.p99_ms, unit: 'ms' },
    ];
    return { results, figures };
  } finally {
    await close().catch(() => undefined);
    if (api) {
      api.child.kill('SIGTERM');
      await Promise.race([api.exited, sleep(20_000).then(() => api!.child.kill('SIGKILL'))]);
    }
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The latencies of the n-th quarter of the samples, in emit order. */
function quarter(byIndex: [number, number][], n: number): number[] {
  const sorted = [...byIndex].sort((a, b) => a[0] - b[0]);
  const size = Math.ceil(sorted.length / 4);
  return sorted.slice(n * size, (n + 1) * size).map((x) => x[1]);
}

/** Waits until the child's ingest worker consumes (its /healthz reports running with partitions). */
async function untilWorkerRuns(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = (await fetch(`${base}/healthz`)
      .then((r) => r.json())
      .catch(() => null)) as { worker?: { status?: string; partitions?: number[] } } | null;
    if (body?.worker?.status === 'running' && (body.worker.partitions?.length ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`the worker did not start consuming: ${JSON.stringify(body)}`);
    await sleep(200);
  }
}

/**
 * The embedded path's producer: events handed over in the same tick go in one NDJSON POST (at most 1,000),
 * as a shop's backend posting its events every few milliseconds would; each resolves on the 202.
 */
function collectorSender(base: string): { send: (e: CartEvent) => Promise<void> } {
  let queue: { e: CartEvent; resolve: () => void; reject: (err: Error) => void }[] = [];
  let scheduled = false;
  const flush = async () => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue.slice(0, 1_000);
      queue = queue.slice(1_000);
      void fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: batch.map((b) => JSON.stringify(b.e)).join('\n'),
      })
        .then(async (res) => {
          const text = await res.text();
          if (res.status !== 202) throw Object.assign(new Error(`collector answered ${res.status}: ${text.slice(0, 200)}`), { code: `http_${res.status}` });
          for (const b of batch) b.resolve();
        })
        .catch((err: Error) => {
          for (const b of batch) b.reject(err);
        });
    }
  };
  return {
    send: (e) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ e, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      path: { type: 'string', multiple: true },
      rate: { type: 'string' },
      seconds: { type: 'string' },
      'sample-every': { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`freshness bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const paths = (values.path ?? ['kafka-chdb', 'embedded-duckdb']) as FreshnessPath[];
  for (const p of paths) if (!FRESHNESS_PATHS.includes(p)) throw new Error(`--path: one of ${FRESHNESS_PATHS.join(', ')}`);
  const local = paths.some((p) => p !== 'embedded-duckdb') && !process.env.KAFKA_BROKERS ? await startKafka({ log }) : null;
  const brokers = process.env.KAFKA_BROKERS ?? local?.brokers;
  const results: Result[] = [];
  const figures: FreshnessFigures[] = [];
  try {
    for (const path of paths) {
      const run = await benchFreshness(
        {
          path,
          perS: Number(values.rate ?? 5_000),
          durationMs: Number(values.seconds ?? (values.quick ? 10 : 60)) * 1000,
          sampleEvery: values['sample-every'] ? Number(values['sample-every']) : undefined,
          ...(values.concurrency ? { env: { CARRELLO_KAFKA_CONCURRENCY: values.concurrency }, label: `CARRELLO_KAFKA_CONCURRENCY=${values.concurrency}` } : {}),
        },
        log,
        brokers ? { brokers } : undefined,
      );
      results.push(...run.results);
      figures.push(run.figures);
    }
  } finally {
    await local?.stop();
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ results, figures })}\n`);
  else {
    const { printTable } = await import('./stats.ts');
    printTable(results);
  }
  process.exit(0);
}
