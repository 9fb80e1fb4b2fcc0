// Embedded ingest: POST /v1/events on `carrello start` (DuckDB, no Kafka) as producers use it.
//   npx tsx bench/ingestCollector.ts [--events N] [--quick] [--clients C] [--per-request B] [--json]
//   (or `npm run bench -- --ingest`)
// Starts `carrello start --no-demo` as a child process on a fresh DuckDB file (the collector's rate limit
// off), then C clients each send JSON-array requests of B simulated events, one request at a time, until
// N events are sent. Every request must answer 202 (each answers once its events are durable), and the
// store must then hold N events. Reports events/s over the whole send and the per-request p50/p99.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';
import { startCarrello } from '../test/support/process.ts';
import { percentile, type Result } from './stats.ts';

export interface IngestCollectorFigures {
  events: number;
  clients: number;
  events_per_request: number;
  ms: number;
  events_per_s: number;
  request_p50_ms: number;
  request_p99_ms: number;
}

export async function benchIngestCollector(
  events: number,
  log: (s: string) => void,
  clients = 8,
  perRequest = 100,
): Promise<{ results: Result[]; figures: IngestCollectorFigures }> {
  const END = Date.parse('2026-10-01T00:00:00.000Z');
  const sim = new Simulation(END - 30 * 86_400_000, {
    ...DEFAULT_SIMULATION,
    seed: 'bench-collector',
    cartsPerDay: Math.ceil((events / 30 / MEAN_EVENTS_PER_CART) * 1.15) + 10,
  });
  const messages = [...sim.until(END)].slice(0, events);
  if (messages.length < events) throw new Error(`the simulation gave ${messages.length} events, fewer than ${events}`);
  const bodies: string[] = [];
  for (let i = 0; i < messages.length; i += perRequest) bodies.push(JSON.stringify(messages.slice(i, i + perRequest).map((m) => m.body)));

  const dir = mkdtempSync(join(tmpdir(), 'carrello-bench-collector-'));
  const server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'bench.duckdb')}`], { CARRELLO_COLLECTOR_RATE_LIMIT: '0' });
  try {
    const latencies: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          const t = performance.now();
          const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[i] });
          const answer = await res.text();
          latencies.push(performance.now() - t);
          if (res.status !== 202) throw new Error(`request ${i} answered ${res.status}: ${answer}`);
        }
      }),
    );
    const ms = performance.now() - t0;
    const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as { events_stored: number };
    if (stats.events_stored !== events) throw new Error(`the store holds ${stats.events_stored} of ${events} events`);
    const figures: IngestCollectorFigures = {
      events,
      clients,
      events_per_request: perRequest,
      ms: Math.round(ms),
      events_per_s: Math.round((events / ms) * 1000),
      request_p50_ms: Math.round(percentile(latencies, 0.5) * 10) / 10,
      request_p99_ms: Math.round(percentile(latencies, 0.99) * 10) / 10,
    };
    log(
      `collector → DuckDB: ${events} events in ${figures.ms} ms (${figures.events_per_s} events/s), ${bodies.length} requests of ${perRequest} from ${clients} clients, p50 ${figures.request_p50_ms} ms, p99 ${figures.request_p99_ms} ms`,
    );
    const label = `${clients} clients × ${perRequest} events/request, ${events.toLocaleString('en')} events`;
    return {
      results: [
        { name: `ingest collector → DuckDB (carrello start), ${label}`, value: figures.events_per_s, unit: 'events/s' },
        { name: `ingest collector → DuckDB, per-request p99, ${label}`, value: figures.request_p99_ms, unit: 'ms' },
      ],
      figures,
    };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      events: { type: 'string' },
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      clients: { type: 'string' },
      'per-request': { type: 'string' },
    },
  });
  const events = Number(values.events ?? (values.quick ? 10_000 : 100_000));
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`collector bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
  const { results, figures } = await benchIngestCollector(events, log, Number(values.clients ?? 8), Number(values['per-request'] ?? 100));
  if (values.json) process.stdout.write(`${JSON.stringify({ results, figures })}\n`);
  else {
    const { printTable } = await import('./stats.ts');
    printTable(results);
  }
}
