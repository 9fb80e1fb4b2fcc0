-- Every order with a customer into an empty customer_orders (Warehouse.rebuildReadModels).
INSERT INTO customer_orders
SELECT toUnixTimestamp64Milli(occurred_at), assumeNotNull(customer_id), cart_id, event_id
FROM events FINAL
WHERE type = 'order.placed' AND customer_id IS NOT NULL
