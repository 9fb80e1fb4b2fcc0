import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';

export const BENCH_END = Date.parse('2026-06-01T00:00:00.000Z');
export const BENCH_DAYS = 30;
const CACHE = join(process.cwd(), '.cache', 'bench');

/**
 * A DuckDB file holding about `events` simulated events over 30 days, built once through the real
 * ingest pipeline and cached under .cache/bench/ (same seed, same file).
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
