-- The names and categories of the given products as of as_of (product_names_asof: the catalogue's, else
-- the events'), for answers folded in TypeScript (a cart, its timeline). $product_ids: JSON array of strings.
SELECT product_id, product_name, category
FROM product_names_asof($as_of_ms)
WHERE product_id IN (SELECT unnest(from_json($product_ids, '["VARCHAR"]')))
ORDER BY product_id;
