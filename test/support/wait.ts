// Waiting in tests for what happened (N events stored, an announcement delivered), never for a time: each
// wait polls a probe and its deadline is a guard against a hang, not a measure of speed.

/** Polls probe() until it gives a value (not undefined or false); fails after timeoutMs naming what it waited for. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until measure() reaches target, for as long as it keeps moving: fails only when it has not grown
 * for stallMs (default 60 s). A deadline that scales with the work and with the machine's load, where a
 * fixed one fails a loaded machine that is merely slow.
 */
export async function waitForProgress(
  what: string,
  measure: () => Promise<number | bigint> | number | bigint,
  target: number | bigint,
  stallMs = 60_000,
): Promise<void> {
  let best: number | bigint | null = null;
  let movedAt = Date.now();
  for (;;) {
    const value = await measure();
    if (value >= target) return;
    if (best === null || value > best) {
      best = value;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`waiting for ${what}: stuck at ${value} of ${target} for ${stallMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** One counter or gauge value from Prometheus text, 0 when the series is absent. */
export function metricValue(text: string, series: string): number {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return 0;
}
