-- Every stored event of the carts that may have something new to announce: the same carts and columns as
-- sql/duckdb/queries/lifecycle_events.sql (which says why these carts). FINAL: one row per event_id.
SELECT
  cart_id, toString(event_id) AS event_id, type, toUnixTimestamp64Milli(occurred_at) AS occurred_at_ms, sequence,
  product_id, product_name, category, unit_price_minor, quantity, from_quantity, to_quantity,
  customer_id, anonymous_id, currency, channel, campaign_name, consent_marketing,
  cart_value_minor, order_id, total_minor
FROM events FINAL
WHERE cart_id IN (
  SELECT cart_id FROM events
  WHERE occurred_at > fromUnixTimestamp64Milli({since_ms:Int64}, 'UTC') OR received_at > fromUnixTimestamp64Milli({received_after_ms:Int64}, 'UTC')
)
ORDER BY cart_id
