-- Replays of webhook dead letters (announce/replay.ts), as sql/duckdb/migrations/011_lifecycle_replays.sql:
-- an operator's request that an endpoint's delivery send one of its dead letters again, deleted when the
-- delivery takes it. A ReplacingMergeTree on (endpoint, seq): a request written twice collapses.
CREATE TABLE IF NOT EXISTS lifecycle_replays (
  endpoint        String,
  seq             UInt64,
  requested_at_ms Int64
)
ENGINE = ReplacingMergeTree
ORDER BY (endpoint, seq);
