-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings.
-- Same line semantics as cart_lines_asof, with the carts filtered before aggregating.
WITH wanted AS (SELECT unnest(from_json($cart_ids, '["VARCHAR"]')) AS cart_id),
lines AS (
  SELECT
    r.cart_id,
    r.product_id,
    arg_max(r.qty_after, r.ord) AS quantity,
    arg_max(r.unit_price_minor, r.ord) FILTER (WHERE r.type <> 'cart.item_removed') AS unit_price_minor,
    arg_max(r.product_name, r.ord) FILTER (WHERE r.product_name IS NOT NULL) AS product_name,
    arg_max(r.category, r.ord) FILTER (WHERE r.category IS NOT NULL) AS category
  FROM cart_replay_asof($as_of_ms) r
  SEMI JOIN wanted w ON w.cart_id = r.cart_id
  WHERE r.product_id IS NOT NULL
  GROUP BY r.cart_id, r.product_id
)
SELECT cart_id, product_id, product_name, category, quantity, unit_price_minor
FROM lines
WHERE quantity > 0
ORDER BY cart_id, product_id;
