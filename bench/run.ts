// `npm run bench [-- --quick] [-- --json] [-- --clickhouse] [-- --scale 10m]`: carrello's benchmarks, each
// beside its baseline where one exists; --clickhouse adds the same read endpoints on ClickHouse in-process
// (chdb), --clickhouse-only without DuckDB; --scale 10m runs the read endpoints at 10M events on both engines instead of 1M (the stores are
// built once and cached under .cache/bench: ~5 GB, see docs/benchmarks.md); --ingest adds Kafka →
// ClickHouse ingest, one carrello worker beside ClickHouse's Kafka engine (starts a local broker).
import { cpus, totalmem } from 'node:os';
import { benchClickHouseQueries, chdbDir } from './clickhouse.ts';
import { benchIngestClickHouse } from './ingestClickHouse.ts';
import { benchQueries } from './queries.ts';
import { printTable, type Result } from './stats.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const scaleArg = args.includes('--scale') ? args[args.indexOf('--scale') + 1] : undefined;
const SCALES: Record<string, number> = { '1m': 1_000_000, '10m': 10_000_000 };
if (scaleArg !== undefined && !(scaleArg in SCALES)) throw new Error(`--scale takes ${Object.keys(SCALES).join(' or ')}, not ${scaleArg}`);
const scale = scaleArg === undefined ? undefined : SCALES[scaleArg]!;
// At 10M both engines run, 3 times each endpoint after a warm-up (answers take seconds on 2 cores).
const clickhouse = args.includes('--clickhouse') || args.includes('--clickhouse-only') || scale === 10_000_000;
const duckdb = !args.includes('--clickhouse-only');
const ingest = args.includes('--ingest');
const log = (s: string) => process.stderr.write(`${s}\n`);

const results: Result[] = [];
log(`carrello bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${quick ? ' (quick)' : ''}`);
const events = scale ?? (quick ? 100_000 : 1_000_000);
const runs = quick ? 5 : events > 1_000_000 ? 3 : 20;
if (duckdb) {
  log(`queries at ${events.toLocaleString('en')} events (DuckDB)`);
  results.push(...(await benchQueries(events, runs, log)));
}
if (clickhouse) {
  log(`queries at ${events.toLocaleString('en')} events (ClickHouse, chdb)`);
  results.push(...(await benchClickHouseQueries(events, runs, log)));
}
if (ingest) {
  const n = quick ? 20_000 : 200_000;
  log(`ingest of ${n.toLocaleString('en')} events, Kafka → ClickHouse (chdb)`);
  // One chdb directory per process: the query bench's when it ran (or will not), a temporary one otherwise.
  results.push(...(await benchIngestClickHouse(n, log, clickhouse ? chdbDir(events) : undefined)).results);
}
if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else printTable(results);
