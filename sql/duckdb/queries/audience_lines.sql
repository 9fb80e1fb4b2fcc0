-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings.
-- Same line semantics as cart_lines_asof (each line's last row as of as_of), with the carts filtered
-- first; name and category are the line's own latest.
WITH wanted AS (SELECT unnest(from_json($cart_ids, '["VARCHAR"]')) AS cart_id)
SELECT
  r.cart_id, r.product_id, r.l_product_name AS product_name, r.l_category AS category,
  r.qty_after AS quantity, r.l_unit_price_minor AS unit_price_minor
FROM line_last_asof($as_of_ms) r
SEMI JOIN wanted w ON w.cart_id = r.cart_id
WHERE r.qty_after > 0
ORDER BY r.cart_id, r.product_id;
