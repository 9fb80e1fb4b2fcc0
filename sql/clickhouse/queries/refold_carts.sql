-- Folds again, over all their events, the carts of a batch just written (carts is an Array(String)).
-- as_of_ms 10^13 (year 2286) is past every event and inside DateTime64's range.
INSERT INTO cart_folds
SELECT * FROM cart_fold_asof(as_of_ms = 10000000000000)
WHERE cart_id IN {carts:Array(String)}
