-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings, and none
-- of them was last active before active_from_ms (the earliest last activity of the page): that bound
-- reaches the kept folds' min-max index on last_activity_at, where the cart ids' bloom filter alone kept
-- granules of every month (111,429 rows read for a 1,000-cart page of the bench's 300-day store, against
-- 17,718 on its 30 days).
-- The lines of cart_lines_asof, unnested here from the three line arrays this answer needs: that view unnests
-- all fourteen (what the line model keeps), and reading them for every cart of the granules the filter
-- keeps cost twice as much (70 against 36 ms for a 1,000-cart page of the bench's 1M store). The arrays
-- are parallel, so the same lines come out.
-- Names and categories are the product's (product_names_asof, views/015: the catalogue's, else the events').
SELECT l.cart_id AS cart_id, l.product_id AS product_id, p.product_name AS product_name, p.category AS category,
  l.quantity AS quantity, l.unit_price_minor AS unit_price_minor
FROM (
  SELECT cart_id, product_id, quantity, unit_price_minor
  FROM cart_replay_asof(as_of_ms = {as_of_ms:Int64})
  ARRAY JOIN line_product_id AS product_id, line_quantity AS quantity, line_unit_price_minor AS unit_price_minor
  WHERE cart_id IN (SELECT arrayJoin(JSONExtract({cart_ids:String}, 'Array(String)')))
    AND last_activity_at >= {active_from_ms:Int64}
    AND quantity > 0
) AS l
LEFT JOIN product_names_asof(as_of_ms = {as_of_ms:Int64}) AS p ON p.product_id = l.product_id
ORDER BY cart_id, product_id;
