-- Each product's name and category as every answer shows them (docs/metrics.md, "Product names"), as
-- sql/duckdb/views/015_product_names.sql: the catalogue's (migrations/013_products.sql) when it has the
-- product and gives the field, else the events' as of the instant: those of the product's latest event at
-- or before as_of that carries one, across all carts, the greater within a millisecond.
--
-- Read as DuckDB's products_asof reads its product model: every (product, name, category) the events
-- carried, with the first and the last time, comes from the events' aggregate projection product_namings
-- (migrations/013_products.sql), a few rows per product whatever the history (a scan of the events' names
-- cost seconds at 3M events). As of T, a product's name follows from those rows alone when a single name
-- was used by T, or when none of the names used by T was used again after it (its last use is then its
-- latest by T); only the products renamed around T are read from their events (`exact`, which reads
-- nothing when there are none: the scalar guard folds its filter to 0). Likewise the category.
-- Without FINAL: a copy not merged yet carries the same name at the same time. The catalogue's columns
-- are Nullable, so that a product it lacks joins as NULL (not as '').
CREATE OR REPLACE VIEW product_names_asof AS
WITH
  namings AS (
    SELECT product_id, product_name, category, toUnixTimestamp64Milli(min(occurred_at)) AS f, toUnixTimestamp64Milli(max(occurred_at)) AS l
    FROM events
    WHERE product_id IS NOT NULL
    GROUP BY product_id, product_name, category
  ),
  names AS (
    SELECT product_id, count() = 1 OR max(l) <= {as_of_ms:Int64} AS kept, argMax(value, (l, value)) AS value
    FROM (
      SELECT product_id, product_name AS value, min(f) AS f, max(l) AS l FROM namings
      WHERE product_name IS NOT NULL GROUP BY product_id, value HAVING f <= {as_of_ms:Int64}
    )
    GROUP BY product_id
  ),
  categories AS (
    SELECT product_id, count() = 1 OR max(l) <= {as_of_ms:Int64} AS kept, argMax(value, (l, value)) AS value
    FROM (
      SELECT product_id, CAST(category AS Nullable(String)) AS value, min(f) AS f, max(l) AS l FROM namings
      WHERE category IS NOT NULL GROUP BY product_id, value HAVING f <= {as_of_ms:Int64}
    )
    GROUP BY product_id
  ),
  seen AS (
    SELECT product_id FROM namings GROUP BY product_id HAVING min(f) <= {as_of_ms:Int64}
  ),
  unkept AS (
    SELECT product_id FROM names WHERE NOT kept
    UNION DISTINCT
    SELECT product_id FROM categories WHERE NOT kept
  ),
  exact AS (
    SELECT
      product_id,
      argMaxIf(product_name, (occurred_at, product_name), product_name IS NOT NULL) AS product_name,
      argMaxIf(CAST(category AS Nullable(String)), (occurred_at, category), category IS NOT NULL) AS category
    FROM events
    WHERE (SELECT count() FROM unkept) > 0
      AND product_id IN (SELECT product_id FROM unkept)
      AND occurred_at <= fromUnixTimestamp64Milli({as_of_ms:Int64}, 'UTC')
    GROUP BY product_id
  )
SELECT
  assumeNotNull(s.product_id) AS product_id,
  coalesce(c.name, if(n.kept, n.value, x.product_name)) AS product_name,
  coalesce(c.category, if(k.kept, k.value, x.category)) AS category
FROM seen AS s
LEFT JOIN names AS n ON n.product_id = s.product_id
LEFT JOIN categories AS k ON k.product_id = s.product_id
LEFT JOIN exact AS x ON x.product_id = s.product_id
LEFT JOIN (SELECT id, CAST(name AS Nullable(String)) AS name, category FROM products FINAL) AS c ON c.id = s.product_id;
