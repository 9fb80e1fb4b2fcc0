-- Cart lines first added in [from, to), as of as_of, by net quantity change (final vs first added),
-- per product or category and overall (key NULL).
WITH lines AS (
  SELECT l.*, c.status,
    CASE
      WHEN l.quantity = 0 THEN 'removed'
      WHEN l.quantity > l.first_added_quantity THEN 'increased'
      WHEN l.quantity < l.first_added_quantity THEN 'decreased'
      ELSE 'unchanged'
    END AS direction,
    CASE $group WHEN 'category' THEN coalesce(l.category, '(none)') ELSE l.product_id END AS key
  FROM cart_lines_asof($as_of_ms) l
  -- On the integer cart key (migrations/008_cart_keys.sql): the text cart_id cost a third of the join.
  JOIN cart_state_asof($as_of_ms, $abandon_ms) c ON c.cart_key = l.cart_key
  WHERE l.first_added_at >= CAST($from_ms AS BIGINT) AND l.first_added_at < CAST($to_ms AS BIGINT)
    -- Implied by the line's first add (the cart started by then and was active then), and what lets the
    -- carts' zone maps skip the history instead of reading every cart kept.
    AND c.started_at < CAST($to_ms AS BIGINT) AND c.last_activity_at >= CAST($from_ms AS BIGINT)
)
SELECT
  key,
  direction,
  CASE WHEN $group = 'product' THEN max(product_name) END AS name,
  count(*) AS lines,
  sum(quantity - first_added_quantity) AS units_delta,
  count(*) FILTER (WHERE quantity > 0 AND status = 'converted') AS purchased
FROM lines
GROUP BY GROUPING SETS ((key, direction), (direction))
ORDER BY key NULLS FIRST, direction;
