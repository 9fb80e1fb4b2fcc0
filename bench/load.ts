// The API under load from a second process: `npx tsx bench/load.ts [--quick] [--json] [--connections N] [--seconds S]`
// (or `npm run bench -- --load`). A `carrello start` child serves a copy of the bench's DuckDB store (1M simulated
// events; --quick: 100k); this process drives GET /v1/funnels/abandonment (the whole 30 days, as_of the end of the
// range, so every request asks the same question) with autocannon: N connections (default 10) for S seconds
// (default 20; --quick 5). Baseline: the same request one at a time (20 runs after a warm-up): its p50, and the
// requests/s that one connection gets from it, so that the ratio says how throughput scales with connections.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startCarrello } from '../test/support/process.ts';
import { BENCH_DAYS, BENCH_END, benchDuckDb } from './dataset.ts';
import { percentile, timeIt, type Result } from './stats.ts';

const DAY = 86_400_000;

export interface LoadOptions {
  events: number;
  connections: number;
  durationS: number;
}

export interface LoadFigures {
  events: number;
  connections: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  non_2xx: number;
  timeouts: number;
  single_p50_ms: number;
  single_p99_ms: number;
  single_requests_per_s: number;
}

export async function benchLoad(opts: LoadOptions, log: (s: string) => void): Promise<{ results: Result[]; figures: LoadFigures }> {
  const { path, buildSeconds } = await benchDuckDb(opts.events, log);
  if (buildSeconds !== null) log(`  built the ${opts.events.toLocaleString('en')}-event store in ${buildSeconds.toFixed(1)} s`);
  // A copy: the server migrates and refreshes its store, and the cached one stays as built.
  const dir = mkdtempSync(join(tmpdir(), 'carrello-bench-load-'));
  const store = join(dir, 'store.duckdb');
  copyFileSync(path, store);
  if (existsSync(`${path}.wal`)) copyFileSync(`${path}.wal`, `${store}.wal`);
  const api = await startCarrello(['--no-demo', '--store', `duckdb:${store}`]);
  try {
    const asOf = new Date(BENCH_END).toISOString();
    const url = `${api.url}/v1/funnels/abandonment?from=${new Date(BENCH_END - BENCH_DAYS * DAY).toISOString()}&to=${asOf}&as_of=${asOf}`;
    const one = async () => {
      const res = await fetch(url);
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const single = await timeIt(20, one);
    const singleP50 = percentile(single, 0.5);
    const r = await autocannon({ url, connections: opts.connections, duration: opts.durationS, timeout: 30 });
    const figures: LoadFigures = {
      events: opts.events,
      connections: opts.connections,
      duration_s: opts.durationS,
      requests: r.requests.total,
      requests_per_s: Math.round((r.requests.total / opts.durationS) * 100) / 100,
      p50_ms: r.latency.p50,
      p99_ms: r.latency.p99,
      max_ms: r.latency.max,
      errors: r.errors,
      non_2xx: r.non2xx,
      timeouts: r.timeouts,
      single_p50_ms: Math.round(singleP50),
      single_p99_ms: Math.round(percentile(single, 0.99)),
      single_requests_per_s: Math.round((1000 / singleP50) * 100) / 100,
    };
    log(
      `load on GET /v1/funnels/abandonment at ${opts.events.toLocaleString('en')} events, ${opts.connections} connections for ${opts.durationS} s: ${figures.requests} requests, ${figures.requests_per_s} requests/s, p50 ${figures.p50_ms} / p99 ${figures.p99_ms} / max ${figures.max_ms} ms, ${figures.errors} errors, ${figures.non_2xx} non-2xx, ${figures.timeouts} timeouts; one at a time: p50 ${figures.single_p50_ms} / p99 ${figures.single_p99_ms} ms (${figures.single_requests_per_s} requests/s)`,
    );
    const name = `load: GET /v1/funnels/abandonment at ${opts.events / 1e6}M events (DuckDB), ${opts.connections} connections`;
    const results: Result[] = [
      {
        name: `${name}: throughput`,
        value: figures.requests_per_s,
        unit: 'requests/s',
        baseline_name: 'one connection (1 / single-request p50)',
        baseline_value: figures.single_requests_per_s,
        ratio: figures.requests_per_s / figures.single_requests_per_s,
      },
      {
        name: `${name}: p99`,
        value: figures.p99_ms,
        unit: 'ms',
        baseline_name: 'single-request p50',
        baseline_value: figures.single_p50_ms,
        ratio: figures.single_p50_ms / figures.p99_ms,
      },
      { name: `${name}: errors + non-2xx + timeouts`, value: figures.errors + figures.non_2xx + figures.timeouts, unit: 'requests' },
    ];
    return { results, figures };
  } finally {
    api.child.kill('SIGTERM');
    await api.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      connections: { type: 'string' },
      seconds: { type: 'string' },
      events: { type: 'string' },
    },
  });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`load bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const { results, figures } = await benchLoad(
    {
      events: Number(values.events ?? (values.quick ? 100_000 : 1_000_000)),
      connections: Number(values.connections ?? 10),
      durationS: Number(values.seconds ?? (values.quick ? 5 : 20)),
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
