-- The newest occurred_at and received_at stored (sql/duckdb/queries/lifecycle_watermark.sql). NULL on an
-- empty store.
SELECT
  if(count() = 0, NULL, toUnixTimestamp64Milli(max(occurred_at))) AS latest_occurred_ms,
  if(count() = 0, NULL, toUnixTimestamp64Milli(max(received_at))) AS latest_received_ms
FROM events
