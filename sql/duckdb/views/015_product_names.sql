-- Each product's name and category as every answer shows them (docs/metrics.md, "Product names"): the
-- catalogue's (migrations/014_products.sql) when it has the product and gives the field, else the events'
-- as of the instant (products_asof, views/010_cart_model.sql: the product's latest event at or before
-- as_of that carries one, across all carts; the greater within a millisecond).
-- sql/clickhouse/views/015_product_names.sql is the same rule; the rename suite holds them equal.
CREATE OR REPLACE MACRO product_names_asof(as_of_ms) AS TABLE
SELECT p.product_id, coalesce(c.name, p.product_name) AS product_name, coalesce(c.category, p.category) AS category
FROM products_asof(as_of_ms) p
LEFT JOIN products c ON c.id = p.product_id;
