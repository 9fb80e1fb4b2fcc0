-- Upserts exchange rates (ingest/exchangeRates.ts): each replaces the stored rate of its pair and day, unless
-- that one was written later (a late retry of an older write changes nothing). The rate comes as decimal
-- text and is cast exactly.
--   $rates JSON [{day, base, quote, rate, updated_at}], one per (base, quote, day)
INSERT INTO exchange_rates
SELECT CAST(day AS DATE), base, quote, CAST(rate AS DECIMAL(38, 18)), updated_at
FROM (
  SELECT unnest(from_json($rates, '[{"day":"VARCHAR","base":"VARCHAR","quote":"VARCHAR","rate":"VARCHAR","updated_at":"BIGINT"}]'), recursive := true)
)
ON CONFLICT (base, quote, day) DO UPDATE SET rate = excluded.rate, updated_at = excluded.updated_at
WHERE excluded.updated_at >= exchange_rates.updated_at;
