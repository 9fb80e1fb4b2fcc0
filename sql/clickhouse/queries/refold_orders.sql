-- The orders (with a customer) of carts just written (carts is an Array(String)), into the orders model
-- (migrations/007_customer_orders.sql): a cart's events are only added, so its orders are those already
-- kept and perhaps new ones; the kept ones written again collapse with their copies.
INSERT INTO customer_orders
SELECT toUnixTimestamp64Milli(occurred_at), assumeNotNull(customer_id), cart_id, event_id
FROM events FINAL
WHERE cart_id IN {carts:Array(String)} AND type = 'order.placed' AND customer_id IS NOT NULL
