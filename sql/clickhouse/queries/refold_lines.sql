-- Keeps the lines of carts just folded into cart_folds (carts is an Array(String)): each line's row from
-- the cart's kept fold (cart_lines_asof past every event reads cart_folds only), and a tombstone under
-- each older key of theirs that the fold moved (an add that arrived late with an earlier time moves a
-- line's first add, hence its key: see migrations/004_cart_line_folds.sql). Both in one insert, so that a
-- process stopped in between never leaves a moved line counted twice.
INSERT INTO cart_line_folds
SELECT *, toUInt8(0) AS is_deleted FROM cart_lines_asof(as_of_ms = 10000000000000)
WHERE cart_id IN {carts:Array(String)}
UNION ALL
SELECT kept.* EXCEPT (is_deleted) REPLACE (moved.events AS events), toUInt8(1) AS is_deleted
FROM (SELECT * FROM cart_line_folds WHERE cart_id IN {carts:Array(String)} AND is_deleted = 0) AS kept
JOIN (
  SELECT cart_id, product_id, first_added_at AS new_first_added_at, events
  FROM cart_lines_asof(as_of_ms = 10000000000000)
  WHERE cart_id IN {carts:Array(String)}
) AS moved ON moved.cart_id = kept.cart_id AND moved.product_id = kept.product_id
WHERE NOT isNotDistinctFrom(kept.first_added_at, moved.new_first_added_at)
