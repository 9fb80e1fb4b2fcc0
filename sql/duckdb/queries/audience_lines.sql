-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings, none of
-- them last active before active_from_ms (a cart's kept lines carry its last event, a cart with events
-- after as_of a later one).
-- Same line semantics as cart_lines_asof (each line's state as of as_of), with the carts filtered
-- first; name and category are the line's own latest.
WITH wanted AS (SELECT unnest(from_json($cart_ids, '["VARCHAR"]')) AS cart_id)
SELECT r.cart_id, r.product_id, r.product_name, r.category, r.quantity, r.unit_price_minor
FROM line_last_asof($as_of_ms) r
SEMI JOIN wanted w ON w.cart_id = r.cart_id
WHERE r.quantity > 0 AND r.cart_last_at >= $active_from_ms
ORDER BY r.cart_id, r.product_id;
