-- Each product's name and category as every answer shows them (docs/metrics.md, "Product names"), as
-- sql/duckdb/views/015_product_names.sql: the catalogue's (migrations/012_products.sql) when it has the
-- product and gives the field, else the events' as of the instant: those of the product's latest event at
-- or before as_of that carries one, across all carts, the greater within a millisecond.
-- Events without FINAL: a copy not merged yet carries the same name at the same time. The catalogue's
-- columns are Nullable, so that a product it lacks joins as NULL (not as '').
CREATE OR REPLACE VIEW product_names_asof AS
SELECT
  e.product_id AS product_id,
  coalesce(c.name, e.product_name) AS product_name,
  coalesce(c.category, e.category) AS category
FROM (
  SELECT
    assumeNotNull(product_id) AS product_id,
    argMaxIf(product_name, (occurred_at, product_name), product_name IS NOT NULL) AS product_name,
    argMaxIf(CAST(category AS Nullable(String)), (occurred_at, category), category IS NOT NULL) AS category
  FROM events
  WHERE product_id IS NOT NULL AND occurred_at <= fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC')
  GROUP BY product_id
) e
LEFT JOIN (
  SELECT id, CAST(name AS Nullable(String)) AS name, category FROM products FINAL
) c ON c.id = e.product_id;
