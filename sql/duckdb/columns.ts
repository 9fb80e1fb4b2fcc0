import { DuckDBMaterializedResult, DuckDBTypeId, type DuckDBDataChunk, type DuckDBResult, type DuckDBVector } from '@duckdb/node-api';
import type { Column, Columns, TextColumn } from '../warehouse.ts';

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
]);

/**
 * Reads a whole result column by column: numeric columns into Float64Array (NULL → NaN); VARCHAR
 * columns stay in their chunks and are decoded on access. Other types are refused: a query meant for
 * this casts them.
 */
export async function readColumns(result: DuckDBResult): Promise<Columns> {
  const names = result.columnNames();
  const types = names.map((_, i) => result.columnTypeId(i));
  types.forEach((type, i) => {
    if (!NUMERIC.has(type) && type !== DuckDBTypeId.VARCHAR) {
      throw new TypeError(`column ${names[i]} has type ${DuckDBTypeId[type]}; cast it to DOUBLE or VARCHAR in the query`);
    }
  });
  const chunks: DuckDBDataChunk[] = [];
  let rows = 0;
  if (result instanceof DuckDBMaterializedResult) {
    // Already in memory: take its chunks without a round trip each.
    for (let i = 0; i < result.chunkCount; i++) {
      const chunk = result.getChunk(i);
      if (chunk.rowCount === 0) continue;
      chunks.push(chunk);
      rows += chunk.rowCount;
    }
  } else {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      chunks.push(chunk);
      rows += chunk.rowCount;
    }
  }
  const columns: Record<string, Column> = {};
  names.forEach((name, c) => {
    if (types[c] === DuckDBTypeId.VARCHAR) {
      columns[name] = lazyTexts(chunks, c, rows);
    } else {
      const out = new Float64Array(rows);
      let at = 0;
      for (const chunk of chunks) {
        numbersInto(out, at, chunk.getColumnVector(c));
        at += chunk.rowCount;
      }
      columns[name] = out;
    }
  });
  return { rows, columns };
}

type Items = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/**
 * Copies a numeric vector. @duckdb/node-api keeps a numeric vector's values in a typed array (`items`) and
 * its validity mask in `validity.data` (null when no value is NULL); reading them directly is about ten
 * times faster than getItem() per value, which matters for answers reading a million rows. Should a
 * later release change either, this falls back to getItem().
 */
function numbersInto(out: Float64Array, at: number, vector: DuckDBVector): void {
  const internals = vector as unknown as { items?: unknown; validity?: { data?: unknown } };
  const items = internals.items;
  const allValid = internals.validity !== undefined && internals.validity.data === null;
  if (allValid && ArrayBuffer.isView(items) && !(items instanceof DataView) && (items as Items).length === vector.itemCount) {
    if (items instanceof BigInt64Array || items instanceof BigUint64Array) {
      for (let i = 0; i < items.length; i++) out[at + i] = Number(items[i]);
    } else {
      out.set(items as Exclude<Items, BigInt64Array | BigUint64Array>, at);
    }
    return;
  }
  for (let i = 0; i < vector.itemCount; i++) {
    const value = vector.getItem(i);
    out[at + i] = value === null ? NaN : Number(value);
  }
}

/** A VARCHAR column read from its chunks on access (each vector caches what it decoded). */
function lazyTexts(chunks: readonly DuckDBDataChunk[], column: number, rows: number): TextColumn {
  const starts = new Int32Array(chunks.length + 1);
  chunks.forEach((chunk, i) => {
    starts[i + 1] = starts[i]! + chunk.rowCount;
  });
  const vectors: (DuckDBVector | undefined)[] = new Array(chunks.length);
  return {
    length: rows,
    get(row: number): string | null {
      if (row < 0 || row >= rows) throw new RangeError(`row ${row} of ${rows}`);
      let lo = 0;
      let hi = chunks.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= row) lo = mid;
        else hi = mid - 1;
      }
      let vector = vectors[lo];
      if (vector === undefined) {
        vector = chunks[lo]!.getColumnVector(column);
        vectors[lo] = vector;
      }
      return vector.getItem(row - starts[lo]!) as string | null;
    },
  };
}
