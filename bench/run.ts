// `npm run bench [-- --quick] [-- --json] [-- --clickhouse]`: carrello's benchmarks, each beside its baseline
// where one exists; --clickhouse adds the same read endpoints on ClickHouse in-process (chdb); --ingest adds
// Kafka → ClickHouse ingest, one carrello worker beside ClickHouse's Kafka engine (starts a local broker), and
// embedded ingest through the collector into DuckDB; --dashboards adds each dashboard page in chromium over
// the same DuckDB store; --freshness, --memory and --load add emit → API freshness, worker RSS through a
// warehouse stall, and the API under load from this process.
import { cpus, totalmem } from 'node:os';
import { benchClickHouseQueries, CHDB } from './clickhouse.ts';
import { benchDashboards } from './dashboards.ts';
import { benchIngestClickHouse } from './ingestClickHouse.ts';
import { benchIngestCollector } from './ingestCollector.ts';
import { benchFreshness } from './freshness.ts';
import { benchLoad } from './load.ts';
import { benchMemory } from './memory.ts';
import { benchQueries } from './queries.ts';
import { printTable, type Result } from './stats.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const clickhouse = args.includes('--clickhouse');
const ingest = args.includes('--ingest');
const dashboards = args.includes('--dashboards');
// --freshness, --memory, --load: bench/freshness.ts, bench/memory.ts, bench/load.ts (each also runs alone).
const [freshness, memory, load] = ['--freshness', '--memory', '--load'].map((f) => args.includes(f));
const log = (s: string) => process.stderr.write(`${s}\n`);

const results: Result[] = [];
log(`carrello bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${quick ? ' (quick)' : ''}`);
for (const events of quick ? [100_000] : [1_000_000]) {
  log(`queries at ${events.toLocaleString('en')} events (DuckDB)`);
  results.push(...(await benchQueries(events, quick ? 5 : 20, log)));
  if (clickhouse) {
    log(`queries at ${events.toLocaleString('en')} events (ClickHouse, chdb)`);
    results.push(...(await benchClickHouseQueries(events, quick ? 5 : 20, log)));
  }
  if (dashboards) {
    log(`dashboard pages at ${events.toLocaleString('en')} events (DuckDB, chromium)`);
    results.push(...(await benchDashboards(events, quick ? 3 : 7, log)));
  }
}
if (ingest) {
  const events = quick ? 20_000 : 200_000;
  log(`ingest of ${events.toLocaleString('en')} events, Kafka → ClickHouse (chdb)`);
  // One chdb directory per process: the query bench's when it ran (or will not), a temporary one otherwise.
  results.push(...(await benchIngestClickHouse(events, log, clickhouse ? CHDB : undefined)).results);
  log(`ingest through the collector, POST /v1/events → DuckDB`);
  results.push(...(await benchIngestCollector(quick ? 10_000 : 100_000, log)).results);
}
if (freshness) {
  log('freshness, emit → visible to the API, 5,000 events/s');
  // Both serve from a child process, so the chdb one does not collide with --clickhouse's directory here.
  for (const path of ['kafka-chdb', 'embedded-duckdb'] as const) {
    results.push(...(await benchFreshness({ path, perS: 5_000, durationMs: quick ? 10_000 : 60_000 }, log)).results);
  }
}
if (memory) {
  log('worker memory through a warehouse stall');
  results.push(...(await benchMemory({ stallMs: quick ? 15_000 : 60_000, perS: 5_000, afterMs: quick ? 3_000 : 10_000 }, log)).results);
}
if (load) {
  log('API under load from this process (autocannon)');
  results.push(...(await benchLoad({ events: quick ? 100_000 : 1_000_000, connections: 10, durationS: quick ? 5 : 20 }, log)).results);
}
if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else printTable(results);
