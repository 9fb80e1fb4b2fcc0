// `tsx bench/storage.ts --engine duckdb|clickhouse [--simulated N] [--copies K] [--json]`: bytes on disk of a
// bench store, per table and per event, cart and line (run.ts's --storage runs it, the chdb side in a child
// process: chdb holds one engine per process). Sizes do not depend on the machine's load: docs/scaling.md
// is written from them.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { query } from '../sql/loader.ts';
import { benchClickHouse, chdbDir } from './clickhouse.ts';
import { benchDuckDb, storeLabel, type BenchStore } from './dataset.ts';
import type { Result } from './stats.ts';

/** One table's bytes on disk and rows as stored (ClickHouse: rows of its active parts, before merges). */
interface TableSize {
  table: string;
  rows: number;
  bytes: number;
}

/** What each read model's size is divided by: events for events and cart_replay, carts, lines. */
const PER: Record<string, 'event' | 'cart' | 'line'> = {
  events: 'event',
  cart_replay: 'event',
  cart_model: 'cart',
  cart_folds: 'cart',
  line_model: 'line',
  cart_line_folds: 'line',
};

/**
 * Bytes of each DuckDB table from `pragma_storage_info`: each persistent segment owns the bytes from its
 * offset in its block to the next segment's offset there (or the block's end), plus whole blocks for its
 * additional blocks. Blocks not owned by any table segment (the primary key's index on events, the catalog,
 * free lists) are reported as `(indexes and metadata)`, against the file's used blocks (`pragma_database_size`).
 */
export async function duckDbSizes(path: string): Promise<{ tables: TableSize[]; usedBytes: number; fileBytes: number; counts: Counts }> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
    const [size] = await rows('SELECT block_size, used_blocks, total_blocks FROM pragma_database_size() WHERE database_name = current_database()');
    const blockSize = Number(size!.block_size);
    const tables = (
      await rows(`SELECT table_name, estimated_size FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name`)
    ).map((t) => String(t.table_name));
    const segments: { table: string; block: bigint; offset: number; extra: number }[] = [];
    for (const table of tables) {
      const info = await rows(
        `SELECT block_id, block_offset, len(additional_block_ids) AS extra FROM pragma_storage_info('${table}') WHERE persistent AND block_id >= 0`,
      );
      for (const s of info) segments.push({ table, block: BigInt(s.block_id as bigint), offset: Number(s.block_offset), extra: Number(s.extra ?? 0) });
    }
    const byBlock = new Map<bigint, typeof segments>();
    for (const s of segments) byBlock.set(s.block, [...(byBlock.get(s.block) ?? []), s]);
    const bytes = new Map<string, number>(tables.map((t) => [t, 0]));
    for (const inBlock of byBlock.values()) {
      inBlock.sort((a, b) => a.offset - b.offset);
      inBlock.forEach((s, i) => {
        bytes.set(s.table, bytes.get(s.table)! + (inBlock[i + 1]?.offset ?? blockSize) - s.offset + s.extra * blockSize);
      });
    }
    const counted: TableSize[] = [];
    for (const table of tables) {
      const [n] = await rows(`SELECT count(*)::BIGINT AS n FROM "${table}"`);
      if (Number(n!.n) > 0) counted.push({ table, rows: Number(n!.n), bytes: bytes.get(table)! });
    }
    const usedBytes = Number(size!.used_blocks) * blockSize;
    counted.push({ table: '(indexes and metadata)', rows: 0, bytes: usedBytes - counted.reduce((sum, t) => sum + t.bytes, 0) });
    const [events] = await rows(`SELECT count(*)::BIGINT AS n FROM events`);
    const [models] = await rows(query('duckdb', 'read_model_counts'));
    return {
      tables: counted,
      usedBytes,
      fileBytes: Number(size!.total_blocks) * blockSize,
      counts: { events: Number(events!.n), carts: Number(models!.carts), lines: Number(models!.lines) },
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

interface Counts {
  events: number;
  carts: number;
  lines: number;
}

/** Bytes of each ClickHouse table of the bench store's database: its active parts in system.parts. */
export async function clickHouseSizes(
  store: BenchStore,
  log: (s: string) => void,
): Promise<{ tables: (TableSize & { compressed: number; uncompressed: number })[]; counts: Counts }> {
  const { warehouse } = await benchClickHouse(store, chdbDir(store), log);
  try {
    const parts = await warehouse.rows(`
      SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes, sum(data_compressed_bytes) AS compressed,
             sum(data_uncompressed_bytes) AS uncompressed
      FROM system.parts WHERE database = currentDatabase() AND active GROUP BY table HAVING rows > 0 ORDER BY table`);
    const [events] = await warehouse.rows('SELECT count() AS n FROM events');
    const [models] = await warehouse.rows(query('clickhouse', 'read_model_counts'));
    return {
      tables: parts.map((p) => ({
        table: String(p.table),
        rows: Number(p.rows),
        bytes: Number(p.bytes),
        compressed: Number(p.compressed),
        uncompressed: Number(p.uncompressed),
      })),
      counts: { events: Number(events!.n), carts: Number(models!.carts), lines: Number(models!.lines) },
    };
  } finally {
    await warehouse.close();
  }
}

/** The sizes as bench results: each table's bytes and rows, and bytes per event, cart or line where it has one. */
export async function benchStorage(engine: 'duckdb' | 'clickhouse', store: BenchStore, log: (s: string) => void): Promise<Result[]> {
  const label = `${engine === 'duckdb' ? 'duckdb' : 'clickhouse (chdb)'} storage ${storeLabel(store)}`;
  const results: Result[] = [];
  const { tables, counts } = engine === 'duckdb' ? await duckDbSizes((await benchDuckDb(store, log)).path) : await clickHouseSizes(store, log);
  results.push(
    { name: `${label}: events`, value: counts.events, unit: 'rows' },
    { name: `${label}: carts`, value: counts.carts, unit: 'rows' },
    { name: `${label}: lines`, value: counts.lines, unit: 'rows' },
  );
  for (const t of tables) {
    results.push({ name: `${label}: ${t.table} on disk`, value: t.bytes / 2 ** 20, unit: 'MiB' });
    if (t.rows > 0) results.push({ name: `${label}: ${t.table} rows stored`, value: t.rows, unit: 'rows' });
    const per = PER[t.table];
    if (per) results.push({ name: `${label}: ${t.table} per ${per}`, value: t.bytes / counts[`${per}s`], unit: 'B' });
  }
  results.push({ name: `${label}: all tables per event`, value: tables.reduce((sum, t) => sum + t.bytes, 0) / counts.events, unit: 'B' });
  for (const r of results) log(`  ${r.name}: ${Math.round(r.value * 100) / 100} ${r.unit}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { engine: { type: 'string' }, simulated: { type: 'string' }, copies: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (values.engine !== 'duckdb' && values.engine !== 'clickhouse') throw new Error('--engine takes duckdb or clickhouse');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const store: BenchStore = { simulated: Number(values.simulated ?? 1_000_000), copies: Number(values.copies ?? 1), shiftDays: 0 };
  const results = await benchStorage(values.engine, store, log);
  if (values.json) process.stdout.write(`${JSON.stringify({ results })}\n`);
  else {
    const { printTable } = await import('./stats.ts');
    printTable(results);
  }
  process.exit(0);
}
