-- Cart snapshots, as sql/duckdb/migrations/014_cart_snapshots.sql: each cart's whole contents as the shop
-- sent them, one row per (cart, snapshot id) once merged; the events derived from them are in `events`
-- with source 'cart-snapshot'. The writer inserts a snapshot only when its id is not stored yet (first
-- stored wins, as on DuckDB) and reads with FINAL. fsync as `events`: a snapshot is durable when answered.
CREATE TABLE IF NOT EXISTS cart_snapshots (
  cart_id        String,
  snapshot_id    String,
  occurred_at_ms Int64,
  received_at_ms Int64,
  source         LowCardinality(String),
  customer_id    Nullable(String),
  anonymous_id   Nullable(String),
  snapshot       String
)
ENGINE = ReplacingMergeTree
ORDER BY (cart_id, snapshot_id)
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;
