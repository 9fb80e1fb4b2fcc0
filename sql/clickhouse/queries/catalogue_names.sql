-- The catalogue's names and categories of the given products: sql/duckdb/queries/catalogue_names.sql.
SELECT id AS product_id, name AS product_name, category
FROM products FINAL
WHERE id IN (SELECT arrayJoin(JSONExtract({product_ids:String}, 'Array(String)')));
