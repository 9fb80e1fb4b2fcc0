-- Whether a customer placed an order (in any cart) after $since_ms: a reason not to send an abandonment
-- (announce/deliver.ts). Read from events, which hold every order as soon as it is stored.
SELECT count(*) > 0 AS ordered
FROM events
WHERE type = 'order.placed' AND customer_id = $customer_id AND occurred_at > epoch_ms(CAST($since_ms AS BIGINT));
