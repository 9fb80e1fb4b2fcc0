import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { scaleUpDuckDb } from './scaleUp.ts';

export const BENCH_END = Date.parse('2026-06-01T00:00:00.000Z');
export const BENCH_DAYS = 30;
export const CACHE = join(process.cwd(), '.cache', 'bench');

/** Sizes above this are copies of the store of this size (scaleUp.ts), not simulated one by one. */
const SIMULATED_MAX = 1_000_000;

/**
 * A DuckDB file holding about `events` simulated events over 30 days, built once and cached under
 * .cache/bench/ (same seed, same file): up to 1M through the real ingest pipeline, beyond that as
 * copies of the 1M store with fresh ids (10M = 10 copies).
 */
export async function benchDuckDb(events: number, log: (s: string) => void): Promise<{ path: string; buildSeconds: number | null }> {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `sim-${events}.duckdb`);
  if (existsSync(path)) return { path, buildSeconds: null };
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const t0 = performance.now();
  const warehouse = await DuckDbWarehouse.open(tmp);
  await warehouse.migrate();
  if (events > SIMULATED_MAX) {
    if (events % SIMULATED_MAX !== 0) throw new Error(`bench sizes above ${SIMULATED_MAX} are multiples of it, not ${events}`);
    const { path: source } = await benchDuckDb(SIMULATED_MAX, log);
    await warehouse.close();
    log(`  copying the ${SIMULATED_MAX.toLocaleString('en')}-event store ${events / SIMULATED_MAX} times`);
    await scaleUpDuckDb(source, tmp, events / SIMULATED_MAX);
    const copied = await DuckDbWarehouse.open(tmp);
    log('  folding every cart into cart_replay');
    await copied.refreshReplay();
    await copied.close();
    renameSync(tmp, path);
    return { path, buildSeconds: (performance.now() - t0) / 1000 };
  }
  const pipeline = new IngestPipeline(warehouse);
  const start = BENCH_END - BENCH_DAYS * 86_400_000;
  const sim = new Simulation(start, { ...DEFAULT_SIMULATION, seed: `bench-${events}`, cartsPerDay: events / MEAN_EVENTS_PER_CART / BENCH_DAYS });
  let batch: Parameters<IngestPipeline['ingest']>[0][number][] = [];
  let n = 0;
  const pending: Promise<unknown>[] = [];
  for (const m of sim.until(BENCH_END)) {
    const text = JSON.stringify(m.body);
    batch.push({ raw: Buffer.from(text), parsed: { json: m.body, text }, source: 'bench', sourceRef: null, receivedAtMs: m.at });
    if (batch.length === 5_000) {
      pending.push(pipeline.ingest(batch));
      batch = [];
      if (pending.length >= 4) await pending.shift();
      n += 5_000;
      if (n % 200_000 === 0) log(`  built ${n.toLocaleString('en')} events`);
    }
  }
  pending.push(pipeline.ingest(batch));
  await Promise.all(pending);
  await pipeline.close();
  await warehouse.refreshReplay();
  await warehouse.close();
  renameSync(tmp, path);
  return { path, buildSeconds: (performance.now() - t0) / 1000 };
}
