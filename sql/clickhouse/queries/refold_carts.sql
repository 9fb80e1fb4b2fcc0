-- Folds again, over all their events, the carts of a batch just written (carts is an Array(String)), and
-- writes a tombstone under each older key of theirs that the fold moved: an add that arrived late with an
-- earlier time (or a cart's first add, after events without one) moves its start, hence its key (see
-- migrations/005_cart_folds_by_start.sql). Both in one insert, so that a process stopped in between never
-- leaves a moved cart counted twice. The new start and the count of events (the version) come from the
-- events themselves, as the fold takes them (minIf of the adds, count() after FINAL), so that the fold is
-- computed once. as_of_ms 10^13 (year 2286) is past every event and inside DateTime64's range.
INSERT INTO cart_folds
SELECT *, toUInt8(0) AS is_deleted FROM cart_fold_asof(as_of_ms = 10000000000000)
WHERE cart_id IN {carts:Array(String)}
UNION ALL
SELECT kept.* EXCEPT (is_deleted) REPLACE (moved.events AS events), toUInt8(1) AS is_deleted
FROM (SELECT * FROM cart_folds WHERE cart_id IN {carts:Array(String)} AND is_deleted = 0) AS kept
JOIN (
  SELECT cart_id, minIfOrNull(toUnixTimestamp64Milli(occurred_at), type = 'cart.item_added') AS new_started_at, toInt64(count()) AS events
  FROM events FINAL
  WHERE cart_id IN {carts:Array(String)}
  GROUP BY cart_id
) AS moved ON moved.cart_id = kept.cart_id
WHERE NOT isNotDistinctFrom(kept.started_at, moved.new_started_at)
