-- INVARIANT: runs in the transaction that filled product_namings (refresh_replay.sql, forget_replay.sql):
-- each product listed there gets the rows its namings give (none when every one is a mark), then the list
-- is cleared. The namings of a product are its kept rows as events (their first and last use), plus the new
-- events, or every remaining event: either way their first and last uses are those of all its events.
DELETE FROM product_model WHERE product_id IN (SELECT product_id FROM product_namings);
INSERT INTO product_model
SELECT n.product_id, k.kind, k.value, min(n.t) AS first_at, max(n.t) AS last_at
FROM product_namings n
CROSS JOIN LATERAL (VALUES ('seen', NULL), ('name', n.product_name), ('category', n.category)) k(kind, value)
WHERE n.t IS NOT NULL AND (k.kind = 'seen' OR k.value IS NOT NULL)
GROUP BY n.product_id, k.kind, k.value;
DELETE FROM product_namings;
