-- What became of the carts started in the time range, as of as_of.
SELECT
  countIf(status = 'abandoned') AS abandoned,
  countIf(stage = 'cart') AS abandoned_at_cart,
  countIf(stage = 'checkout') AS abandoned_at_checkout,
  countIf(recovered) AS recovered_carts,
  countIf(status = 'open') AS open,
  countIf(status = 'emptied') AS emptied
FROM cart_state_asof(as_of_ms = toUnixTimestamp64Milli(if(${as_of:sqlstring} = 'now', now64(3), parseDateTime64BestEffort(${as_of:sqlstring}, 3, 'UTC'))), abandon_ms = ${abandon_after})
WHERE started_at >= toUnixTimestamp64Milli($__fromTime_ms) AND started_at < toUnixTimestamp64Milli($__toTime_ms)
  AND channel IN (${channel:singlequote}) AND currency IN (${currency:singlequote})
