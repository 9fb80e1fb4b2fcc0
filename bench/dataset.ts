import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { BuildProfile } from './buildProfile.ts';
import { scaleUpDuckDb } from './scaleUp.ts';

export const BENCH_END = Date.parse('2026-06-01T00:00:00.000Z');
export const BENCH_DAYS = 30;
export const CACHE = join(process.cwd(), '.cache', 'bench');
/** How far back each copy of the long-history store moves: copy k covers the 30 days k months earlier. */
export const HISTORY_SHIFT_DAYS = 30;

/** Sizes above this are copies of the store of this size, not simulated one by one. */
const SIMULATED_MAX = 1_000_000;

/**
 * A bench store: `simulated` events over the bench's 30 days, simulated and ingested through the real
 * pipeline, then (copies > 1) copied `copies` times with fresh ids, copy k moved back k · shiftDays days.
 * 10M = { 1M, 10 copies, shift 0 }: the same 30 days at 10× the carts; the long history = { 1M, 10, 30 }:
 * 300 days of the same shop, whose last 30 days are the 1M store's events, ids and all.
 */
export interface BenchStore {
  simulated: number;
  copies: number;
  shiftDays: number;
}

/** The store of `events` events: simulated up to 1M, copies of the 1M store beyond (10M = 10 copies). */
export function storeOf(events: number): BenchStore {
  if (events <= SIMULATED_MAX) return { simulated: events, copies: 1, shiftDays: 0 };
  if (events % SIMULATED_MAX !== 0) throw new Error(`bench sizes above ${SIMULATED_MAX} are multiples of it, not ${events}`);
  return { simulated: SIMULATED_MAX, copies: events / SIMULATED_MAX, shiftDays: 0 };
}

export const storeEvents = (s: BenchStore) => s.simulated * s.copies;
/** The store's cache name (file, chdb database): `sim-1000000`, `sim-1000000x10`, `history30d-1000000x10`. */
export const storeKey = (s: BenchStore) =>
  s.copies === 1 ? `sim-${s.simulated}` : `${s.shiftDays === 0 ? 'sim' : `history${s.shiftDays}d`}-${s.simulated}x${s.copies}`;
/** As result names show it: `1M`, `10M`, `0.2M`; a long history says how long (`10M over 300 days`). */
export const storeLabel = (s: BenchStore) =>
  `${storeEvents(s) / 1e6}M${s.copies > 1 && s.shiftDays > 0 ? ` over ${(s.copies - 1) * s.shiftDays + BENCH_DAYS} days` : ''}`;

/**
 * A DuckDB file holding the bench store, built once and cached under .cache/bench/ (same seed, same
 * file). Copies come from the simulated store, one INSERT … SELECT each (scaleUp.ts), then the read models
 * are built by the warehouse's own rebuildReadModels(); the log profiles each step's share of the build.
 */
export async function benchDuckDb(store: number | BenchStore, log: (s: string) => void): Promise<{ path: string; buildSeconds: number | null }> {
  const s = typeof store === 'number' ? storeOf(store) : store;
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `${storeKey(s)}.duckdb`);
  if (existsSync(path)) return { path, buildSeconds: null };
  const tmp = `${path}.building`;
  rmSync(tmp, { force: true });
  rmSync(`${tmp}.wal`, { force: true });
  const t0 = performance.now();
  const warehouse = await DuckDbWarehouse.open(tmp);
  await warehouse.migrate();
  if (s.copies > 1) {
    const { path: source } = await benchDuckDb({ ...s, copies: 1 }, log);
    await warehouse.close();
    const steps = new BuildProfile(log);
    log(`  copying the ${s.simulated.toLocaleString('en')}-event store ${s.copies} times${s.shiftDays > 0 ? `, copy k ${s.shiftDays}·k days back` : ''}`);
    await scaleUpDuckDb(source, tmp, s.copies, s.shiftDays, (step, ms) => steps.add(`${step} (INSERT … SELECT)`, ms));
    // The derived tables by the code that maintains them, whatever they are: cart_replay, cart_model,
    // line_model, folded from every event in one transaction.
    const copied = await DuckDbWarehouse.open(tmp);
    const models = await steps.time('rebuildReadModels()', () => copied.rebuildReadModels());
    await copied.close();
    log(`  ${models.carts.toLocaleString('en')} carts, ${models.lines.toLocaleString('en')} lines`);
    steps.report();
    renameSync(tmp, path);
    rmSync(`${tmp}.exports`, { recursive: true, force: true }); // the building store's export folder
    return { path, buildSeconds: (performance.now() - t0) / 1000 };
  }
  const pipeline = new IngestPipeline(warehouse);
  const start = BENCH_END - BENCH_DAYS * 86_400_000;
  const sim = new Simulation(start, { ...DEFAULT_SIMULATION, seed: `bench-${s.simulated}`, cartsPerDay: s.simulated / MEAN_EVENTS_PER_CART / BENCH_DAYS });
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
  rmSync(`${tmp}.exports`, { recursive: true, force: true });
  return { path, buildSeconds: (performance.now() - t0) / 1000 };
}
