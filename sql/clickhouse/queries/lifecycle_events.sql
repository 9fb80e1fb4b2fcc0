-- Every stored event of a page of carts ({carts}: a JSON array of cart ids, from lifecycle_carts.sql), in cart order: the columns of
-- cart_events.sql, with the cart. FINAL: one row per event_id.
SELECT
  cart_id, toString(event_id) AS event_id, type, toUnixTimestamp64Milli(occurred_at) AS occurred_at_ms, sequence,
  product_id, product_name, category, unit_price_minor, quantity, from_quantity, to_quantity,
  customer_id, anonymous_id, currency, channel, campaign_name, consent_marketing,
  cart_value_minor, order_id, total_minor
FROM events FINAL
WHERE cart_id IN (SELECT arrayJoin(JSONExtract({carts:String}, 'Array(String)')))
ORDER BY cart_id
