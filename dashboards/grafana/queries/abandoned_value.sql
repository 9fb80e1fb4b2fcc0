-- Value of the carts abandoned as of as_of, in minor units of each currency (never added across
-- currencies), by the UTC day the cart started; days without an abandoned cart are left out.
SELECT
  toDateTime(intDiv(started_at, 86400000) * 86400, 'UTC') AS time,
  currency,
  sumIf(value_minor, status = 'abandoned') AS abandoned_value_minor
FROM cart_state_asof(as_of_ms = toUnixTimestamp64Milli(if(${as_of:sqlstring} = 'now', now64(3), parseDateTime64BestEffort(${as_of:sqlstring}, 3, 'UTC'))), abandon_ms = ${abandon_after})
WHERE started_at >= toUnixTimestamp64Milli($__fromTime_ms) AND started_at < toUnixTimestamp64Milli($__toTime_ms)
  AND channel IN (${channel:singlequote}) AND currency IN (${currency:singlequote})
GROUP BY time, currency
HAVING countIf(status = 'abandoned') > 0
ORDER BY time, currency
