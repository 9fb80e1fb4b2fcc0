-- Cart lines first added in [from, to), as of as_of, by net quantity change (final vs first added),
-- per product or category and overall (key NULL), from the kept line model (cart_line_state_asof), with the
-- product's name and category (product_names_asof, views/015: the catalogue's, else the events') joined to
-- each line, since the category groups the lines.
-- The name is the maximum of an if() on the parameter, which the planner folds: by category it is NULL and
-- product_name is not read (if(…, max(product_name), NULL) read and compared every line's name, by category
-- too).
SELECT
  key,
  direction,
  max(if({group:String} = 'product', product_name, NULL)) AS name,
  count() AS lines,
  sum(quantity - first_added_quantity) AS units_delta,
  countIf(quantity > 0 AND status = 'converted') AS purchased
FROM (
  SELECT
    l.status AS status, l.quantity AS quantity, l.first_added_quantity AS first_added_quantity, p.product_name AS product_name,
    multiIf(
      quantity = 0, 'removed',
      quantity > first_added_quantity, 'increased',
      quantity < first_added_quantity, 'decreased',
      'unchanged') AS direction,
    if({group:String} = 'category', ifNull(p.category, '(none)'), l.product_id) AS key
  FROM cart_line_state_asof(as_of_ms = {as_of_ms:Int64}, abandon_ms = {abandon_ms:Int64}) AS l
  LEFT JOIN product_names_asof(as_of_ms = {as_of_ms:Int64}) AS p ON p.product_id = l.product_id
  WHERE l.first_added_at >= {from_ms:Int64} AND l.first_added_at < {to_ms:Int64}
)
GROUP BY GROUPING SETS ((key, direction), (direction))
ORDER BY key NULLS FIRST, direction
SETTINGS group_by_use_nulls = 1;
