import type { ClickHouseClient } from '@clickhouse/client';
import type { Column, Columns, QueryParams, TextColumn } from '../warehouse.ts';

/** ClickHouse types read into a Float64Array (NULL → NaN); 64-bit integers come as JSON strings. */
const NUMERIC = /^(Nullable\()?(U?Int(8|16|32|64)|Float(32|64))\)?$/;
/** ClickHouse types read as text. */
const TEXT = /^(LowCardinality\()?(Nullable\()?String\)?\)?$/;

interface ColumnsAnswer {
  meta: { name: string; type: string }[];
  data: Record<string, unknown[]>;
  rows: number;
}

/**
 * Runs a read query and returns its result column by column, as sql/duckdb/columns.ts does on DuckDB:
 * numeric columns in a Float64Array (NULL and nan → NaN), String columns as text. The answer travels
 * as JSONColumnsWithMetadata (one array per column), so a million rows are parsed once by JSON.parse,
 * not row by row. Other types are refused: a query meant for this casts them.
 */
export async function readColumns(client: ClickHouseClient, sql: string, params: QueryParams): Promise<Columns> {
  const rs = await client.query({ query: sql, query_params: params, format: 'JSONColumnsWithMetadata' });
  const answer = (await rs.json()) as unknown as ColumnsAnswer;
  const rows = Number(answer.rows);
  const columns: Record<string, Column> = {};
  for (const { name, type } of answer.meta) {
    const values = answer.data[name] ?? [];
    if (NUMERIC.test(type)) {
      const out = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const v = values[i];
        out[i] = v === null || v === undefined ? NaN : Number(v);
      }
      columns[name] = out;
    } else if (TEXT.test(type)) {
      columns[name] = textColumn(values as (string | null)[], rows);
    } else {
      throw new TypeError(`column ${name} has type ${type}; cast it to Float64 or String in the query`);
    }
  }
  return { rows, columns };
}

function textColumn(values: readonly (string | null)[], rows: number): TextColumn {
  return {
    length: rows,
    get(row: number): string | null {
      if (row < 0 || row >= rows) throw new RangeError(`row ${row} of ${rows}`);
      return values[row] ?? null;
    },
  };
}
