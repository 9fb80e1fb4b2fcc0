-- The cluster variant of migrations/010_lifecycle_replays.sql, applied after 009_lifecycle.sql. On one shard
-- (a constant sharding key), as the dead letters it points at.

CREATE TABLE IF NOT EXISTS lifecycle_replays_local ON CLUSTER '{cluster}' (
  endpoint        String,
  seq             UInt64,
  requested_at_ms Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_replays_local', '{replica}')
ORDER BY (endpoint, seq);

CREATE TABLE IF NOT EXISTS lifecycle_replays ON CLUSTER '{cluster}' AS lifecycle_replays_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_replays_local, 0);
