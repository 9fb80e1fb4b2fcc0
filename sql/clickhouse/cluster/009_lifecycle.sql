-- The cluster variant of migrations/009_lifecycle.sql (the lifecycle's announcements and the detector's
-- cursor), applied after 001_events.sql as that file says. One detector writes; the announcements are
-- sharded by cart, the cursor lives on one shard (a constant sharding key).

CREATE TABLE IF NOT EXISTS lifecycle_announcements_local ON CLUSTER '{cluster}' (
  seq            UInt64,
  id             UUID,
  kind           LowCardinality(String),
  cart_id        String,
  episode        UInt32,
  at_ms          Int64,
  customer_id    Nullable(String),
  payload        String,
  detected_at_ms Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_announcements_local', '{replica}')
ORDER BY id;

CREATE TABLE IF NOT EXISTS lifecycle_announcements ON CLUSTER '{cluster}' AS lifecycle_announcements_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_announcements_local, cityHash64(cart_id));

CREATE TABLE IF NOT EXISTS lifecycle_cursor_local ON CLUSTER '{cluster}' (
  id           UInt8,
  watermark_ms Nullable(Int64),
  received_ms  Nullable(Int64),
  saved_at_ms  Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_cursor_local', '{replica}', saved_at_ms)
ORDER BY id;

CREATE TABLE IF NOT EXISTS lifecycle_cursor ON CLUSTER '{cluster}' AS lifecycle_cursor_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_cursor_local, 0);

CREATE TABLE IF NOT EXISTS lifecycle_delivered_local ON CLUSTER '{cluster}' (
  endpoint      String,
  delivered_seq UInt64,
  updated_at_ms Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_delivered_local', '{replica}', delivered_seq)
ORDER BY endpoint;

CREATE TABLE IF NOT EXISTS lifecycle_delivered ON CLUSTER '{cluster}' AS lifecycle_delivered_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_delivered_local, 0);

CREATE TABLE IF NOT EXISTS lifecycle_dead_letters_local ON CLUSTER '{cluster}' (
  endpoint String,
  seq      UInt64,
  id       UUID,
  attempts UInt32,
  reason   String,
  at_ms    Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_dead_letters_local', '{replica}')
ORDER BY (endpoint, seq);

CREATE TABLE IF NOT EXISTS lifecycle_dead_letters ON CLUSTER '{cluster}' AS lifecycle_dead_letters_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_dead_letters_local, 0);

CREATE TABLE IF NOT EXISTS lifecycle_sent_local ON CLUSTER '{cluster}' (
  endpoint    String,
  seq         UInt64,
  customer_id String,
  at_ms       Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_sent_local', '{replica}')
ORDER BY (endpoint, seq);

CREATE TABLE IF NOT EXISTS lifecycle_sent ON CLUSTER '{cluster}' AS lifecycle_sent_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_sent_local, 0);
