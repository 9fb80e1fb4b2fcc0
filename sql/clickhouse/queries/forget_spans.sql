-- A mutation, as forget_folds: the forgotten customer's carts leave cart_spans (migrations/008_cart_spans.sql)
-- with their events; refill_spans.sql then keeps the first event of what remains of them.
ALTER TABLE cart_spans DELETE WHERE cart_id IN {carts:Array(String)}
