-- Folds the carts whose kept fold is missing or over fewer events than they have (a store from before
-- cart_folds, or a writer stopped between its insert and its fold whose batch never came back).
INSERT INTO cart_folds
SELECT * FROM cart_fold_asof(as_of_ms = 10000000000000)
WHERE cart_id IN (
  SELECT e.cart_id
  FROM (SELECT cart_id, toInt64(count()) AS n FROM events FINAL GROUP BY cart_id) AS e
  LEFT JOIN (SELECT cart_id, events FROM cart_folds FINAL) AS f ON f.cart_id = e.cart_id
  WHERE f.events != e.n
)
SETTINGS join_use_nulls = 0
