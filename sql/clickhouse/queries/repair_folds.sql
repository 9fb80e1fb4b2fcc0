-- Folds the carts without a kept fold (a store from before cart_folds, or a writer stopped between its
-- insert and its fold whose batch never came back), in one pass: no kept row of theirs, so no key moved.
-- Carts whose fold is behind their events are found by repair_folds_carts.sql and folded as writes are.
INSERT INTO cart_folds
SELECT *, toUInt8(0) AS is_deleted FROM cart_fold_asof(as_of_ms = 10000000000000)
WHERE cart_id IN (
  SELECT e.cart_id
  FROM (SELECT DISTINCT cart_id FROM events) AS e
  LEFT JOIN (SELECT cart_id, events FROM cart_folds FINAL) AS f ON f.cart_id = e.cart_id
  WHERE f.events = 0
)
SETTINGS join_use_nulls = 0
