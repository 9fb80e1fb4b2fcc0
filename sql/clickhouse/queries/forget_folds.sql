-- A mutation, as forget_events: the kept folds of the forgotten customer's carts are rewritten away
-- (a fold over fewer events would lose to them in the ReplacingMergeTree), then folded again.
ALTER TABLE cart_folds DELETE WHERE cart_id IN {carts:Array(String)}
