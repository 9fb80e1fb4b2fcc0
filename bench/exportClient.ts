// `node --import tsx bench/exportClient.ts URL RUNS`: an export read as a client saving it reads it, in a
// process of its own (bench/export.ts spawns it), so that the server being timed does not share its
// event loop and CPU with the reader. Prints one JSON line: the warm-up's and each run's timings.
import { pathToFileURL } from 'node:url';

export interface ExportTiming {
  firstMs: number;
  wholeMs: number;
  events: number;
  bytes: number;
}

/** One export as a client saving it sees it: when its first byte came, when its last did, how many events. */
export async function exportOnce(url: string): Promise<ExportTiming> {
  const t0 = performance.now();
  const res = await fetch(url);
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [url, runs] = [process.argv[2]!, Number(process.argv[3] ?? 5)];
  await exportOnce(url); // warm-up
  const out: ExportTiming[] = [];
  for (let i = 0; i < runs; i++) out.push(await exportOnce(url));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
