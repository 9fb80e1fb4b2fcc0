import type { ClickHouseClient } from '@clickhouse/client';
import { DataType, tableFromIPC, type Vector } from 'apache-arrow';
import type { Column, Columns, QueryParams, TextColumn } from '../warehouse.ts';

/**
 * How the answer is laid out: strings as Arrow Utf8 (not Binary), LowCardinality as a dictionary (each
 * value travels once), uncompressed batches (apache-arrow reads no compressed ones).
 */
const ARROW_SETTINGS = {
  output_format_arrow_string_as_string: 1,
  output_format_arrow_low_cardinality_as_dictionary: 1,
  output_format_arrow_compression_method: 'none',
} as const;

/**
 * Runs a read query and returns its result column by column, as sql/duckdb/columns.ts does on DuckDB:
 * numeric columns in a Float64Array (NULL → NaN), String columns as text decoded on access. The answer
 * travels as ArrowStream: numeric columns arrive as the engine's own typed arrays, with no text to parse
 * and no JS value per row (JSON parsing of a few million rows cost seconds). Other types are refused: a
 * query meant for this casts them.
 */
export async function readColumns(client: ClickHouseClient, sql: string, params: QueryParams): Promise<Columns> {
  const { stream } = await client.exec({
    query: `${sql.trimEnd().replace(/;$/, '')}\nFORMAT ArrowStream`,
    query_params: params,
    clickhouse_settings: ARROW_SETTINGS,
  });
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of stream) {
    parts.push(part as Buffer);
    size += (part as Buffer).length;
  }
  // A buffer of its own (Buffer.concat may hand out a slice of Node's pool at any offset): typed arrays
  // over Arrow's 8-byte aligned columns need an aligned start.
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  const table = tableFromIPC(bytes);
  const rows = table.numRows;
  const columns: Record<string, Column> = {};
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    if (DataType.isFloat(field.type) || DataType.isInt(field.type)) {
      columns[field.name] = numbers(vector, rows);
    } else if (DataType.isUtf8(field.type) || (DataType.isDictionary(field.type) && DataType.isUtf8(field.type.dictionary))) {
      columns[field.name] = texts(vector, rows);
    } else {
      throw new TypeError(`column ${field.name} has Arrow type ${String(field.type)}; cast it to Float64 or String in the query`);
    }
  }
  return { rows, columns };
}

function numbers(vector: Vector, rows: number): Float64Array {
  const values = vector.toArray() as ArrayLike<number | bigint>;
  const out = values instanceof Float64Array ? values : Float64Array.from(values as ArrayLike<number>, Number);
  if (vector.nullCount > 0) for (let i = 0; i < rows; i++) if (!vector.isValid(i)) out[i] = NaN;
  return out;
}

function texts(vector: Vector, rows: number): TextColumn {
  return {
    length: rows,
    get(row: number): string | null {
      if (row < 0 || row >= rows) throw new RangeError(`row ${row} of ${rows}`);
      return (vector.get(row) as string | null) ?? null;
    },
  };
}
