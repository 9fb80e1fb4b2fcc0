-- A mutation, as forget_folds: the kept orders of the forgotten customer's carts are rewritten away, then
-- kept again from the events that remain (refold_orders.sql, with the carts' folds).
ALTER TABLE customer_orders DELETE WHERE cart_id IN {carts:Array(String)}
