import type { EventRow, RejectedRow, WarehouseStats, WriteResult } from './rows.ts';

export type QueryParam = string | number | boolean | null;
export type QueryParams = Record<string, QueryParam>;
export type Row = Record<string, unknown>;

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
  close(): Promise<void>;
}
