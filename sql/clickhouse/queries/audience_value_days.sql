-- The audience's value per currency and local day in {tz} of the abandonment:
-- sql/duckdb/queries/audience_value_days.sql. The filters and the settings are audience.sql's (which says why).
SELECT
  currency,
  formatDateTime(fromUnixTimestamp64Milli(assumeNotNull(abandoned_at), 'UTC'), '%Y-%m-%d', {tz:String}) AS day,
  -- Summed exactly (Int128: an Int64 sum wraps), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
  toInt64(least(sum(toInt128(value_minor)), 9007199254740991)) AS day_value_minor
FROM audience_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}, lookback_ms = {lookback_ms:Int64})
WHERE ({stage:String} = 'any' OR stage = {stage:String})
  AND value_minor >= {min_value_minor:Int64}
  AND ({consent:String} = 'any' OR ifNull(consent_marketing, false))
  AND (abandoned_at > {after_at:Int64} OR (abandoned_at = {after_at:Int64} AND cart_id > {after_cart:Nullable(String)}))
GROUP BY currency, day
ORDER BY currency, day
SETTINGS join_use_nulls = 1, query_plan_join_swap_table = 0;
