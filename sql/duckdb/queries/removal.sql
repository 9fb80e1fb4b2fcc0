-- Cart lines first added in [from, to), as of as_of, per product or category (or, with breakdown 'day', per
-- UTC day of the first add) and overall (key NULL); item ('' = all) keeps one product or category only.
WITH lines AS (
  SELECT l.*, c.status, c.checkout_started_at,
    CASE $group WHEN 'category' THEN coalesce(l.category, '(none)') ELSE l.product_id END AS item_key
  FROM cart_lines_asof($as_of_ms) l
  -- On the integer cart key (migrations/008_cart_keys.sql): the text cart_id cost a third of the join.
  JOIN cart_state_asof($as_of_ms, $abandon_ms) c ON c.cart_key = l.cart_key
  WHERE l.first_added_at >= CAST($from_ms AS BIGINT) AND l.first_added_at < CAST($to_ms AS BIGINT)
    -- Implied by the line's first add (the cart started by then and was active then), and what lets the
    -- carts' zone maps skip the history instead of reading every cart kept.
    AND c.started_at < CAST($to_ms AS BIGINT) AND c.last_activity_at >= CAST($from_ms AS BIGINT)
),
keyed AS (
  SELECT *, CASE $breakdown WHEN 'day' THEN strftime(epoch_ms(first_added_at), '%Y-%m-%d') ELSE item_key END AS key
  FROM lines
  WHERE $item = '' OR item_key = $item
)
SELECT
  key,
  CASE WHEN $group = 'product' THEN max(product_name) END AS name,
  CASE WHEN $group = 'product' THEN max(category) END AS category,
  count(*) AS lines_added,
  count(*) FILTER (WHERE removals > 0) AS lines_removed,
  count(*) FILTER (WHERE removals > 0 AND (checkout_started_at IS NULL OR first_removed_at < checkout_started_at)) AS removed_before_checkout,
  count(*) FILTER (WHERE removals > 0 AND checkout_started_at IS NOT NULL AND first_removed_at >= checkout_started_at) AS removed_after_checkout,
  count(*) FILTER (WHERE removals > 0 AND last_added_ord > first_removed_ord) AS readded,
  count(*) FILTER (WHERE quantity > 0) AS kept,
  count(*) FILTER (WHERE quantity > 0 AND status = 'converted') AS kept_purchased,
  count(*) FILTER (WHERE quantity > 0 AND status = 'abandoned') AS kept_abandoned,
  count(*) FILTER (WHERE quantity > 0 AND status = 'open') AS kept_open,
  coalesce(sum(units_added), 0) AS units_added,
  coalesce(sum(units_removed), 0) AS units_removed,
  quantile_cont(first_removed_at - first_added_at, 0.5) FILTER (WHERE removals > 0) AS median_ms_to_removal
FROM keyed
GROUP BY GROUPING SETS ((key), ())
ORDER BY key NULLS FIRST;
