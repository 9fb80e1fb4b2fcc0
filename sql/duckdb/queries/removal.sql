-- Cart lines first added in [from, to), as of as_of, per product or category (or, with breakdown 'day', per
-- local day, in $tz, of the first add) and overall (key NULL); item ('' = all) keeps one product or category only.
-- Aggregated in two steps: every line once into its product (and day), then the few product rows into the
-- keys and the overall row. Counts and sums add up; the medians come from each product's list of times to
-- removal, concatenated per key and overall, so they stay exact. Names and categories are the product's
-- (product_names_asof: the catalogue's, else the events'), joined to those product rows instead of to every line.
-- The local day of a line comes from its quarter hour (UTC) of first add, named once per quarter hour in the range
-- (as abandonment.sql: ICU's time zone per line cost 3.5x the query at 10M; a quarter hour never straddles two
-- local days); without breakdown 'day' that table is empty.
WITH days AS (
  SELECT q AS quarter_hour, strftime(timezone($tz, epoch_ms(q * 900000) AT TIME ZONE 'UTC'), '%Y-%m-%d') AS day
  FROM range(CAST($from_ms AS BIGINT) // 900000, (CAST($to_ms AS BIGINT) - 1) // 900000 + 1) t(q)
  WHERE $breakdown = 'day'
),
lines AS (
  SELECT
    l.product_id, l.quantity, l.first_added_at, l.first_removed_at, l.first_removed_ord, l.last_added_ord,
    l.removals, l.units_added, l.units_removed, c.checkout_started_at, c.converted, c.abandoned, c.open, d.day
  FROM line_last_asof($as_of_ms) l
  -- On the integer cart key (migrations/008_cart_keys.sql): the text cart_id cost a third of the join.
  -- The cart's status travels as three booleans, not as its text: a narrower hash table to probe per line.
  JOIN (
    SELECT cart_key, checkout_started_at, status = 'converted' AS converted, status = 'abandoned' AS abandoned, status = 'open' AS open
    FROM cart_state_asof($as_of_ms, $abandon_ms)
    -- Implied by the line's first add (the cart started by then and was active then), and what lets the
    -- carts' zone maps skip the history instead of reading every cart kept.
    WHERE started_at < CAST($to_ms AS BIGINT) AND last_activity_at >= CAST($from_ms AS BIGINT)
  ) c ON c.cart_key = l.cart_key
  LEFT JOIN days d ON d.quarter_hour = l.first_added_at // 900000
  WHERE l.first_added_at >= CAST($from_ms AS BIGINT) AND l.first_added_at < CAST($to_ms AS BIGINT)
),
per_product AS (
  SELECT
    product_id,
    day,
    count(*) AS lines_added,
    count_if(removals > 0) AS lines_removed,
    count_if(removals > 0 AND (checkout_started_at IS NULL OR first_removed_at < checkout_started_at)) AS removed_before_checkout,
    count_if(removals > 0 AND checkout_started_at IS NOT NULL AND first_removed_at >= checkout_started_at) AS removed_after_checkout,
    count_if(removals > 0 AND last_added_ord > first_removed_ord) AS readded,
    count_if(quantity > 0) AS kept,
    count_if(quantity > 0 AND converted) AS kept_purchased,
    count_if(quantity > 0 AND abandoned) AS kept_abandoned,
    count_if(quantity > 0 AND open) AS kept_open,
    sum(units_added) AS units_added,
    sum(units_removed) AS units_removed,
    list(first_removed_at - first_added_at) FILTER (WHERE removals > 0) AS ms_to_removal
  FROM lines
  GROUP BY product_id, day
),
keyed AS (
  SELECT pp.*, p.product_name, p.category,
    CASE $group WHEN 'category' THEN coalesce(p.category, '(none)') ELSE pp.product_id END AS item_key
  FROM per_product pp
  LEFT JOIN product_names_asof($as_of_ms) p ON p.product_id = pp.product_id
)
SELECT
  CASE $breakdown WHEN 'day' THEN day ELSE item_key END AS key,
  CASE WHEN $group = 'product' THEN max(product_name) END AS name,
  CASE WHEN $group = 'product' THEN max(category) END AS category,
  coalesce(sum(lines_added), 0)::BIGINT AS lines_added,
  coalesce(sum(lines_removed), 0)::BIGINT AS lines_removed,
  coalesce(sum(removed_before_checkout), 0)::BIGINT AS removed_before_checkout,
  coalesce(sum(removed_after_checkout), 0)::BIGINT AS removed_after_checkout,
  coalesce(sum(readded), 0)::BIGINT AS readded,
  coalesce(sum(kept), 0)::BIGINT AS kept,
  coalesce(sum(kept_purchased), 0)::BIGINT AS kept_purchased,
  coalesce(sum(kept_abandoned), 0)::BIGINT AS kept_abandoned,
  coalesce(sum(kept_open), 0)::BIGINT AS kept_open,
  coalesce(sum(units_added), 0) AS units_added,
  coalesce(sum(units_removed), 0) AS units_removed,
  -- quantile_cont over every removed line's time of the key (of all keys on the overall row).
  list_aggregate(flatten(list(ms_to_removal)), 'quantile_cont', 0.5) AS median_ms_to_removal
FROM keyed
WHERE $item = '' OR item_key = $item
GROUP BY GROUPING SETS ((key), ())
ORDER BY key NULLS FIRST;
