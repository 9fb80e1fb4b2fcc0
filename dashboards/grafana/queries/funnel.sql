-- Carts started in the time range (by their first add), as they stood at as_of.
SELECT
  count() AS started,
  countIf(checkout_started_at IS NOT NULL OR ordered_at IS NOT NULL) AS checkout_started,
  countIf(ordered_at IS NOT NULL) AS ordered
FROM cart_state_asof(as_of_ms = toUnixTimestamp64Milli(if(${as_of:sqlstring} = 'now', now64(3), parseDateTime64BestEffort(${as_of:sqlstring}, 3, 'UTC'))), abandon_ms = ${abandon_after})
WHERE started_at >= toUnixTimestamp64Milli($__fromTime_ms) AND started_at < toUnixTimestamp64Milli($__toTime_ms)
  AND channel IN (${channel:singlequote}) AND currency IN (${currency:singlequote})
