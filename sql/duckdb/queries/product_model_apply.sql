-- INVARIANT: runs in the transaction that filled product_namings (refresh_replay.sql, forget_replay.sql):
-- each product listed there gets the row its namings give (none when every one is a mark), then the list
-- is cleared. The namings of a product are its kept row as events, plus the new events, or every remaining
-- event: either way the latest of them is the latest of all its events.
DELETE FROM product_model WHERE product_id IN (SELECT product_id FROM product_namings);
INSERT INTO product_model
SELECT
  product_id,
  min(t) AS first_seen_at,
  arg_max(product_name, {'t': t, 'v': product_name}) FILTER (WHERE product_name IS NOT NULL) AS product_name,
  max(t) FILTER (WHERE product_name IS NOT NULL) AS name_at,
  arg_max(category, {'t': t, 'v': category}) FILTER (WHERE category IS NOT NULL) AS category,
  max(t) FILTER (WHERE category IS NOT NULL) AS category_at
FROM product_namings
GROUP BY product_id
HAVING min(t) IS NOT NULL;
DELETE FROM product_namings;
