-- The orders stored in events and missing from the orders model (a writer stopped between its insert and
-- its marks whose batch never came back): the carts without a fold are folded by repair_folds.sql, which
-- does not write orders. Compares the orders alone (PREWHERE reads the other events' type only).
INSERT INTO customer_orders
SELECT toUnixTimestamp64Milli(occurred_at), assumeNotNull(customer_id), cart_id, event_id
FROM events FINAL
PREWHERE type = 'order.placed'
WHERE customer_id IS NOT NULL
  AND (toUnixTimestamp64Milli(occurred_at), event_id) NOT IN (SELECT placed_at, event_id FROM customer_orders)
