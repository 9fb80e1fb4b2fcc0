-- Cart lines first added in the time range, per product, as of as_of: lines added, lines removed at
-- least once, removal rate; ranked by removal rate, then lines added.
SELECT
  product_id,
  max(product_name) AS name,
  max(category) AS category,
  count() AS lines_added,
  countIf(removals > 0) AS lines_removed,
  lines_removed / lines_added AS removal_rate,
  countIf(removals > 0 AND (checkout_started_at IS NULL OR first_removed_at < checkout_started_at)) AS removed_before_checkout,
  countIf(removals > 0 AND checkout_started_at IS NOT NULL AND first_removed_at >= checkout_started_at) AS removed_after_checkout
FROM (
  SELECT checkout_started_at, product_id, product_name, category, first_added_at, first_removed_at, removals
  FROM cart_state_asof(as_of_ms = toUnixTimestamp64Milli(if(${as_of:sqlstring} = 'now', now64(3), parseDateTime64BestEffort(${as_of:sqlstring}, 3, 'UTC'))), abandon_ms = ${abandon_after})
  ARRAY JOIN
    line_product_id AS product_id, line_product_name AS product_name, line_category AS category,
    line_first_added_at AS first_added_at, line_first_removed_at AS first_removed_at, line_removals AS removals
  WHERE first_added_at >= toUnixTimestamp64Milli($__fromTime_ms) AND first_added_at < toUnixTimestamp64Milli($__toTime_ms)
    AND channel IN (${channel:singlequote}) AND currency IN (${currency:singlequote})
)
GROUP BY product_id
ORDER BY removal_rate DESC, lines_added DESC, product_id
