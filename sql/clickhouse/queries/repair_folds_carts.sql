-- The carts whose kept fold is over fewer events than they have (a writer stopped between its insert and
-- its marks, marks lost with the machine): folded again by refold_carts.sql, which moves their key if
-- their start moved. Carts without a fold are repair_folds.sql's.
SELECT e.cart_id AS cart_id
FROM (SELECT cart_id, toInt64(count()) AS n FROM events FINAL GROUP BY cart_id) AS e
JOIN (SELECT cart_id, events FROM cart_folds FINAL) AS f ON f.cart_id = e.cart_id
WHERE f.events != e.n
