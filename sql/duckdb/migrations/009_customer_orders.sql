-- The orders model, kept by the writer's refresh with the other read models (queries/refresh_replay.sql, in
-- the same transaction): one row per order (an `order.placed` event) that names a customer, with when it was
-- placed and its cart. The audience leaves out a cart whose customer ordered after the cart's last activity;
-- it read those orders from `events`, whose row groups hold every type and, in a store that grew by copies
-- or backfills, times far apart, so the read followed the history kept (the window-vs-history bench: 1.57×
-- on a 300-day store). Rows are appended in placed_at order (a refresh's new orders are mostly the newest),
-- so that the zone maps of a lookback's range skip the rest.
CREATE TABLE IF NOT EXISTS customer_orders (
  placed_at   BIGINT NOT NULL, -- epoch ms of the order event
  customer_id VARCHAR NOT NULL,
  cart_id     VARCHAR NOT NULL,
  event_id    UUID NOT NULL
);

-- The orders of a store written before the model. A cart marked dirty has its rows replaced at its refold.
DELETE FROM customer_orders;
INSERT INTO customer_orders
SELECT epoch_ms(occurred_at), customer_id, cart_id, event_id
FROM events
WHERE type = 'order.placed' AND customer_id IS NOT NULL
ORDER BY occurred_at, event_id;
