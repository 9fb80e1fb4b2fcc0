-- The cluster variant of migrations/010_lifecycle_acknowledged.sql (the announcements each webhook endpoint
-- acknowledged), applied after 009_lifecycle.sql. Small, written by one delivery per endpoint: one shard
-- (a constant sharding key), as lifecycle_sent.

CREATE TABLE IF NOT EXISTS lifecycle_acknowledged_local ON CLUSTER '{cluster}' (
  endpoint           String,
  seq                UInt64,
  id                 UUID,
  kind               LowCardinality(String),
  acknowledged_at_ms Int64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/lifecycle_acknowledged_local', '{replica}')
ORDER BY (endpoint, seq);

CREATE TABLE IF NOT EXISTS lifecycle_acknowledged ON CLUSTER '{cluster}' AS lifecycle_acknowledged_local
ENGINE = Distributed('{cluster}', currentDatabase(), lifecycle_acknowledged_local, 0);
