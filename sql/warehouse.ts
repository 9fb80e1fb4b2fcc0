import type { EventRow, RejectedRow, WarehouseStats, WriteResult } from './rows.ts';

export type QueryParam = string | number | boolean | null;
export type QueryParams = Record<string, QueryParam>;
export type Row = Record<string, unknown>;
/** A text column, decoded on access: answers that read a million rows often look at few of their texts. */
export interface TextColumn {
  readonly length: number;
  get(row: number): string | null;
}
/** A column of a columnar answer: numbers (NULL as NaN; integers exact up to 2^53) or text. */
export type Column = Float64Array | TextColumn;
export interface Columns {
  rows: number;
  columns: Record<string, Column>;
}

/**
 * What the ingest pipeline and the projections need from a store. Adapters (DuckDB, ClickHouse)
 * implement it; nothing above this interface knows which engine answers.
 */
export interface Warehouse {
  readonly engine: 'duckdb' | 'clickhouse';
  /** Applies pending migrations; safe to call on every start. */
  migrate(): Promise<string[]>;
  /**
   * Stores a batch: events deduplicated by event_id, rejected messages as they came.
   * INVARIANT: when the promise resolves, the whole batch is durable; callers acknowledge only then.
   */
  writeBatch(events: readonly EventRow[], rejected: readonly RejectedRow[]): Promise<WriteResult>;
  stats(): Promise<WarehouseStats>;
  /**
   * Runs a named read query of this engine's dialect (`sql/<dialect>/queries/<name>.sql`) with named
   * parameters. Rows come back JSON-safe: 64-bit integers as strings or numbers; callers convert.
   */
  query(name: string, params?: QueryParams): Promise<Row[]>;
  /**
   * The same for answers that read many rows: the result column by column, numeric columns as
   * Float64Array, text decoded on access. Queries cast every column to DOUBLE or VARCHAR.
   */
  queryColumns(name: string, params?: QueryParams): Promise<Columns>;
  close(): Promise<void>;
}
