import { sleep } from '../sleep.ts';
import type { SimSink } from './sinks.ts';
import { MEAN_EVENTS_PER_CART, type SimMessage, type Simulation } from './simulation.ts';

export interface Progress {
  sent: number;
  simulatedAt: number;
}

/** Sends every message up to `untilMs` as fast as the sink takes it, `chunk` at a time. */
export async function backfill(
  sim: Simulation,
  untilMs: number,
  sink: SimSink,
  opts: { chunk?: number; onProgress?: (p: Progress) => void } = {},
): Promise<number> {
  const chunk = opts.chunk ?? 5_000;
  let batch: SimMessage[] = [];
  let sent = 0;
  for (const msg of sim.until(untilMs)) {
    batch.push(msg);
    if (batch.length >= chunk) {
      await sink.send(batch);
      sent += batch.length;
      opts.onProgress?.({ sent, simulatedAt: msg.at });
      batch = [];
    }
  }
  if (batch.length > 0) await sink.send(batch);
  sent += batch.length;
  opts.onProgress?.({ sent, simulatedAt: untilMs });
  return sent;
}

/** Carts per day that give on average `eventsPerSecond` events a second. */
export function cartsPerDayFor(eventsPerSecond: number): number {
  return (eventsPerSecond * 86_400) / MEAN_EVENTS_PER_CART;
}

/**
 * Real-time traffic: every `tickMs`, sends what became due on the wall clock. Stops when the
 * signal aborts; a failed send is reported and the messages are retried on the next tick.
 */
export async function streamLive(
  sim: Simulation,
  sink: SimSink,
  opts: { tickMs?: number; signal: AbortSignal; onError?: (err: unknown) => void; onSent?: (n: number) => void; clock?: () => number },
): Promise<void> {
  const tickMs = opts.tickMs ?? 500;
  const clock = opts.clock ?? Date.now;
  let carry: SimMessage[] = [];
  while (!opts.signal.aborted) {
    const batch = [...carry, ...sim.until(clock())];
    carry = [];
    if (batch.length > 0) {
      try {
        await sink.send(batch);
        opts.onSent?.(batch.length);
      } catch (err) {
        carry = batch;
        opts.onError?.(err);
      }
    }
    await sleep(tickMs, opts.signal);
  }
}
