-- Every stored event of the carts that may have something new to announce (announce/detect.ts): a cart
-- with an event that occurred after $since_ms (its abandonment instant, or that of a gap between its
-- events, may have crossed the watermark since the last detection: $since_ms is that detection's
-- watermark less abandon_after) or received after $received_after_ms (a return, an order, or a late event
-- that reshapes its gaps). The columns of cart_events.sql, with the cart; replay order is the caller's.
SELECT
  cart_id, event_id::VARCHAR AS event_id, type, epoch_ms(occurred_at) AS occurred_at_ms, sequence,
  product_id, product_name, category, unit_price_minor, quantity, from_quantity, to_quantity,
  customer_id, anonymous_id, currency, channel, campaign_name, consent_marketing,
  cart_value_minor, order_id, total_minor
FROM events
WHERE cart_id IN (
  SELECT cart_id FROM events
  WHERE occurred_at > epoch_ms(CAST($since_ms AS BIGINT)) OR received_at > epoch_ms(CAST($received_after_ms AS BIGINT))
)
ORDER BY cart_id;
