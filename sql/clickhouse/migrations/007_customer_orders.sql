-- The orders model: one row per order (an `order.placed` event) that names a customer, with when it was
-- placed and its cart. The audience leaves out a cart whose customer ordered after the cart's last
-- activity; it read those orders from `events`, which is sorted by cart, so every granule of the lookback's
-- months held some and the read followed the history kept (the window-vs-history bench: 2.01× on a
-- 300-day store). Laid out by when the order was placed (PARTITION BY its month, ORDER BY placed_at), a
-- lookback reads the granules of about its own days.
--
-- Kept with the other read models, in the same fold step (queries/refold_orders.sql, before
-- refold_carts.sql, for the carts marked by writes), rebuilt by queries/rebuild_orders.sql, erased with its
-- carts by queries/forget_orders.sql and refilled from the events that remain. A ReplacingMergeTree on
-- (placed_at, event_id): folding a cart again writes its orders again, and copies of an order share both.
-- Readers take a maximum per customer, which a copy not yet merged does not change, so they read it
-- without FINAL.
CREATE TABLE IF NOT EXISTS customer_orders (
  placed_at   Int64,
  customer_id String,
  cart_id     String,
  event_id    UUID
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(toDateTime(intDiv(placed_at, 1000), 'UTC'))
ORDER BY (placed_at, event_id);

-- The orders of a store written before the model (applied again unchanged if a start stops half-way:
-- the copies collapse).
INSERT INTO customer_orders
SELECT toUnixTimestamp64Milli(occurred_at), assumeNotNull(customer_id), cart_id, event_id
FROM events FINAL
WHERE type = 'order.placed' AND customer_id IS NOT NULL;
