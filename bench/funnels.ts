// `npx tsx bench/funnels.ts [--events N] [--base N --copies K [--shift D]] [--clickhouse] [--json]`:
// POST /v1/funnels's computation (warehouse query, matching, summary) on simulated traffic of about N
// events (default 1,000,000) in a DuckDB file under .cache/bench/ (shared with `npm run bench`), built
// once through the ingest pipeline and reused; --base/--copies/--shift name a store of copies instead
// (bench/dataset.ts: `--base 100000 --copies 10` is a 1M store shaped like the 10M one, `--shift 30` a long
// history); --clickhouse asks the chdb store of the same events (bench/clickhouse.ts) instead. Prints
// one line per funnel, or JSON; --only TEXT keeps the funnels whose name holds TEXT, --runs R times each. `node --cpu-prof --import tsx bench/funnels.ts …` profiles it.
// --split times the parts of each run apart (medians, ms): the engine's query with the answer's transfer and
// decoding (read), the stream's ordering (stream), the matcher (match) and the summary (summary).
import { funnelReport, matchSpec, readEventRows, startBits } from '../projections/funnels/funnels.ts';
import { FunnelMatcher } from '../projections/funnels/matcher.ts';
import { buildStream } from '../projections/funnels/stream.ts';
import { summarize, summarizeByValue } from '../projections/funnels/summary.ts';
import type { FunnelDefinition } from '../projections/funnels/definition.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { benchClickHouse, chdbDir } from './clickhouse.ts';
import { BENCH_END, benchDuckDb, storeOf, type BenchStore } from './dataset.ts';

const args = process.argv.slice(2);
const json = args.includes('--json');
const clickhouse = args.includes('--clickhouse');
const eventsAt = args.indexOf('--events');
const events = eventsAt >= 0 ? Number(args[eventsAt + 1]) : 1_000_000;
if (!Number.isInteger(events) || events < 1_000) throw new Error('--events takes a whole number of at least 1000');
const option = (f: string) => (args.includes(f) ? Number(args[args.indexOf(f) + 1]) : undefined);
const store: BenchStore =
  option('--base') === undefined ? storeOf(events) : { simulated: option('--base')!, copies: option('--copies') ?? 1, shiftDays: option('--shift') ?? 0 };
const runs = option('--runs') ?? 5;
/** `--only ordered` runs the funnels whose name contains it. */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : '';
const split = args.includes('--split');
const DAY = 86_400_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const endMs = BENCH_END;

const base: FunnelDefinition = {
  steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }],
  windowMs: 14 * DAY,
  order: 'ordered',
  exclusions: [],
  entity: 'cart',
  fromMs: endMs - 30 * DAY,
  toMs: endMs,
  asOfMs: endMs,
};
const funnels: [string, FunnelDefinition][] = [
  ['ordered carts: added → checkout → order', base],
  ['ordered carts, by channel', { ...base, breakdown: 'channel' }],
  ['strict carts', { ...base, order: 'strict' }],
  ['unordered carts', { ...base, order: 'unordered' }],
  ['ordered carts, removal excluded between checkout and order', { ...base, exclusions: [{ type: 'cart.item_removed', between: [1, 2] }] }],
  ['ordered customers, by campaign', { ...base, entity: 'customer', breakdown: 'campaign' }],
  ['strict customers', { ...base, entity: 'customer', order: 'strict' }],
  [
    'ordered carts: garden add → any add → checkout',
    { ...base, steps: [{ type: 'cart.item_added', category: 'garden' }, { type: 'cart.item_added' }, { type: 'cart.checkout_started' }] },
  ],
];

const warehouse: Warehouse = clickhouse
  ? (await benchClickHouse(store, chdbDir(store), log)).warehouse
  : await DuckDbWarehouse.open((await benchDuckDb(store, log)).path);
const stored = (await warehouse.stats()).events_stored;
// Wall time is what a caller waits; CPU time (all threads, DuckDB's included) tells a busy machine apart.
const results: {
  name: string;
  events: number;
  entered: number;
  median_ms: number;
  min_ms: number;
  max_ms: number;
  cpu_ms: number;
  split?: Record<'read' | 'stream' | 'match' | 'summary', number>;
}[] = [];
for (const [name, d] of funnels.filter(([name]) => name.includes(only))) {
  const times: number[] = [];
  const cpu: number[] = [];
  const parts: number[][] = [];
  let entered = 0;
  for (let i = 0; i < runs + 1; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const part = split ? await splitRun(d) : null;
    const report = part?.report ?? (await funnelReport(warehouse, d));
    const ms = performance.now() - t0;
    const used = process.cpuUsage(c0);
    if (i > 0) {
      // the first run warms caches
      times.push(ms);
      cpu.push((used.user + used.system) / 1000);
      if (part) parts.push(part.ms);
    }
    entered = report.steps[0]!.count;
  }
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  const r = {
    name,
    events: stored,
    entered,
    median_ms: Math.round(times[runs >> 1]!),
    min_ms: Math.round(times[0]!),
    max_ms: Math.round(times[runs - 1]!),
    cpu_ms: Math.round(cpu[runs >> 1]!),
  };
  const medianOf = (k: number) => Math.round(parts.map((p) => p[k]!).sort((a, b) => a - b)[runs >> 1]!);
  const splitMs = split ? { read: medianOf(0), stream: medianOf(1), match: medianOf(2), summary: medianOf(3) } : undefined;
  results.push(splitMs ? { ...r, split: splitMs } : r);
  if (!json) {
    const shown = splitMs ? ` [read ${splitMs.read}, stream ${splitMs.stream}, match ${splitMs.match}, summary ${splitMs.summary}]` : '';
    process.stdout.write(
      `${warehouse.engine} ${name}: median ${r.median_ms} ms${shown} (min ${r.min_ms}, max ${r.max_ms}; cpu ${r.cpu_ms} ms) over ${stored} events, ${entered} entered\n`,
    );
  }
}
await warehouse.close();
if (json) process.stdout.write(`${JSON.stringify(results)}\n`);

/** One run of funnelReport's parts, each timed (ms: read, stream, match, summary); the summary as funnelReport's steps. */
async function splitRun(d: FunnelDefinition): Promise<{ ms: number[]; report: { steps: { count: number }[] } }> {
  const t0 = performance.now();
  const rows = await readEventRows(warehouse, d);
  const t1 = performance.now();
  const stream = buildStream(rows, startBits(d));
  const t2 = performance.now();
  const outcomes = new FunnelMatcher(stream, matchSpec(d)).matchAll();
  const t3 = performance.now();
  const steps = summarize(d, outcomes);
  if (d.breakdown) summarizeByValue(d, outcomes);
  const t4 = performance.now();
  return { ms: [t1 - t0, t2 - t1, t3 - t2, t4 - t3], report: { steps } };
}
