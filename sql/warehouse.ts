import type { Readable } from 'node:stream';
import type { BareReadName, ColumnsName, ParamsOf, ReadName, RowOf, WriteName } from './catalogue/index.ts';
import type { EventRow, ForgetResult, ReadModelLag, RejectedRow, WarehouseStats, WriteResult } from './rows.ts';

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
  /**
   * When the answer is grouped (ClickHouse: one row per group, every column an array): the rows are the
   * groups' items in turn, group g holding rows [groups[g], groups[g + 1]).
   */
  groups?: Int32Array;
}

/**
 * What the ingest pipeline and the projections need from a store. Adapters (DuckDB, ClickHouse)
 * implement it; nothing above this interface knows which engine answers.
 */
/** Who to forget: the id is a customer_id (default) or an anonymous_id; a dry run only counts. */
export interface ForgetOptions {
  by?: 'customer_id' | 'anonymous_id';
  dryRun?: boolean;
}

/** The two identifiers as the forget queries take them: the one not searched is NULL, which matches nothing. */
export function forgetParams(id: string, opts: ForgetOptions = {}): { customer_id: string | null; anonymous_id: string | null } {
  return opts.by === 'anonymous_id' ? { customer_id: null, anonymous_id: id } : { customer_id: id, anonymous_id: null };
}

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
  /** How far the read models are behind the stored events (a cheap read of the marks, for /metrics too). */
  readModelLag(): Promise<ReadModelLag>;
  /**
   * Runs a named read query of the catalogue (sql/catalogue/) in this engine's dialect
   * (`sql/<dialect>/queries/<name>.sql`): parameters checked against its declaration, rows typed by it
   * (integers as numbers, booleans as booleans, times as epoch milliseconds). Refreshes first the derived
   * models it `reads` that this engine keeps.
   */
  query<N extends BareReadName>(name: N): Promise<RowOf<N>[]>;
  query<N extends ReadName>(name: N, params: ParamsOf<N>): Promise<RowOf<N>[]>;
  /**
   * Runs the data team's own SQL: one read-only statement over the exposed tables and macros, under
   * the limits given. Refusals and limit breaches throw QueryError (sql/errors.ts) with a stable code.
   */
  runReadOnly(sql: string, limits: ReadOnlyLimits): Promise<ReadOnlyResult>;
  /**
   * The stored events with occurred_at in [fromMs, toMs), in (occurred_at, event_id) order, as one
   * consistent snapshot. Counts first and throws QueryError `export_too_large` (nothing streamed) when
   * the range holds more than maxRows events; otherwise the bytes stream as the consumer reads them.
   */
  exportEvents(range: TimeRange, format: ExportFormat, opts: ExportOptions): Promise<EventExport>;
  /**
   * The same for answers that read many rows: the result column by column, numeric columns as
   * Float64Array, text decoded on access. Queries cast every column to DOUBLE or VARCHAR.
   */
  queryColumns<N extends ColumnsName>(name: N, params: ParamsOf<N>): Promise<Columns>;
  /**
   * Right to erasure: deletes every event of the customer, the refused messages whose bytes hold the
   * identifier as a JSON string (`"ID"`), and whatever the store derived from them, for good (not hidden).
   * `by: 'anonymous_id'` matches the events' anonymous_id instead; `dryRun` counts and deletes nothing.
   */
  forgetCustomer(id: string, opts?: ForgetOptions): Promise<ForgetResult>;
  /**
   * Brings the stored cart model up to date with every stored event (DuckDB: cart_replay; ClickHouse:
   * cart_folds). Reads of the cart model through this interface do it themselves; it is for readers that
   * bypass carrello (Grafana on the ClickHouse tables), run now and then by the ingest worker.
   */
  refreshDerived(): Promise<void>;
  /**
   * Drops the read models (and the per-event replay) and rebuilds them from the stored events: what the
   * models kept incrementally as events arrived must equal this, row by row (test/readModels.int.test.ts).
   * Counts what it rebuilt: carts and cart lines (cart × product).
   */
  rebuildReadModels(): Promise<{ carts: number; lines: number }>;
  close(): Promise<void>;
}

/**
 * What carrello's own derived logs (announce/: the lifecycle's announcements and cursor) need to write:
 * named write statements of the engine's dialect, run in order with the same parameters, serialised with
 * batch writes; on DuckDB in one transaction, on ClickHouse one after the other (each atomic alone).
 */
export interface NamedWriter {
  writeNamed(names: readonly WriteName[], params: QueryParams): Promise<void>;
}

/**
 * What the cart snapshots' ingest (ingest/snapshots/ingest.ts) needs besides named reads and writes: taking
 * back events derived from a cart's snapshots that its snapshots no longer give (a late snapshot changed
 * the diff of its span).
 */
export interface DerivedRetractor {
  /**
   * Deletes those of the cart's snapshot-derived events (source 'cart-snapshot') whose ids are given, and
   * folds the cart again from the events that remain. Resolves once durable; returns how many were deleted.
   */
  retractDerived(cartId: string, eventIds: readonly string[]): Promise<number>;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface ReadOnlyLimits {
  /** The query is stopped after this long (parse, run and read together). */
  timeoutMs: number;
  /** At most this many rows come back; more are cut off and the result says truncated. */
  maxRows: number;
  /** Rough size bound of the rows read (strings by length, other values by 8 bytes); beyond it, truncated. */
  maxBytes: number;
  /** Memory one query may use inside the engine where it has a per-query limit (ClickHouse); beyond it, query_out_of_memory. */
  maxMemoryBytes?: number;
}

/** Engine-neutral column types of a result; every representation (JSON, CSV, Arrow) is derived from them. */
export type ColumnType =
  | { kind: 'boolean' | 'int32' | 'int64' | 'float64' | 'string' | 'timestamp' | 'date' | 'binary' | 'json' }
  | { kind: 'list'; item: ColumnType }
  | { kind: 'struct'; fields: { name: string; type: ColumnType }[] };

export interface ResultColumn {
  name: string;
  type: ColumnType;
  /** The engine's own name of the type, e.g. `BIGINT`, `TIMESTAMP WITH TIME ZONE`. */
  engine_type: string;
}

/**
 * Values by column (column-major), normalised per kind: int64 as bigint, timestamp as epoch
 * milliseconds (UTC), date as epoch milliseconds of its UTC midnight, binary as Uint8Array, json as
 * a JSON-safe value, list as an array, struct as an object; null for NULL.
 */
export interface ReadOnlyResult {
  columns: ResultColumn[];
  values: unknown[][];
  rowCount: number;
  /** Why rows were cut off, or false when every row of the answer is here. */
  truncated: false | 'max_rows' | 'max_bytes';
  elapsedMs: number;
}

export type ExportFormat = 'ndjson' | 'arrow' | 'parquet';

export interface ExportOptions {
  maxRows: number;
  /**
   * Aborted when the export must stop before the stream is handed over (e.g. while Parquet is written):
   * the client went away or the export's deadline passed. The engine's work is interrupted at once.
   */
  signal?: AbortSignal;
}

export interface EventExport {
  /** Events in the export, counted in the same snapshot that is streamed. */
  rows: number;
  contentType: string;
  /** Size in bytes, when known before streaming (Parquet, written whole first). */
  bytes?: number;
  /** Read it once; destroying it (client gone) stops the engine's work and frees temporary files. */
  stream: Readable;
}
