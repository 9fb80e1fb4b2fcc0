-- The names and categories of the given products as of as_of: sql/duckdb/queries/product_names.sql.
SELECT product_id, product_name, category
FROM product_names_asof(as_of_ms = {as_of_ms:Int64})
WHERE product_id IN (SELECT arrayJoin(JSONExtract({product_ids:String}, 'Array(String)')))
ORDER BY product_id;
