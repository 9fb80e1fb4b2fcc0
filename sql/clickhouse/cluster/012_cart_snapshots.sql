-- The cluster variant of migrations/013_cart_snapshots.sql: on the shard of the cart's events (the same
-- sharding key), so that a cart's snapshots and the events derived from them live together.

CREATE TABLE IF NOT EXISTS cart_snapshots_local ON CLUSTER '{cluster}' (
  cart_id        String,
  snapshot_id    String,
  occurred_at_ms Int64,
  received_at_ms Int64,
  source         LowCardinality(String),
  customer_id    Nullable(String),
  anonymous_id   Nullable(String),
  snapshot       String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/cart_snapshots_local', '{replica}')
ORDER BY (cart_id, snapshot_id)
SETTINGS fsync_after_insert = 1, fsync_part_directory = 1;

CREATE TABLE IF NOT EXISTS cart_snapshots ON CLUSTER '{cluster}' AS cart_snapshots_local
ENGINE = Distributed('{cluster}', currentDatabase(), cart_snapshots_local, cityHash64(cart_id));
