// Worker memory through a warehouse stall: `npx tsx bench/memory.ts [--quick] [--json]` (or `npm run bench -- --memory`).
// One `carrello ingest` child on a ClickHouse store (chdb) whose writes fail for the stall (injected with
// CARRELLO_FAILPOINT=warehouse_down_ms:<n>, sql/failingWarehouse.ts: chdb has no network to cut), while the
// producer keeps sending at a steady rate. The worker's RSS (/proc/<pid>/status) and its heap and external
// memory (its /metrics) are sampled every second; after the stall the bench waits for the backlog to drain,
// stops the worker and counts the unique event_ids stored (through `carrello start`'s POST /v1/sql on the
// same chdb directory: chdb binds one directory per process) against those the producer had acknowledged.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createKafka } from '../ingest/kafka/client.ts';
import { ensureTopics } from '../ingest/kafka/topics.ts';
import { BufferedPublisher } from '../ingest/kafka/publisher.ts';
import { startKafka } from '../scripts/kafka/broker.ts';
import { startCarrello, startIngestWorker } from '../test/support/process.ts';
import { emitPaced, simulatedEvents } from './paced.ts';
import type { Result } from './stats.ts';

export interface MemoryOptions {
  stallMs: number;
  /** Events a second the producer keeps sending, before, through and after the stall. */
  perS: number;
  /** Producing goes on this long after the stall ends. */
  afterMs: number;
  /** Extra environment of the worker (retry settings, NODE_OPTIONS). */
  workerEnv?: Record<string, string>;
  /** chdb (default; the ClickHouse engine then lives in the worker's process) or duckdb. */
  store?: 'chdb' | 'duckdb';
  /** Seconds into the stall at which the worker writes a heap snapshot (it runs with --heapsnapshot-signal). */
  snapshotAtS?: number[];
  label?: string;
}

export interface MemorySample {
  /** ms since the stall began. */
  t: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

export interface MemoryFigures {
  stall_ms: number;
  /** Events the producer SDK acknowledged. */
  produced: number;
  /** emit() calls refused (producer_backpressure) or not acknowledged: the SDK told the caller; not counted as lost. */
  refused: number;
  achieved_per_s: number;
  /** MiB */
  rss_start: number;
  rss_max: number;
  rss_end_of_stall: number;
  /** MiB/s, least-squares slope over the stall's last 30 s (or last half, when shorter). */
  rss_slope_last: number;
  heap_used_max: number;
  external_max: number;
  drain_ms: number;
  stored_unique: number;
  /** Messages in the topic (each a distinct event: the simulator resends none) minus unique event_ids stored. */
  lost: number;
  samples: MemorySample[];
}

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchMemory(opts: MemoryOptions, log: (s: string) => void): Promise<{ results: Result[]; figures: MemoryFigures }> {
  const local = process.env.KAFKA_BROKERS ? null : await startKafka({ log });
  const brokers = process.env.KAFKA_BROKERS ?? local!.brokers;
  const stamp = `${Date.now()}`;
  const topic = `bench.memory.${stamp}`;
  const group = `bench-memory-${stamp}`;
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'bench-memory' });
  const admin = kafka.admin();
  await admin.connect();
  const dir = mkdtempSync(join(tmpdir(), 'carrello-bench-memory-'));
  const env = { KAFKA_BROKERS: brokers, CARRELLO_KAFKA_TOPIC: topic, CARRELLO_KAFKA_GROUP_ID: group };
  const producer = new BufferedPublisher(createKafka({ brokers: brokers.split(','), clientId: 'bench-memory-producer' }));
  let worker: Awaited<ReturnType<typeof startIngestWorker>> | null = null;
  try {
    await ensureTopics(admin, { topic, deadLetterTopic: `${topic}.dlq`, partitions: 12, replicationFactor: -1, maxMessageBytes: 1024 * 1024 });
    const events = simulatedEvents(Math.round((opts.perS * (opts.stallMs + opts.afterMs + 5_000)) / 1000), `bench-memory-${stamp}`);
    await producer.connect();
    const store = `${opts.store ?? 'chdb'}:${join(dir, 'store')}`;
    worker = await startIngestWorker(['--store', store], {
      ...env,
      CARRELLO_FAILPOINT: `warehouse_down_ms:${opts.stallMs}`,
      ...(opts.snapshotAtS ? { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' } : {}),
      ...opts.workerEnv,
    });
    const w = worker;
    const pid = w.child.pid!;
    const idleRss = rssBytes(pid)!;

    // The stall begins at the worker's first write attempt: once the producer's first events reach it.
    const records = events.map((e) => ({ topic, key: e.cart_id, value: Buffer.from(JSON.stringify(e)) }));
    const paced = emitPaced(events, opts.perS, (_e, i) => producer.publish([records[i]!]));
    await until(() => w.output().includes('failpoint: warehouse down'), 60_000, 'the stall began');
    const stallStart = Date.now();
    const samples: MemorySample[] = [];
    // RSS is read at the tick; heap figures come from the worker's /metrics when it answers within the second.
    const sample = async () => {
      const t = Date.now() - stallStart;
      const rss = rssBytes(pid);
      if (rss === null) return;
      const s: MemorySample = { t, rss: rss / MiB, heapUsed: NaN, heapTotal: NaN, external: NaN };
      samples.push(s);
      const m = await fetch(`${w.url}/metrics`, { signal: AbortSignal.timeout(900) })
        .then((r) => r.text())
        .catch(() => null);
      if (m === null) return;
      s.heapUsed = metric(m, 'carrello_nodejs_heap_size_used_bytes') / MiB;
      s.heapTotal = metric(m, 'carrello_nodejs_heap_size_total_bytes') / MiB;
      s.external = metric(m, 'carrello_nodejs_external_memory_bytes') / MiB;
    };
    await sample();
    const sampler = setInterval(() => void sample(), 1_000);
    for (const at of opts.snapshotAtS ?? []) setTimeout(() => w.child.kill('SIGUSR2'), at * 1000).unref();
    await until(
      () => w.output().includes('failpoint: warehouse back'),
      opts.stallMs + 120_000,
      'the warehouse came back',
      () => `the worker's log is in ${dumpLog(w.output())}`,
    );
    const stallEnd = Date.now();
    clearInterval(sampler);
    const inStall = samples.filter((s) => s.t <= opts.stallMs + 1_000);
    const stallEndRss = inStall[inStall.length - 1]!.rss;

    // Producing goes on for afterMs after the stall, then the backlog must drain.
    await sleep(Math.max(0, stallEnd + opts.afterMs - Date.now()));
    paced.stop();
    const sent = await paced.done;
    // Every message in the topic (acknowledged ones, and any whose acknowledgement was lost) must be committed.
    const inTopic = (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
    let done = 0;
    await until(
      async () => {
        done = await committed(admin, group, topic);
        return done >= inTopic;
      },
      300_000,
      'the group committed to the end',
      () => `${done} of ${inTopic} committed; the worker's log is in ${dumpLog(w.output())}`,
    );
    const drainMs = Date.now() - stallEnd;
    w.child.kill('SIGTERM');
    if ((await w.exited) !== 0) throw new Error(`the worker did not stop cleanly:\n${w.output().slice(-2_000)}`);
    worker = null;
    const stored = await countStored(store);

    const window = Math.min(30_000, opts.stallMs / 2);
    const last = inStall.filter((s) => s.t >= opts.stallMs - window);
    const figures: MemoryFigures = {
      stall_ms: opts.stallMs,
      produced: sent.acknowledged,
      refused: sent.failed,
      achieved_per_s: Math.round(sent.achievedPerS),
      rss_start: round1(samples[0]!.rss),
      rss_max: round1(Math.max(...inStall.map((s) => s.rss))),
      rss_end_of_stall: round1(stallEndRss),
      rss_slope_last: Math.round(slope(last.map((s) => [s.t / 1000, s.rss])) * 100) / 100,
      heap_used_max: round1(maxOf(inStall.map((s) => s.heapUsed))),
      external_max: round1(maxOf(inStall.map((s) => s.external))),
      drain_ms: drainMs,
      stored_unique: stored.ids,
      lost: inTopic - stored.ids,
      samples: samples.map((s) => ({ t: s.t, rss: round1(s.rss), heapUsed: round1(s.heapUsed), heapTotal: round1(s.heapTotal), external: round1(s.external) })),
    };
    log(
      `memory${opts.label ? ` (${opts.label})` : ''}: idle ${round1(idleRss / MiB)} MiB; stall ${opts.stallMs / 1000} s at ${figures.achieved_per_s} events/s: RSS ${figures.rss_start} → max ${figures.rss_max}, ${figures.rss_end_of_stall} at the end, slope ${figures.rss_slope_last} MiB/s over the last ${window / 1000} s; heap used max ${figures.heap_used_max}, external max ${figures.external_max} MiB; drained ${drainMs} ms after; stored ${stored.ids} unique of ${sent.acknowledged} acknowledged (rows ${stored.rows}; ${sent.failed} emits refused: ${JSON.stringify(sent.failures)}), lost ${figures.lost}`,
    );
    const every5 = samples.filter((s, i) => i === 0 || Math.floor(s.t / 5_000) > Math.floor(samples[i - 1]!.t / 5_000));
    log(
      `  every 5 s (s: RSS / heap used / heap total / external, MiB): ${every5.map((s) => `${Math.round(s.t / 1000)}: ${Math.round(s.rss)}/${Math.round(s.heapUsed)}/${Math.round(s.heapTotal)}/${Math.round(s.external)}`).join(', ')}`,
    );
    const name = `worker RSS, ${opts.store === 'duckdb' ? 'DuckDB' : 'ClickHouse (chdb)'} stalled ${opts.stallMs / 1000} s at ${figures.achieved_per_s.toLocaleString('en')} events/s${opts.label ? ` (${opts.label})` : ''}`;
    const results: Result[] = [
      {
        name: `${name}: peak`,
        value: figures.rss_max,
        unit: 'MiB',
        baseline_name: 'RSS at the stall start',
        baseline_value: figures.rss_start,
        ratio: figures.rss_start / figures.rss_max,
      },
      { name: `${name}: slope over the stall's last ${window / 1000} s`, value: figures.rss_slope_last, unit: 'MiB/s' },
      { name: `${name}: events lost after the stall`, value: figures.lost, unit: 'events', baseline_name: 'produced', baseline_value: figures.produced },
      { name: `${name}: backlog drained after the stall`, value: drainMs, unit: 'ms' },
    ];
    return { results, figures };
  } finally {
    worker?.child.kill('SIGKILL');
    await producer.close().catch(() => undefined);
    await admin.disconnect();
    await local?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function dumpLog(text: string): string {
  const path = join(tmpdir(), `carrello-bench-memory-worker-${Date.now()}.log`);
  writeFileSync(path, text);
  return path;
}

function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const sxy = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
/** The largest of the figures read (NaN: the worker's /metrics did not answer in time). */
const maxOf = (xs: number[]) => Math.max(...xs.filter((x) => !Number.isNaN(x)));

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}${detail ? `: ${detail()}` : ''}`);
    await sleep(100);
  }
}

async function committed(admin: ReturnType<ReturnType<typeof createKafka>['admin']>, groupId: string, topic: string): Promise<number> {
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (res?.partitions ?? []).reduce((a, p) => a + Math.max(0, Number(p.offset)), 0);
}

/** Rows and unique event_ids in the chdb store, read through a `carrello start` on it (the worker is gone). */
async function countStored(store: string): Promise<{ rows: number; ids: number }> {
  const api = await startCarrello(['--no-demo', '--store', store]);
  try {
    const res = await fetch(`${api.url}/v1/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'SELECT count(*) AS n_rows, count(DISTINCT event_id) AS ids FROM events' }),
    });
    const body = (await res.json()) as { rows?: { n_rows: number | string; ids: number | string }[] };
    if (!res.ok || !body.rows?.[0]) throw new Error(`POST /v1/sql answered ${res.status}: ${JSON.stringify(body)}`);
    return { rows: Number(body.rows[0].n_rows), ids: Number(body.rows[0].ids) };
  } finally {
    api.child.kill('SIGTERM');
    await api.exited;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      'stall-s': { type: 'string' },
      rate: { type: 'string' },
      store: { type: 'string' },
      'snapshot-at-s': { type: 'string' },
      'retry-max-ms': { type: 'string' },
    },
  });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`memory bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const stallMs = Number(values['stall-s'] ?? (values.quick ? 15 : 60)) * 1000;
  const { results, figures } = await benchMemory(
    {
      stallMs,
      perS: Number(values.rate ?? 5_000),
      afterMs: values.quick ? 3_000 : 10_000,
      store: values.store === 'duckdb' ? 'duckdb' : 'chdb',
      snapshotAtS: values['snapshot-at-s']?.split(',').map(Number),
      // The fault suite's faster retries (200 ms doubling to --retry-max-ms): more re-fetches through the stall.
      ...(values['retry-max-ms']
        ? {
            workerEnv: { CARRELLO_WAREHOUSE_RETRY_MIN_MS: '200', CARRELLO_WAREHOUSE_RETRY_MAX_MS: values['retry-max-ms'] },
            label: `retries 200 ms to ${values['retry-max-ms']} ms`,
          }
        : {}),
    },
    log,
  );
  if (values.json) process.stdout.write(`${JSON.stringify({ results, figures })}\n`);
  else {
    const { printTable } = await import('./stats.ts');
    printTable(results);
  }
  process.exit(0);
}
