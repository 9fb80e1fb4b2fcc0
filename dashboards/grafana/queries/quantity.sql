-- Cart lines first added in the time range by net quantity change (final against first added), as of
-- as_of, and how many of each group were bought.
SELECT
  direction,
  count() AS lines,
  sum(quantity - first_added_quantity) AS units_delta,
  countIf(quantity > 0 AND status = 'converted') AS purchased,
  purchased / lines AS purchase_rate
FROM (
  SELECT
    status, quantity, first_added_quantity,
    multiIf(
      quantity = 0, 'removed',
      quantity > first_added_quantity, 'increased',
      quantity < first_added_quantity, 'decreased',
      'unchanged') AS direction
  FROM cart_state_asof(as_of_ms = toUnixTimestamp64Milli(if(${as_of:sqlstring} = 'now', now64(3), parseDateTime64BestEffort(${as_of:sqlstring}, 3, 'UTC'))), abandon_ms = ${abandon_after})
  ARRAY JOIN line_quantity AS quantity, line_first_added_quantity AS first_added_quantity, line_first_added_at AS first_added_at
  WHERE first_added_at >= toUnixTimestamp64Milli($__fromTime_ms) AND first_added_at < toUnixTimestamp64Milli($__toTime_ms)
    AND channel IN (${channel:singlequote}) AND currency IN (${currency:singlequote})
)
GROUP BY direction
ORDER BY indexOf(['increased', 'decreased', 'unchanged', 'removed'], direction)
