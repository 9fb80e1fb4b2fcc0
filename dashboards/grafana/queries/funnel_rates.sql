-- Each step over the one before, ordered and abandoned over started; NULL when nothing started.
SELECT
  if(started = 0, NULL, checkout_started / started) AS checkout_rate,
  if(checkout_started = 0, NULL, ordered / checkout_started) AS order_rate,
  if(started = 0, NULL, ordered / started) AS conversion_rate,
  if(started = 0, NULL, abandoned / started) AS abandonment_rate
FROM (
  SELECT
    count() AS started,
    countIf(checkout_started_at IS NOT NULL OR ordered_at IS NOT NULL) AS checkout_started,
    countIf(ordered_at IS NOT NULL) AS ordered,
    countIf(status = 'abandoned') AS abandoned
  FROM cart_state_asof(as_of_ms = toUnixTimestamp64Milli(if(${as_of:sqlstring} = 'now', now64(3), parseDateTime64BestEffort(${as_of:sqlstring}, 3, 'UTC'))), abandon_ms = ${abandon_after})
  WHERE started_at >= toUnixTimestamp64Milli($__fromTime_ms) AND started_at < toUnixTimestamp64Milli($__toTime_ms)
  AND channel IN (${channel:singlequote}) AND currency IN (${currency:singlequote})
)
