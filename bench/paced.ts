// Steady simulated traffic for the benches that need a rate rather than a backlog (freshness, memory):
// simulated events, and a pacing loop that emits them at a fixed rate and says what rate it held.
import type { CartEvent } from '../ingest/contract/events.ts';
import { DEFAULT_SIMULATION, MEAN_EVENTS_PER_CART, Simulation } from '../ingest/simulator/simulation.ts';

const DAY = 86_400_000;

/** n simulated events (realistic shapes and sizes, each cart's events in order, no resent or broken copies). */
export function simulatedEvents(n: number, seed: string): CartEvent[] {
  const end = Date.parse('2026-10-01T00:00:00.000Z');
  const sim = new Simulation(end - 30 * DAY, { ...DEFAULT_SIMULATION, seed, cartsPerDay: Math.ceil((n / 30 / MEAN_EVENTS_PER_CART) * 1.15) + 10 });
  const out: CartEvent[] = [];
  for (const m of sim.until(end)) {
    out.push(m.body as CartEvent);
    if (out.length === n) return out;
  }
  throw new Error(`the simulation gave ${out.length} events, fewer than ${n}`);
}

export interface PacedFigures {
  /** Events handed to send(). */
  emitted: number;
  /** Events whose send resolved (acknowledged by whatever send() talks to). */
  acknowledged: number;
  failed: number;
  /** Failed sends by error code (producer_backpressure, kafka_unavailable, ...). */
  failures: Record<string, number>;
  /** From the first emit to the last one. */
  emitMs: number;
  /** emitted / emitMs: the rate the loop held. */
  achievedPerS: number;
  /** The longest the loop fell behind its schedule (ms): how steady the rate was. */
  maxLagMs: number;
}

export interface PacedRun {
  /** Resolves when every event was emitted and every send settled. */
  readonly done: Promise<PacedFigures>;
  /** Events emitted so far. */
  emitted(): number;
  /** Stops emitting after the current tick. */
  stop(): void;
}

/**
 * Emits `events` at `perS` events a second: every `tickMs` it sends the events that became due by the
 * wall clock since the start (so a slow tick is caught up by the next, and the average rate holds).
 * `send` is called once per event and not awaited in the loop (a producer SDK batches behind it);
 * a failed send is counted, not retried.
 */
export function emitPaced(events: readonly CartEvent[], perS: number, send: (event: CartEvent, index: number) => Promise<void>, tickMs = 5): PacedRun {
  let i = 0;
  let stopped = false;
  let acknowledged = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  let maxLagMs = 0;
  const settled: Promise<void>[] = [];
  const done = (async (): Promise<PacedFigures> => {
    const t0 = performance.now();
    let last = t0;
    while (!stopped && i < events.length) {
      const now = performance.now();
      const due = Math.min(events.length, Math.floor(((now - t0) / 1000) * perS) + 1);
      if (due > i) maxLagMs = Math.max(maxLagMs, now - (t0 + (i / perS) * 1000));
      for (; i < due; i++) {
        settled.push(
          send(events[i]!, i).then(
            () => {
              acknowledged += 1;
            },
            (err: unknown) => {
              failed += 1;
              const code = String((err as { code?: unknown })?.code ?? 'error');
              failures[code] = (failures[code] ?? 0) + 1;
            },
          ),
        );
      }
      last = now;
      await new Promise((r) => setTimeout(r, tickMs));
    }
    const emitMs = Math.max(1, last - t0);
    await Promise.all(settled);
    return { emitted: i, acknowledged, failed, failures, emitMs, achievedPerS: (i / emitMs) * 1000, maxLagMs };
  })();
  return {
    done,
    emitted: () => i,
    stop: () => {
      stopped = true;
    },
  };
}
