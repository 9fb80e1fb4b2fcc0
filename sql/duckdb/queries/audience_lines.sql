-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings, none of
-- them last active before active_from_ms (a cart's kept lines carry its last event, a cart with events
-- after as_of a later one).
-- Same line semantics as cart_lines_asof (each line's state as of as_of), with the carts filtered
-- first; name and category are the product's (product_names_asof: the catalogue's, else the events').
WITH wanted AS (SELECT unnest(from_json($cart_ids, '["VARCHAR"]')) AS cart_id),
lines AS (
  SELECT r.cart_id, r.product_id, r.quantity, r.unit_price_minor
  FROM line_last_asof($as_of_ms) r
  SEMI JOIN wanted w ON w.cart_id = r.cart_id
  WHERE r.quantity > 0 AND r.cart_last_at >= $active_from_ms
)
SELECT l.cart_id, l.product_id, p.product_name, p.category, l.quantity, l.unit_price_minor
FROM lines l
LEFT JOIN product_names_asof($as_of_ms) p ON p.product_id = l.product_id
ORDER BY l.cart_id, l.product_id;
