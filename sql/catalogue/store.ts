import { col, param, read, write } from './define.ts';

/**
 * The store's own named queries: its counts and lag, the cart snapshots, the product catalogue, the raw
 * export and the right to erasure. Most are run by the adapters themselves (stats(), exportEvents(),
 * forgetCustomer(), …), not through Warehouse.query; they are declared so that both dialects agree.
 */

const who = { customer_id: param.textOrNull(), anonymous_id: param.textOrNull() };
const range = { from_ms: param.int(), to_ms: param.int() };

export const storeQueries = {
  stats: read({
    params: {},
    row: {
      events_stored: col.int(),
      events_rejected: col.int(),
      carts: col.int(),
      first_event_ms: col.intOrNull(),
      last_event_ms: col.intOrNull(),
      last_received_ms: col.intOrNull(),
    },
    reads: [],
  }),
  rejected_by_reason: read({ params: {}, row: { reason: col.text(), n: col.int() }, reads: [] }),
  // Read as the marks stand: the lag must not fold first.
  read_model_lag: read({ params: {}, row: { pending_carts: col.int(), oldest_pending_ms: col.intOrNull(), now_ms: col.int() }, reads: [] }),
  // Run by rebuildReadModels() right after it rebuilt them.
  read_model_counts: read({ params: {}, row: { carts: col.int(), lines: col.int() }, reads: [] }),
  export_events_count: read({ params: range, row: { n: col.int() }, reads: [] }),
  // Streamed by the export in the engine's own formats (sql/<dialect>/export.ts). ClickHouse bounds the
  // rows by the count it took (limit); DuckDB cuts NDJSON into blocks of block_ms.
  export_events: read({ answer: 'stream', params: { ...range, limit: param.int().optional() }, row: {}, reads: [] }),
  export_events_ndjson: read({ answer: 'stream', params: { ...range, limit: param.int().optional(), block_ms: param.int().optional() }, row: {}, reads: [] }),

  cart_snapshots_of: read({ params: { cart_id: param.text() }, row: { snapshot_id: col.text(), snapshot: col.text() }, reads: [] }),
  snapshot_derived_ids: read({ params: { cart_id: param.text() }, row: { event_id: col.text() }, reads: [] }),
  cart_snapshot_insert: write({ params: { rows: param.text() } }),
  products_upsert: write({ params: { products: param.text() } }),
  // Exchange rates by day (migrations 015 DuckDB, 014 ClickHouse): the rates of pairs with the reporting currency
  // in [from_day, to_day], exact decimals as text.
  exchange_rates: read({
    params: { currency: param.text(), from_day: param.text(), to_day: param.text() },
    row: { day: col.text(), base: col.text(), quote: col.text(), rate: col.text() },
    reads: [],
  }),
  exchange_rates_upsert: write({ params: { rates: param.text() } }),

  // The right to erasure and the retraction of snapshot-derived events, run by the adapter in its own
  // order (DuckDB in one transaction over a temporary forget_carts table; ClickHouse as mutations).
  // forget_carts is a read on ClickHouse (the carts to fold again) and writes that table on DuckDB.
  forget_carts: write({ params: who }),
  forget_events: write({ params: who }),
  forget_snapshots: write({ params: who }),
  // DuckDB matches the refused bytes by hex (needle_hex), ClickHouse by the JSON string itself (needle).
  forget_rejected: write({ params: { needle: param.text().optional(), needle_hex: param.text().optional() } }),
  // The carts' announcements and delivery state: DuckDB's reads forget_carts, ClickHouse's takes the
  // chunk of carts as Array(String) from the adapter.
  forget_lifecycle: write({ params: {} }),
  // ClickHouse takes event_ids as Array(String) from the adapter, DuckDB as a JSON list.
  retract_events: write({ params: { cart_id: param.text() } }),
};

/**
 * Statements one engine's adapter runs for itself, with no twin in the other dialect: how it keeps its
 * derived models, stages batches, checks the data team's SQL. Never run through query() or writeNamed().
 */
export const engineStatements = {
  duckdb: [
    'export_events_parquet',
    'forget_mark_dirty',
    'forget_replay',
    'mark_dirty',
    'move_staged_events',
    'move_staged_rejected',
    'product_model_apply',
    'rebuild_read_models',
    'refresh_replay',
    'replay_pending',
    'retract_carts',
    'sandbox_builtins',
    'sandbox_parse',
    'sandbox_store_relations',
    'sandbox_unparse',
    'stage_tables',
  ],
  clickhouse: [
    'advance_watermark',
    'fold_pending',
    'folds_after',
    'forget_counts',
    'forget_folds',
    'forget_lines',
    'forget_old_marks',
    'forget_orders',
    'forget_spans',
    'known_event_ids',
    'rebuild_folds',
    'rebuild_lines',
    'rebuild_orders',
    'rebuild_spans',
    'refill_spans',
    'refold_carts',
    'refold_lines',
    'refold_orders',
    'repair_folds',
    'repair_folds_carts',
    'repair_lines_carts',
    'repair_orders',
    'retract_count',
  ],
} as const;
