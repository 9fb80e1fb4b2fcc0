-- Exchange rates by day, as sql/duckdb/migrations/015_exchange_rates.sql: one row per (base, quote, day) once
-- merged, the latest write winning (the last inserted on a tie; updated_at is the write's epoch milliseconds),
-- and every read goes through FINAL.
CREATE TABLE IF NOT EXISTS exchange_rates (
  day        Date32,
  base       LowCardinality(String),
  quote      LowCardinality(String),
  rate       Decimal(38, 18),
  updated_at Int64
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (base, quote, day);
