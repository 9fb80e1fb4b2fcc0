-- Upserts exchange rates, as sql/duckdb/queries/exchange_rates_upsert.sql: the ReplacingMergeTree keeps each
-- (base, quote, day)'s row of the latest updated_at (the last inserted on a tie), and reads go through FINAL.
-- The rate comes as decimal text and is parsed exactly.
INSERT INTO exchange_rates
SELECT toDate32(r.day), r.base, r.quote, toDecimal128(r.rate, 18), r.updated_at
FROM (
  SELECT arrayJoin(JSONExtract({rates:String}, 'Array(Tuple(day String, base String, quote String, rate String, updated_at Int64))')) AS r
)
