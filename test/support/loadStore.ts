/**
 * Loads messages into a store through the real ingest pipeline, valid ones into `events`, refused ones into
 * `rejected_events`, and reads the abandonment funnel once (which folds DuckDB's cart_replay). Run as a
 * process of its own for a chdb directory, which belongs to one process at a time:
 *   node --import tsx test/support/loadStore.ts STORE FILE   (FILE: a JSON array of message texts)
 * and prints {"accepted":n,"rejected":n}.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { openWarehouse, parseStore } from '../../sql/open.ts';
import type { Warehouse } from '../../sql/warehouse.ts';
import { abandonment } from '../faults/support.ts';
import { RECEIVED_MS } from './seed.ts';

export async function loadMessages(warehouse: Warehouse, texts: readonly (string | Uint8Array)[]): Promise<{ accepted: number; rejected: number }> {
  await warehouse.migrate();
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < texts.length; i += 5_000) {
    const pipeline = new IngestPipeline(warehouse);
    try {
      const raws = texts.slice(i, i + 5_000).map((t) => (typeof t === 'string' ? new TextEncoder().encode(t) : t));
      const r = await pipeline.ingest(raws.map((raw, n) => ({ raw, source: 'test', sourceRef: `load#${i + n}`, receivedAtMs: RECEIVED_MS })));
      accepted += r.accepted;
      rejected += r.rejected.length;
    } finally {
      await pipeline.close();
    }
  }
  await abandonment(warehouse);
  return { accepted, rejected };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [store, file] = process.argv.slice(2);
  const texts = (JSON.parse(readFileSync(file!, 'utf8')) as (string | { hex: string })[]).map((t) => (typeof t === 'string' ? t : Buffer.from(t.hex, 'hex')));
  const warehouse = await openWarehouse(parseStore(store!));
  try {
    process.stdout.write(`${JSON.stringify(await loadMessages(warehouse, texts))}\n`);
  } finally {
    await warehouse.close();
  }
}
