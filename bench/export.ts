import { percentile, type Result } from './stats.ts';

/** One export as a client saving it sees it: when its first byte came, when its last did, how many events. */
async function exportOnce(port: number, url: string): Promise<{ firstMs: number; wholeMs: number; events: number; bytes: number }> {
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${port}${url}`);
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  let firstMs = NaN;
  let bytes = 0;
  // The bytes as they come, never decoded into one string: a client writes an export to a file or a parser.
  for await (const part of res.body!) {
    if (bytes === 0) firstMs = performance.now() - t0;
    bytes += (part as Uint8Array).byteLength;
  }
  return { firstMs, wholeMs: performance.now() - t0, events: Number(res.headers.get('carrello-row-count')), bytes };
}

/**
 * An export timed `runs` times after a warm-up: p50/p95 of the whole answer (the row every engine's table
 * shows), of its first byte, and the events per second of the median answer (issue 12's targets: a day of
 * the 10M store in ≤ 700 ms, first byte ≤ 300 ms, ≥ 500,000 events/s).
 */
export async function timeExport(port: number, url: string, runs: number, prefix: string, name: string, log: (s: string) => void): Promise<Result[]> {
  await exportOnce(port, url);
  const runsOf = [];
  for (let i = 0; i < runs; i++) runsOf.push(await exportOnce(port, url));
  const whole = runsOf.map((r) => r.wholeMs);
  const first = runsOf.map((r) => r.firstMs);
  const { events, bytes } = runsOf[0]!;
  const perS = events / (percentile(whole, 0.5) / 1000);
  log(
    `  ${name}: p50 ${Math.round(percentile(whole, 0.5))} ms, p95 ${Math.round(percentile(whole, 0.95))} ms, first byte p50 ${Math.round(percentile(first, 0.5))} ms, ` +
      `p95 ${Math.round(percentile(first, 0.95))} ms; ${events.toLocaleString('en')} events, ${(bytes / 2 ** 20).toFixed(0)} MiB, ${Math.round(perS).toLocaleString('en')} events/s`,
  );
  const row = `${prefix}: ${name}`;
  return [
    { name: `${row} p95`, value: percentile(whole, 0.95), unit: 'ms' },
    { name: `${row} p50`, value: percentile(whole, 0.5), unit: 'ms' },
    { name: `${row}: first byte p95`, value: percentile(first, 0.95), unit: 'ms' },
    { name: `${row}: first byte p50`, value: percentile(first, 0.5), unit: 'ms' },
    { name: `${row}: events/s at p50`, value: perS, unit: 'events/s' },
  ];
}
