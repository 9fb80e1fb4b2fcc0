-- Every stored event of a page of carts ($carts: a JSON array of cart ids, from lifecycle_carts.sql), in
-- cart order: the columns of cart_events.sql, with the cart; replay order is the caller's.
SELECT
  cart_id, event_id::VARCHAR AS event_id, type, epoch_ms(occurred_at) AS occurred_at_ms, sequence,
  product_id, product_name, category, unit_price_minor, quantity, from_quantity, to_quantity,
  customer_id, anonymous_id, currency, channel, campaign_name, consent_marketing,
  cart_value_minor, order_id, total_minor
FROM events
WHERE cart_id IN (SELECT unnest(from_json($carts, '["VARCHAR"]')))
ORDER BY cart_id;
