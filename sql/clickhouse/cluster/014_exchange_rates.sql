-- The cluster variant of migrations/014_exchange_rates.sql (exchange rates by day). Small and read by every
-- answer asked in a reporting currency: one shard (a constant sharding key), so that FINAL sees every
-- version of a rate together, replicated.

CREATE TABLE IF NOT EXISTS exchange_rates_local ON CLUSTER '{cluster}' (
  day        Date32,
  base       LowCardinality(String),
  quote      LowCardinality(String),
  rate       Decimal(38, 18),
  updated_at Int64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/exchange_rates_local', '{replica}', updated_at)
ORDER BY (base, quote, day);

CREATE TABLE IF NOT EXISTS exchange_rates ON CLUSTER '{cluster}' AS exchange_rates_local
ENGINE = Distributed('{cluster}', currentDatabase(), exchange_rates_local, 0);
