-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings.
SELECT cart_id, product_id, product_name, category, quantity, unit_price_minor
FROM cart_lines_asof($as_of_ms)
WHERE quantity > 0 AND cart_id IN (SELECT unnest(from_json($cart_ids, '["VARCHAR"]')))
ORDER BY cart_id, product_id;
