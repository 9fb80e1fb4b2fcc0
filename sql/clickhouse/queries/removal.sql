-- Cart lines first added in [from, to), as of as_of, per product or category (or, with breakdown 'day', per
-- local day, in {tz}, of the first add) and overall (key NULL); item ('' = all) keeps one product or category only.
-- Lines come from the kept line model (cart_line_state_asof: one row per line, laid out by first add).
-- Names and categories are the product's (product_names_asof, views/015: the catalogue's, else the events'),
-- joined to each line (a small table: one row per product), since the category groups the lines.
-- Name and category are maxima of an if() on the parameter, which the planner folds: by category they are
-- NULL and product_name is not read (if(…, max(product_name), NULL) read and compared every line's name).
SELECT
  key,
  max(if({group:String} = 'product', product_name, NULL)) AS name,
  max(if({group:String} = 'product', category, NULL)) AS category,
  count() AS lines_added,
  countIf(removals > 0) AS lines_removed,
  countIf(removals > 0 AND (checkout_started_at IS NULL OR first_removed_at < checkout_started_at)) AS removed_before_checkout,
  countIf(removals > 0 AND checkout_started_at IS NOT NULL AND first_removed_at >= checkout_started_at) AS removed_after_checkout,
  countIf(removals > 0 AND last_added_ord > first_removed_ord) AS readded,
  countIf(quantity > 0) AS kept,
  countIf(quantity > 0 AND status = 'converted') AS kept_purchased,
  countIf(quantity > 0 AND status = 'abandoned') AS kept_abandoned,
  countIf(quantity > 0 AND status = 'open') AS kept_open,
  sum(units_added) AS units_added,
  sum(units_removed) AS units_removed,
  -- Interpolated between the two middle values, as DuckDB's quantile_cont; NULL without removals.
  quantileExactInclusiveIfOrNull(0.5)(first_removed_at - first_added_at, removals > 0) AS median_ms_to_removal
FROM (
  SELECT
    l.status AS status, l.checkout_started_at AS checkout_started_at, l.product_id AS product_id, l.quantity AS quantity,
    p.product_name AS product_name, p.category AS category, l.first_added_at AS first_added_at,
    l.first_removed_at AS first_removed_at, l.first_removed_ord AS first_removed_ord, l.last_added_ord AS last_added_ord,
    l.removals AS removals, l.units_added AS units_added, l.units_removed AS units_removed,
    if({group:String} = 'category', ifNull(p.category, '(none)'), l.product_id) AS item_key,
    if({breakdown:String} = 'day', formatDateTime(fromUnixTimestamp64Milli(assumeNotNull(l.first_added_at), 'UTC'), '%Y-%m-%d', {tz:String}), item_key) AS key
  FROM cart_line_state_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}) AS l
  LEFT JOIN product_names_asof(as_of_ms = {as_of_ms:Int64}) AS p ON p.product_id = l.product_id
  WHERE l.first_added_at >= {from_ms:Int64} AND l.first_added_at < {to_ms:Int64}
    AND ({item:String} = '' OR item_key = {item:String})
)
GROUP BY GROUPING SETS ((key), ())
ORDER BY key NULLS FIRST
SETTINGS group_by_use_nulls = 1;
