-- The catalogue's names and categories of the given products (those it has): for webhook payloads
-- (projections/productNames.ts, withCatalogueNames). $product_ids: JSON array of strings.
SELECT id AS product_id, name AS product_name, category
FROM products
WHERE id IN (SELECT unnest(from_json($product_ids, '["VARCHAR"]')));
