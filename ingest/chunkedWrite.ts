import type { WriteName } from '../sql/catalogue/index.ts';
import type { NamedWriter } from '../sql/warehouse.ts';

/**
 * Reference rows (products, exchange rates) are written in statements of at most about this much JSON
 * (UTF-16 code units): percent-encoded in a ClickHouse server's URL (1 MiB by default), a code unit takes at
 * most 9 bytes.
 */
const CHUNK_BYTES = 100_000;

/**
 * Writes rows (JSON texts) with the named statement, passed as a JSON array in `param`, in statements of
 * about CHUNK_BYTES. The rows are validated whole first by the caller; a write cut short leaves a prefix
 * stored, and sending it again is safe (each statement upserts).
 */
export async function writeInChunks(writer: NamedWriter, statement: WriteName, param: string, rows: Iterable<string>): Promise<void> {
  let chunk: string[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length > 0) await writer.writeNamed([statement], { [param]: `[${chunk.join(',')}]` });
    chunk = [];
    bytes = 0;
  };
  for (const json of rows) {
    if (bytes + json.length > CHUNK_BYTES) await flush();
    chunk.push(json);
    bytes += json.length;
  }
  await flush();
}
