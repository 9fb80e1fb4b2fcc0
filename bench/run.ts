// `npm run bench [-- --quick] [-- --json] [-- --all | flags]`: carrello's benchmarks, each beside its baseline
// where one exists. Without flags: the read endpoints on DuckDB. --clickhouse adds the same read endpoints on
// ClickHouse in-process (chdb), --clickhouse-only without DuckDB; --scale 10m runs the read endpoints at 10M
// events on both engines instead of 1M, and the window-vs-history bench (the stores are built once and
// cached under .cache/bench, see docs/benchmarks.md); --no-history leaves that bench (and its long-history
// store) out of a scaled run; --history runs it alone; --export-days N times the export over N days instead
// of 1, --export-only times the export alone (no other endpoint); --ingest adds Kafka →
// ClickHouse ingest, one carrello worker beside ClickHouse's Kafka engine (starts a local broker), and
// embedded ingest through the collector into DuckDB; --dashboards adds each dashboard page in chromium over
// the same DuckDB store; --freshness, --memory and --load add emit → API freshness, worker RSS through a
// warehouse stall, and the API under load from this process. --storage alone prints the bytes on disk of the
// store (--scale, --base) per table and per event, cart and line on both engines (docs/scaling.md). --all is
// every flag but --scale, --history and --storage.
import { cpus, totalmem } from 'node:os';
import { spawn } from 'node:child_process';
import { benchClickHouseQueries } from './clickhouse.ts';
import { benchDashboards } from './dashboards.ts';
import { storeLabel, type BenchStore } from './dataset.ts';
import { benchFreshness } from './freshness.ts';
import { benchHistory, historyStore } from './history.ts';
import { benchIngestClickHouse } from './ingestClickHouse.ts';
import { benchIngestCollector } from './ingestCollector.ts';
import { benchLoad } from './load.ts';
import { benchMemory } from './memory.ts';
import { benchQueries } from './queries.ts';
import { benchStorage } from './storage.ts';
import { printTable, type Result } from './stats.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const all = args.includes('--all');
const flag = (f: string) => all || args.includes(f);
const option = (f: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
/** `10m`, `2m`, `200k`, `40000`: a number of events. */
function count(f: string): number | undefined {
  const v = option(f);
  if (v === undefined) return undefined;
  const m = /^(\d+)(k|m)?$/i.exec(v);
  if (!m) throw new Error(`${f} takes a number of events such as 10m, 2m or 200k, not ${v}`);
  return Number(m[1]) * ({ k: 1_000, m: 1_000_000 }[m[2]?.toLowerCase() ?? ''] ?? 1);
}
// Larger stores are copies of the simulated one (its size: --base, or 1M; 100k with --quick): --scale 10m
// is 10 copies of 1M, --quick --scale 200k 2 copies of 100k.
const scale = count('--scale');
const simulated = Math.min(count('--base') ?? (quick ? 100_000 : 1_000_000), scale ?? Infinity);
if (scale !== undefined && scale % simulated !== 0)
  throw new Error(`--scale ${scale} is not a whole number of copies of the ${simulated}-event simulation (--base)`);
const store: BenchStore = { simulated, copies: scale === undefined ? 1 : scale / simulated, shiftDays: 0 };
const events = simulated * store.copies;
// The long history: as many copies as --scale makes (10 without it), each 30 days further back. A scaled
// run benches it unless --no-history says not to (it builds a store of its own: minutes at 10M).
const historyWanted = args.includes('--history') || (store.copies > 1 && !args.includes('--no-history'));
const history = !args.includes('--storage') && historyWanted ? historyStore(simulated, store.copies > 1 ? store.copies : 10) : null;
const pick = { exportDays: Number(option('--export-days') ?? 1), exportOnly: args.includes('--export-only') };
if (!Number.isInteger(pick.exportDays) || pick.exportDays < 1) throw new Error(`--export-days takes a whole number of days, not ${option('--export-days')}`);
// A scaled store runs on both engines; beyond 1M, 3 times each endpoint after a warm-up (answers take
// seconds on 2 cores).
const clickhouse = flag('--clickhouse') || args.includes('--clickhouse-only') || store.copies > 1;
const duckdb = !args.includes('--clickhouse-only');
const [ingest, dashboards, freshness, memory, load] = ['--ingest', '--dashboards', '--freshness', '--memory', '--load'].map(flag);
const log = (s: string) => process.stderr.write(`${s}\n`);

const results: Result[] = [];
log(
  `carrello bench on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${quick ? ' (quick)' : ''}`,
);
const runs = quick ? 5 : events > 1_000_000 ? 3 : 20;
// --history alone runs only the history bench; with --scale, the read endpoints first. --storage runs alone.
const storage = args.includes('--storage');
const reads = !storage && (history === null || scale !== undefined || args.some((a) => ['--clickhouse', '--clickhouse-only', '--all'].includes(a)));
if (storage) {
  log(`bytes on disk at ${events.toLocaleString('en')} events`);
  if (duckdb) results.push(...(await benchStorage('duckdb', store, log)));
  // A process of its own, as the history bench's: chdb holds one engine per process.
  const chArgs = ['--engine', 'clickhouse', '--simulated', String(simulated), '--copies', String(store.copies), '--json'];
  results.push(...(await inChild('bench/storage.ts', chArgs)).results);
}
if (reads && duckdb) {
  log(`queries at ${events.toLocaleString('en')} events (DuckDB)`);
  results.push(...(await benchQueries(store, runs, log, pick)));
}
if (reads && clickhouse) {
  log(`queries at ${events.toLocaleString('en')} events (ClickHouse, chdb)`);
  results.push(...(await benchClickHouseQueries(store, runs, log, pick)));
}
if (history) {
  const historyRuns = quick ? 3 : 5;
  if (duckdb) {
    log(`the same 7 days on ${simulated.toLocaleString('en')} events and on ${storeLabel(history)} (DuckDB)`);
    results.push(...(await benchHistory('duckdb', history, historyRuns, log)));
  }
  log(`the same 7 days on ${simulated.toLocaleString('en')} events and on ${storeLabel(history)} (ClickHouse, chdb)`);
  // A process of its own: chdb holds one engine per process, and the query bench above closed it.
  const chArgs = ['--engine', 'clickhouse', '--simulated', String(simulated), '--copies', String(history.copies), '--runs', String(historyRuns), '--json'];
  results.push(...(await inChild('bench/history.ts', chArgs)).results);
}
if (dashboards) {
  log(`dashboard pages at ${events.toLocaleString('en')} events (DuckDB, chromium)`);
  results.push(...(await benchDashboards(events, quick ? 3 : 7, log)));
}
if (ingest) {
  const n = quick ? 20_000 : 200_000;
  log(`ingest of ${n.toLocaleString('en')} events, Kafka → ClickHouse (chdb)`);
  // chdb runs one engine per process and the query bench above shut it down when it closed: after it, the
  // ingest bench runs in a process of its own.
  if (clickhouse) results.push(...(await inChild('bench/ingestClickHouse.ts', ['--events', String(n), '--json'])).results);
  else results.push(...(await benchIngestClickHouse(n, log)).results);
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
/** Runs a bench script with tsx in a child process (its log on our stderr) and parses its JSON output. */
async function inChild(script: string, scriptArgs: string[]): Promise<{ results: Result[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...scriptArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as { results: Result[] };
}

if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
else printTable(results);
