import type { ClickHouseClient } from '@clickhouse/client';
import { DataType, makeVector, tableFromIPC, type List, type Table, type Vector } from 'apache-arrow';
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
 * and no JS value per row (JSON parsing of a few million rows cost seconds). apache-arrow reads the
 * batches from the stream as they come (the answer is not gathered into one buffer first, which held it
 * twice). Other types are refused: a query meant for this casts them.
 *
 * An answer whose every column is an Array (one row per group, the arrays of a row of equal length) comes
 * flattened: `rows` counts the items, each column holds every row's items in turn, and `groups` says
 * where each row's items begin (Columns.groups). A grouped answer travels so (no ARRAY JOIN in the
 * engine, no column to say which group a row belongs to).
 */
export async function readColumns(client: ClickHouseClient, sql: string, params: QueryParams): Promise<Columns> {
  const { stream } = await client.exec({
    query: `${sql.trimEnd().replace(/;$/, '')}\nFORMAT ArrowStream`,
    query_params: params,
    clickhouse_settings: ARROW_SETTINGS,
  });
  const table = await tableFromIPC(stream as AsyncIterable<Uint8Array>);
  const fields = table.schema.fields;
  const lists = fields.filter((f) => DataType.isList(f.type)).length;
  if (lists > 0 && lists < fields.length) throw new TypeError('an answer of arrays has arrays only: unroll the others or make them arrays too');
  if (lists > 0) return readLists(table);
  const rows = table.numRows;
  const columns: Record<string, Column> = {};
  for (const field of fields) columns[field.name] = column(field.name, field.type, table.getChild(field.name)!, rows);
  return { rows, columns };
}

function column(name: string, type: DataType, vector: Vector, rows: number): Column {
  if (DataType.isFloat(type) || DataType.isInt(type)) return numbers(vector, rows);
  if (DataType.isUtf8(type) || (DataType.isDictionary(type) && DataType.isUtf8(type.dictionary))) return texts(vector, rows);
  throw new TypeError(`column ${name} has Arrow type ${String(type)}; cast it to Float64 or String in the query`);
}

/** Each row's arrays, flattened: the items of row g are [groups[g], groups[g + 1]) in every column. */
function readLists(table: Table): Columns {
  const fields = table.schema.fields;
  const groups = new Int32Array(table.numRows + 1);
  const first = table.getChild(fields[0]!.name)!.data;
  let at = 0;
  let row = 0;
  for (const data of first) {
    // apache-arrow slices a Data's value offsets with it: row i's items are [offsets[i], offsets[i + 1]).
    const offsets = data.valueOffsets as Int32Array;
    for (let i = 0; i < data.length; i++) groups[row + i] = at + offsets[i]! - offsets[0]!;
    if (data.length > 0) at += offsets[data.length]! - offsets[0]!;
    row += data.length;
  }
  groups[row] = at;
  const columns: Record<string, Column> = {};
  for (const field of fields) {
    const items = table
      .getChild(field.name)!
      .data.map((data, k) => {
        const offsets = data.valueOffsets as Int32Array;
        const mine = first[k]!.valueOffsets as Int32Array;
        // INVARIANT: every array of a row has the row's length (the query builds them from one array), so
        // the batches of every column hold the same rows and items.
        if (data.length !== first[k]!.length || (data.length > 0 && offsets[data.length]! - offsets[0]! !== mine[data.length]! - mine[0]!)) {
          throw new TypeError(`column ${field.name}: the arrays of a row differ in length from those of ${fields[0]!.name}`);
        }
        return data.length === 0 ? null : makeVector(data.children[0]!).slice(offsets[0]!, offsets[data.length]!);
      })
      .filter((v) => v !== null);
    const type = (field.type as List).valueType;
    columns[field.name] =
      items.length === 0 ? column(field.name, type, makeVector(new Float64Array(0)), 0) : column(field.name, type, items[0]!.concat(...items.slice(1)), at);
  }
  return { rows: at, columns, groups };
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
