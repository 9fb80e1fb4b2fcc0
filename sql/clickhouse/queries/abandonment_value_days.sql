-- The abandoned value by breakdown key, currency and local day in {tz} of the abandonment:
-- sql/duckdb/queries/abandonment_value_days.sql. The key is abandonment.sql's.
SELECT
  if({breakdown:String} = 'channel', toString(channel),
    if({breakdown:String} = 'campaign', ifNull(campaign, '(none)'),
      if({breakdown:String} = 'day', formatDateTime(fromUnixTimestamp64Milli(assumeNotNull(started_at), 'UTC'), '%Y-%m-%d', {tz:String}),
        'all'))) AS key,
  currency,
  formatDateTime(fromUnixTimestamp64Milli(assumeNotNull(abandoned_at), 'UTC'), '%Y-%m-%d', {tz:String}) AS day,
  -- Summed exactly (Int128: an Int64 sum wraps), saturated at 2^53 - 1 (docs/metrics.md, "Money values").
  toInt64(least(sum(toInt128(value_minor)), 9007199254740991)) AS abandoned_value_minor
FROM cart_state_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64})
WHERE started_at >= {from_ms:Int64} AND started_at < {to_ms:Int64} AND status = 'abandoned'
GROUP BY key, currency, day
ORDER BY key, currency, day;
