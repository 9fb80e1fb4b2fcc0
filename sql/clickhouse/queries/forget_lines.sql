-- A mutation, as forget_folds: the kept lines of the forgotten customer's carts, tombstones included, are
-- rewritten away, then kept again from the carts' new folds.
ALTER TABLE cart_line_folds DELETE WHERE cart_id IN {carts:Array(String)}
