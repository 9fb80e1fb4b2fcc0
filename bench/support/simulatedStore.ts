import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { backfill } from '../../ingest/simulator/feed.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../../ingest/simulator/simulation.ts';
import { ingressSink } from '../../ingest/simulator/sinks.ts';
import { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';

const DAY = 86_400_000;

export interface SimulatedStoreSpec {
  path: string;
  seed: string;
  /** About this many events (the simulator decides the exact number). */
  events: number;
  /** Simulated traffic ends here. */
  endMs: number;
  cartsPerDay: number;
}

/**
 * A DuckDB file holding simulated shop traffic, built once through the real ingest pipeline and reused
 * by later runs (the file name should carry the spec). Returns the simulated time range.
 */
export async function simulatedStore(spec: SimulatedStoreSpec, log: (line: string) => void): Promise<{ startMs: number; endMs: number }> {
  const days = Math.ceil(spec.events / MEAN_EVENTS_PER_CART / spec.cartsPerDay);
  const startMs = spec.endMs - days * DAY;
  if (existsSync(spec.path)) return { startMs, endMs: spec.endMs };
  mkdirSync(dirname(spec.path), { recursive: true });
  // Built under a temporary name, so an interrupted build is never mistaken for a finished one.
  const building = `${spec.path}.building`;
  rmSync(building, { force: true });
  rmSync(`${building}.wal`, { force: true });
  const warehouse = await DuckDbWarehouse.open(building);
  await warehouse.migrate();
  const pipeline = new IngestPipeline(warehouse);
  const sim = new Simulation(startMs, { ...DEFAULT_SIMULATION, seed: spec.seed, cartsPerDay: spec.cartsPerDay });
  const t0 = performance.now();
  let lastLog = 0;
  const sent = await backfill(sim, spec.endMs, ingressSink(pipeline), {
    chunk: 10_000,
    onProgress: (p) => {
      if (p.sent - lastLog >= 100_000) {
        lastLog = p.sent;
        log(`building ${spec.path}: ${p.sent} events`);
      }
    },
  });
  await pipeline.close();
  await warehouse.close();
  renameSync(building, spec.path);
  log(`built ${spec.path}: ${sent} events over ${days} days in ${Math.round(performance.now() - t0)} ms`);
  return { startMs, endMs: spec.endMs };
}
