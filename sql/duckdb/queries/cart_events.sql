SELECT
  event_id::VARCHAR AS event_id, type, epoch_ms(occurred_at) AS occurred_at_ms, sequence,
  product_id, product_name, category, unit_price_minor, quantity, from_quantity, to_quantity,
  customer_id, anonymous_id, currency, channel, campaign_name, consent_marketing,
  cart_value_minor, order_id, total_minor
FROM events
WHERE cart_id = $cart_id AND occurred_at <= epoch_ms(CAST($as_of_ms AS BIGINT));
