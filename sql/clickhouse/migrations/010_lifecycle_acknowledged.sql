-- Every announcement a webhook endpoint acknowledged, as sql/duckdb/migrations/011_lifecycle_acknowledged.sql:
-- written before the endpoint's position moves (a process stopped in between sends it again and writes a
-- second row, later). A plain MergeTree, never collapsed: readers take each id's earliest acknowledgement,
-- so an answer as of an instant stays the same after merges.
CREATE TABLE IF NOT EXISTS lifecycle_acknowledged (
  endpoint           String,
  seq                UInt64,
  id                 UUID,
  kind               LowCardinality(String),
  acknowledged_at_ms Int64
)
ENGINE = MergeTree
ORDER BY (endpoint, seq);
