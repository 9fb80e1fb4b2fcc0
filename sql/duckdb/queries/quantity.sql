-- Cart lines first added in [from, to), as of as_of, by net quantity change (final vs first added),
-- per product or category and overall (key NULL).
-- Aggregated in two steps, as removal.sql: every line once into its product and direction, then the few
-- product rows into the keys and the overall rows (counts and sums add up), with the product's name and
-- category (product_names_asof: the catalogue's, else the events') joined to those rows instead of to every line.
WITH lines AS (
  SELECT
    l.product_id, l.quantity, l.first_added_quantity, c.converted,
    CASE
      WHEN l.quantity = 0 THEN 'removed'
      WHEN l.quantity > l.first_added_quantity THEN 'increased'
      WHEN l.quantity < l.first_added_quantity THEN 'decreased'
      ELSE 'unchanged'
    END AS direction
  FROM line_last_asof($as_of_ms) l
  -- On the integer cart key (migrations/008_cart_keys.sql): the text cart_id cost a third of the join.
  -- The cart's status travels as the one boolean read, not as its text.
  JOIN (
    SELECT cart_key, status = 'converted' AS converted
    FROM cart_state_asof($as_of_ms, $abandon_ms)
    -- Implied by the line's first add (the cart started by then and was active then), and what lets the
    -- carts' zone maps skip the history instead of reading every cart kept.
    WHERE started_at < CAST($to_ms AS BIGINT) AND last_activity_at >= CAST($from_ms AS BIGINT)
  ) c ON c.cart_key = l.cart_key
  WHERE l.first_added_at >= CAST($from_ms AS BIGINT) AND l.first_added_at < CAST($to_ms AS BIGINT)
),
per_product AS (
  SELECT
    product_id,
    direction,
    count(*) AS lines,
    sum(quantity - first_added_quantity) AS units_delta,
    count_if(quantity > 0 AND converted) AS purchased
  FROM lines
  GROUP BY product_id, direction
)
SELECT
  CASE $group WHEN 'category' THEN coalesce(p.category, '(none)') ELSE pp.product_id END AS key,
  direction,
  CASE WHEN $group = 'product' THEN max(p.product_name) END AS name,
  sum(lines)::BIGINT AS lines,
  sum(units_delta) AS units_delta,
  sum(purchased)::BIGINT AS purchased
FROM per_product pp
LEFT JOIN product_names_asof($as_of_ms) p ON p.product_id = pp.product_id
GROUP BY GROUPING SETS ((key, direction), (direction))
ORDER BY key NULLS FIRST, direction;
